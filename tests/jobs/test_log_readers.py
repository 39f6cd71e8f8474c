"""Readers of the event log (jobs/log.py): each event reaches a reader once, in seq order, through a
job queued after commit; a lost job is caught up by the tick; pruning keeps what is unread."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from core import clock
from jobs import log, tick
from jobs.worker import run_due_jobs
from live.models import Event, LogCursor
from live.retention import log_prune
from room.protocol import dispatch
from tests.planning.helpers import add_items_at_once

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def reader():
    seen: list[tuple[str, int, str]] = []

    def read(workshop_id, events):
        seen.extend((workshop_id, event.seq, event.name) for event in events)

    registered = log.Reader(name="test", wants=lambda change: True, read=read)
    log.register(registered)
    yield seen
    log._readers.pop("test", None)


def add(workshop, member, title, ref):
    lane = workshop.lanes.first().id
    dispatch(
        workshop_id=workshop.id, actor_id=member.id, frame={"op": "item.add", "ref": ref, "lane": lane, "title": title}
    )


def logged(workshop_id, after=0):
    return [
        (workshop_id, seq, name)
        for seq, name in Event.objects.filter(workshop_id=workshop_id, seq__gt=after).values_list("seq", "name")
    ]


def test_every_event_after_the_reader_starts_is_read_once_in_seq_order(workshop, leader, reader):
    start = workshop.seq
    add(workshop, leader, "One", "a")
    add(workshop, leader, "Two", "b")
    add(workshop, leader, "Two", "b")  # resent: applied once, nothing new to read
    assert run_due_jobs() >= 1
    assert reader == logged(workshop.id, after=start)
    # Reading again (a duplicate job, a second worker) reads nothing twice.
    log.read_log.enqueue("test", workshop.id, 0)
    run_due_jobs()
    assert reader == logged(workshop.id, after=start)


def test_changes_from_many_threads_are_read_once_each(workshop, reader):
    add_items_at_once(workshop, writers=4, each=5)
    run_due_jobs()
    assert [seq for _, seq, _ in reader] == list(range(1, 21))


def test_the_tick_reads_what_a_lost_job_left_unread(workshop, leader, reader):
    add(workshop, leader, "One", "a")
    run_due_jobs()
    add(workshop, leader, "Two", "b")
    DBTaskResult.objects.all().delete()  # the process died before its job ran
    tick.run_periodic()
    run_due_jobs()
    assert reader == logged(workshop.id)


def test_pruning_keeps_every_event_a_reader_has_not_read(workshop, leader, reader):
    add(workshop, leader, "One", "a")
    run_due_jobs()
    add(workshop, leader, "Two", "b")
    add(workshop, leader, "Three", "c")
    DBTaskResult.objects.all().delete()
    cursor = LogCursor.objects.get(reader="test", workshop=workshop)
    later = clock.now() + timedelta(days=60)
    Event.objects.update(created_at=later - timedelta(days=45))
    from unittest import mock

    with mock.patch("core.clock.now", return_value=later):
        pruned = log_prune(event_retention=timedelta(days=30))
    kept = list(Event.objects.filter(workshop=workshop).values_list("seq", flat=True))
    assert kept == [seq for seq in range(cursor.seq + 1, workshop.__class__.objects.get(pk=workshop.pk).seq + 1)]
    assert pruned.events == cursor.seq
    tick.run_periodic()
    run_due_jobs()
    assert [seq for _, seq, _ in reader] == list(range(1, 4))


def test_a_reader_that_does_not_want_a_change_queues_nothing(workshop, leader):
    log.register(log.Reader(name="picky", wants=lambda change: False, read=lambda *args: None))
    try:
        add(workshop, leader, "One", "a")
        assert not DBTaskResult.objects.filter(task_path=log.read_log.module_path).exists()
    finally:
        log._readers.pop("picky", None)


def test_a_busy_room_queues_one_read_while_one_waits(workshop, leader, reader):
    for number in range(5):
        add(workshop, leader, f"Item {number}", f"r{number}")
    assert DBTaskResult.objects.filter(task_path=log.read_log.module_path, status="READY").count() == 1
    run_due_jobs()
    assert [seq for _, seq, _ in reader] == [seq for _, seq, _ in logged(workshop.id, after=reader[0][1] - 1)]
    add(workshop, leader, "After", "r9")
    assert DBTaskResult.objects.filter(task_path=log.read_log.module_path, status="READY").count() == 1


def test_in_the_background_a_change_reaches_its_readers_off_the_committing_thread(workshop, leader, reader, settings):
    """As served (JOBS_QUEUE_IN_BACKGROUND): the committing thread only hands the change over; the
    reads are queued by the hand-off thread, one per workshop for a burst, and nothing is lost."""
    settings.JOBS_QUEUE_IN_BACKGROUND = True
    start = workshop.seq
    committing = threading.get_ident()
    asked_from: set[int] = set()
    log.register(
        log.Reader(name="where", wants=lambda change: asked_from.add(threading.get_ident()), read=lambda *a: None)
    )
    try:
        for number in range(5):
            add(workshop, leader, f"Item {number}", f"b{number}")
        assert log.flush()
        assert committing not in asked_from
        assert DBTaskResult.objects.filter(task_path=log.read_log.module_path, status="READY").count() >= 1
        run_due_jobs()
        assert reader == logged(workshop.id, after=start)
    finally:
        log._readers.pop("where", None)
