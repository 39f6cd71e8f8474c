"""Shared fixtures: a leader's workshop and people joined through its invite."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections

from goals.invites import current_member_invite, invite_create, token_for
from goals.members import member_join
from goals.models import Member, Role, Workshop
from room.workshops import workshop_create

_names = itertools.count(1)


@pytest.fixture(scope="session", autouse=True)
def _close_database_pools(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Close PostgreSQL's connection pools before the test database is dropped: the
    websockets' database threads return their connections to the pool, which keeps them open,
    and a database with open sessions cannot be dropped.

    Closing a pool leaves open the connections it has lent out, and threads that outlive the
    tests still hold some: at the end of a PostgreSQL run, the four database threads and
    asgiref's executor thread each had one, and the drop failed with "being accessed by other
    users". So the sessions still on the test database are ended too; it is dropped next."""
    yield
    with django_db_blocker.unblock():
        for connection in connections.all(initialized_only=True):
            if getattr(connection, "pool", None) is not None:
                connection.close_pool()
            if connection.vendor == "postgresql":
                # Through the maintenance database, unpooled, as Django's own drop goes.
                with connection._nodb_cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                        [connection.settings_dict["NAME"]],
                    )


@pytest.fixture(scope="session", autouse=True)
def _queue_reads_on_the_committing_thread() -> None:
    """Tests look at the job queue right after an op, so the seam queues its reads before the op
    returns; served, a thread of their own queues them (tests/jobs/test_log_readers.py runs that)."""
    settings.JOBS_QUEUE_IN_BACKGROUND = False


# Rows a flush need not delete: the `post_migrate` that follows it puts back exactly these.
KEPT_BY_FLUSH = frozenset({"django_content_type", "auth_permission"})


@pytest.fixture(scope="session", autouse=True)
def _quick_flush() -> Iterator[None]:
    """After every transactional test (websockets, browsers, servers) Django flushes every table,
    then runs `post_migrate`, which makes the content types and permissions again.

    Two wastes, both removed with the same end state. On PostgreSQL the flush is one TRUNCATE of
    all 27 tables, which gives each new files and takes a quarter of a second; deleting the few
    rows a test leaves takes milliseconds (sequences stay as they were: TRUNCATE does not restart
    them either). Every foreign key Django makes is DEFERRABLE INITIALLY DEFERRED and the
    statements run in one transaction, so the order of the tables does not matter. And the content
    types and permissions, which no test writes, are left in place instead of being deleted and
    inserted again (~60 ms a test); `post_migrate` still runs and finds them complete. A flush that
    asks for more (sequences reset, CASCADE for a subset of the apps) gets Django's own."""
    if connections["default"].vendor not in ("postgresql", "sqlite"):
        yield
        return
    operations = type(connections["default"].ops)
    django_flush = operations.sql_flush

    def sql_flush(
        self: Any, style: Any, tables: list[str], *, reset_sequences: bool = False, allow_cascade: bool = False
    ) -> list[str]:
        if reset_sequences or allow_cascade or not tables:
            return django_flush(self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        tables = [table for table in tables if table not in KEPT_BY_FLUSH]
        if self.connection.vendor != "postgresql":
            return django_flush(self, style, tables)  # SQLite's own flush deletes
        deletes = [f"DELETE FROM {self.quote_name(table)}" for table in tables]  # noqa: S608 (Django's own tables)
        return ["SET CONSTRAINTS ALL DEFERRED", *deletes]

    operations.sql_flush = sql_flush
    try:
        yield
    finally:
        operations.sql_flush = django_flush


@pytest.fixture
def leader_user(db):
    return get_user_model().objects.create_user(username=f"leader{next(_names)}", password="a-long-password-1")


@pytest.fixture
def workshop(leader_user) -> Workshop:
    return workshop_create(
        user=leader_user,
        title="Ship the new onboarding by March",
        why="New customers churn in week one.",
        success_criteria=["Activation above 60%", "Support tickets halved"],
        votes_per_member=5,
    )


@pytest.fixture
def leader(workshop) -> Member:
    return Member.objects.get(workshop=workshop, role=Role.LEADER)


@pytest.fixture
def join(workshop) -> Callable[..., Member]:
    """Join a guest (fresh session) with a role; facilitators are promoted directly."""

    def join_as(role: str = Role.MEMBER, name: str | None = None, target: Workshop | None = None) -> Member:
        target = target or workshop
        invite_role = Role.OBSERVER if role == Role.OBSERVER else Role.MEMBER
        invite = current_member_invite(target) if invite_role == Role.MEMBER else None
        invite = invite or invite_create(workshop=target, created_by=None, role=invite_role)
        member = member_join(
            token=token_for(invite), name=name or f"Guest {next(_names)}", user=None, session=SessionStore()
        )
        if role == Role.FACILITATOR:
            Member.objects.filter(pk=member.pk).update(role=Role.FACILITATOR)
            member.refresh_from_db()
        return member

    return join_as


@pytest.fixture
def member(join) -> Member:
    return join(Role.MEMBER, "Mia")


@pytest.fixture
def facilitator(join) -> Member:
    return join(Role.FACILITATOR, "Fay")


@pytest.fixture
def observer(join) -> Member:
    return join(Role.OBSERVER, "Otto")
