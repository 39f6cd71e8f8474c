"""Ops that queue up behind a busy one run together, in one transaction, as if run in turn.

Each test holds an op of the workshop running, queues ops from threads of their own in a known
order (each thread leaves its op in the queue and waits for its outcome), then lets the running op
finish: its thread then runs what queued up behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, connections, transaction

from core.errors import Invalid
from goals.models import Workshop
from live import changes, committed
from live.models import Event
from planning.models import Item, Lane, Ownership
from room.protocol import dispatch
from tests.planning.helpers import lanes_of

pytestmark = pytest.mark.django_db(transaction=True)


class Queued:
    """Calls started on threads while an op of the workshop is running, each queued before the
    next starts; the running op finishes when the block ends, and its thread runs the queue."""

    def __init__(self, room) -> None:
        self.room = room
        self.held = changes._workshop_queue(room.workshop.id)
        self.threads: list[threading.Thread] = []
        self.results: list[Any] = []
        self.running, self.finish = threading.Event(), threading.Event()

    def __enter__(self) -> Queued:
        def hold(change: changes.Change) -> None:
            self.running.set()
            assert self.finish.wait(10)

        self.holder = self._start(lambda: changes.run(self.room.workshop.id, self.room.leader.id, "hold", hold))
        assert self.running.wait(5)
        return self

    def _start(self, call: Callable[[], Any]) -> threading.Thread:
        index = len(self.results)
        self.results.append(None)

        def target() -> None:
            try:
                self.results[index] = call()
            except BaseException as error:
                self.results[index] = error
            finally:
                connections.close_all()

        thread = threading.Thread(target=target)
        thread.start()
        return thread

    def add(self, call: Callable[[], Any]) -> int:
        """Queue the call; returns its index in `results`."""
        self.threads.append(self._start(call))
        deadline = time.monotonic() + 5
        while len(self.held.queue) < len(self.threads):
            assert time.monotonic() < deadline, "the op never queued"
            time.sleep(0.002)
        return len(self.threads) - 1

    def __exit__(self, *exc: object) -> None:
        self.finish.set()
        for thread in [self.holder, *self.threads]:
            thread.join(10)
            assert not thread.is_alive()
        self.results.pop(0)  # the holder's


@pytest.fixture
def locks(monkeypatch) -> list[str]:
    """The workshop locks taken: one per transaction of the change path."""
    taken: list[str] = []
    real = changes.lock_workshop

    def counting(workshop_id: str) -> Any:
        taken.append(workshop_id)
        return real(workshop_id)

    monkeypatch.setattr(changes, "lock_workshop", counting)
    return taken


def op(room, actor, name: str, *, ref: str, **fields: Any) -> Callable[[], Any]:
    return lambda: dispatch(workshop_id=room.workshop.id, actor_id=actor.id, frame={"op": name, "ref": ref, **fields})


def seqs(workshop_id: str) -> list[int]:
    return list(Event.objects.filter(workshop_id=workshop_id).order_by("seq").values_list("seq", flat=True))


@pytest.fixture
def handed_off() -> Iterator[list[committed.Committed]]:
    seen: list[committed.Committed] = []
    committed.subscribe(seen.append)
    yield seen
    committed.unsubscribe(seen.append)


def test_queued_ops_commit_together_with_the_outcomes_of_running_them_in_turn(room, locks, handed_off):
    lane = room.lanes[0].id
    start = Workshop.objects.get(pk=room.workshop.pk).seq
    with Queued(room) as queued:
        first = queued.add(op(room, room.member, "item.add", ref="a", lane=lane, title="First"))
        refused = queued.add(op(room, room.member, "item.add", ref="b", lane=lane, title=""))
        second = queued.add(op(room, room.target, "item.add", ref="c", lane=lane, title="Second"))
        again = queued.add(op(room, room.member, "item.add", ref="a", lane=lane, title="First"))

    _, added = queued.results[first]
    _, then = queued.results[second]
    _, resent = queued.results[again]
    assert isinstance(queued.results[refused], Invalid)
    assert (added.seq, then.seq) == (start + 1, start + 2)
    assert (resent.duplicate, resent.seq) == (True, added.seq)
    assert list(Item.objects.filter(lane_id=lane).order_by("position").values_list("title", flat=True)) == [
        "First",
        "Second",
    ]
    assert seqs(room.workshop.id)[-2:] == [start + 1, start + 2]
    assert Workshop.objects.get(pk=room.workshop.pk).seq == start + 2
    # The running op's transaction, then one for the four, with the workshop read again after the refusal.
    assert len(locks) == 1 + 2
    # One change for the seam: the batch's events, in seq order.
    assert [(change.after, [event.seq for event in change.events]) for change in handed_off] == [
        (start, [start + 1, start + 2])
    ]


def test_a_later_op_reads_what_an_earlier_one_in_the_batch_wrote(room, locks):
    lane = room.lanes[0].id
    item = Item.objects.create(workshop=room.workshop, lane_id=lane, position=0, author=room.member, title="Claim me")
    with Queued(room) as queued:
        queued.add(op(room, room.member, "item.claim", ref="one", item=item.id))
        queued.add(op(room, room.target, "item.claim", ref="two", item=item.id))
        queued.add(op(room, room.member, "item.unclaim", ref="three", item=item.id))
    (_, first), (_, second), (_, third) = queued.results
    assert [event.data["owners"] for event in (*first.events, *second.events, *third.events)] == [
        [room.member.id],
        [room.member.id, room.target.id],
        [room.target.id],
    ]
    assert list(Ownership.objects.filter(item=item).values_list("member_id", flat=True)) == [room.target.id]
    assert len(locks) == 1 + 1


def test_a_refused_op_that_changed_the_workshop_in_memory_leaves_the_next_op_a_clean_one(room, locks):
    seen: list[str] = []

    def dirty(change: changes.Change) -> None:
        change.workshop.title = "Never saved"
        raise Invalid("title", "Refused after changing the workshop in memory.")

    def look(change: changes.Change) -> None:
        seen.append(change.workshop.title)

    title = room.workshop.title
    with Queued(room) as queued:
        queued.add(lambda: changes.run(room.workshop.id, room.member.id, "dirty", dirty))
        queued.add(lambda: changes.run(room.workshop.id, room.member.id, "look", look))
    assert isinstance(queued.results[0], Invalid)
    assert seen == [title]
    assert Workshop.objects.get(pk=room.workshop.pk).title == title


def test_an_op_that_fails_otherwise_fails_alone_and_the_rest_commit(room, locks):
    lane = room.lanes[0].id

    def broken(change: changes.Change) -> None:
        raise RuntimeError("a bug in one op")

    start = Workshop.objects.get(pk=room.workshop.pk).seq
    with Queued(room) as queued:
        queued.add(op(room, room.member, "item.add", ref="x", lane=lane, title="Before"))
        queued.add(lambda: changes.run(room.workshop.id, room.member.id, "broken", broken))
        queued.add(op(room, room.target, "item.add", ref="y", lane=lane, title="After"))
    before, failed, after = queued.results
    assert isinstance(failed, RuntimeError)
    assert (before[1].seq, after[1].seq) == (start + 1, start + 2)
    assert list(Item.objects.filter(lane_id=lane).order_by("position").values_list("title", flat=True)) == [
        "Before",
        "After",
    ]
    # The batch was rolled back, then each op ran on its own.
    assert len(locks) == 1 + 1 + 3


def test_an_op_refused_after_it_inserted_a_row_leaves_no_row_behind(room, locks):
    lane = room.lanes[0].id

    def half_done(change: changes.Change) -> None:
        change.insert_now(Lane(workshop_id=change.workshop.id, title="Half done", position=99))
        raise Invalid("title", "Refused after an insert.")

    with Queued(room) as queued:
        queued.add(op(room, room.member, "item.add", ref="p", lane=lane, title="Kept"))
        queued.add(lambda: changes.run(room.workshop.id, room.member.id, "half", half_done))
        queued.add(op(room, room.target, "item.add", ref="q", lane=lane, title="Kept too"))
    assert isinstance(queued.results[1], Invalid)
    assert not Lane.objects.filter(title="Half done").exists()
    assert [lane.title for lane in lanes_of(room.workshop)] == [lane.title for lane in room.lanes]
    assert Item.objects.filter(lane_id=lane).count() == 2
    assert len(locks) == 1 + 1 + 3


def test_a_join_is_not_batched_with_the_ops_around_it(room, locks):
    lane = room.lanes[0].id
    joined: list[int] = []

    def join(change: changes.Change) -> None:
        joined.append(change.workshop.seq)

    with Queued(room) as queued:
        queued.add(op(room, room.member, "item.add", ref="j1", lane=lane, title="One"))
        queued.add(op(room, room.target, "item.add", ref="j2", lane=lane, title="Two"))
        queued.add(lambda: changes.run(room.workshop.id, None, None, join))
        queued.add(op(room, room.member, "item.add", ref="j3", lane=lane, title="Three"))
    assert len(joined) == 1
    assert all(not isinstance(result, BaseException) for result in queued.results)
    assert len(locks) == 1 + 3


def test_a_thread_that_finds_the_queue_running_leaves_its_op_there_and_returns(room):
    lane = room.lanes[0].id

    def add(change: changes.Change) -> None:
        change.emit("item.added", {"lane": lane})

    with Queued(room):
        future = changes.submit(room.workshop.id, room.member.id, "left", add)
        assert not future.done()
    assert future.result(10).seq == Workshop.objects.get(pk=room.workshop.pk).seq


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite lets one transaction write at a time")
def test_an_op_sent_inside_the_callers_transaction_runs_in_it_even_while_the_queue_is_busy(room):
    lane = room.lanes[0].id
    seen: dict[str, Any] = {}

    def inside() -> None:
        try:
            with transaction.atomic():
                seen["outcome"] = dispatch(
                    workshop_id=room.workshop.id,
                    actor_id=room.member.id,
                    frame={"op": "item.add", "ref": "inside", "lane": lane, "title": "Rolled back"},
                )
                raise RuntimeError("the caller changes its mind")
        except RuntimeError as error:
            seen["error"] = error
        finally:
            connections.close_all()

    with Queued(room) as queued:
        caller = threading.Thread(target=inside)
        caller.start()
        queued.add(op(room, room.target, "item.add", ref="kept", lane=lane, title="Kept"))
    caller.join(10)
    assert isinstance(seen["error"], RuntimeError)
    assert seen["outcome"][1].events
    assert list(Item.objects.filter(lane_id=lane).values_list("title", flat=True)) == ["Kept"]


def test_an_op_whose_waiter_gave_up_still_runs_and_the_ops_behind_it_get_their_outcomes(room):
    """A socket that closes while its op waits in the queue cancels its wait, not the op (the
    client resends it with its ref); the thread running the queue goes on to the next ones."""
    lane = room.lanes[0].id
    with Queued(room) as queued:
        gone = changes.submit(room.workshop.id, room.member.id, "gone", lambda change: change.emit("item.added", {}))
        waiting = asyncio.run(_wait_then_give_up(gone))
        assert waiting.cancelled()
        queued.add(op(room, room.target, "item.add", ref="next", lane=lane, title="Next"))
    (result,) = queued.results
    assert result[1].events
    assert gone.result(5).events
    assert Item.objects.filter(lane_id=lane, title="Next").exists()


async def _wait_then_give_up(future: Any) -> asyncio.Future[Any]:
    waiting = asyncio.wrap_future(future)
    waiting.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await waiting
    return waiting


def test_a_caller_that_blocks_on_its_op_is_answered_without_running_the_ops_queued_behind_it(room):
    """`run` (HTTP views, scripts) stops at its own op: a busy room's ops never hold up a page."""
    behind = threading.Event()

    def slow(change: changes.Change) -> None:
        assert behind.wait(10)
        change.emit("item.added", {})

    with Queued(room) as queued:
        later = changes.submit(room.workshop.id, room.target.id, "behind", slow)
        queued.finish.set()
        queued.holder.join(5)
        answered = not queued.holder.is_alive()
        behind.set()
    assert answered
    assert later.result(10).events
