"""Which transactions an op waits for on PostgreSQL: other ops and a snapshot's read, nothing else.

An op locks its workshop's row FOR NO KEY UPDATE. A transaction that inserts a row referencing
the workshop (a socket's presence, a job's record) holds FOR KEY SHARE on that row until it
commits; FOR UPDATE would wait for it, and a busy worker would then stall every op of the room.
"""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction
from django.db.utils import OperationalError

from tests.planning.helpers import send

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif("connection.vendor != 'postgresql'", reason="row locks: PostgreSQL only"),
]


def holding(workshop_id: str, lock: str) -> tuple[threading.Event, threading.Event, threading.Thread]:
    """Another connection holds `lock` on the workshop's row until told to let go."""
    held, release = threading.Event(), threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(f"SELECT 1 FROM goals_workshop WHERE id = %s {lock}", [workshop_id])  # noqa: S608
                held.set()
                release.wait(10)
        finally:
            connections.close_all()

    thread = threading.Thread(target=hold)
    thread.start()
    assert held.wait(10)
    return held, release, thread


def op_within(room, seconds: float) -> None:
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{int(seconds * 1000)}ms'")
        send(room.workshop, room.member, "member.ready", ready=True)


def test_an_op_does_not_wait_for_a_transaction_that_references_the_workshop(room):
    _, release, thread = holding(room.workshop.id, "FOR KEY SHARE")
    try:
        op_within(room, 1)
    finally:
        release.set()
        thread.join()


@pytest.mark.parametrize("lock", ["FOR SHARE", "FOR NO KEY UPDATE"])
def test_an_op_waits_for_a_snapshot_and_for_another_op(room, lock):
    _, release, thread = holding(room.workshop.id, lock)
    try:
        with pytest.raises(OperationalError, match="lock timeout"):
            op_within(room, 0.3)
    finally:
        release.set()
        thread.join()
