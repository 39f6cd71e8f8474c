"""The write rule of the change path (live/changes.py), on whichever backend the suite runs."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, connection

from core import clock
from goals.models import Member
from live.changes import Change, WriteOutsideChange, run
from live.models import Event, OpReceipt
from planning.models import Lane
from tests.planning.helpers import board_state, send


def perform_as(room, perform):
    return run(room.workshop.id, room.leader.id, "rule-1", perform)


@pytest.mark.parametrize(
    "write",
    [
        pytest.param(lambda lane: Lane.objects.filter(pk=lane.pk).update(title="Sneaked"), id="queryset-update"),
        pytest.param(lambda lane: Lane(workshop_id=lane.workshop_id, title="Sneaked", position=9).save(), id="save"),
        pytest.param(lambda lane: Lane.objects.filter(pk=lane.pk).delete(), id="queryset-delete"),
        pytest.param(
            lambda lane: connection.cursor().execute(
                "UPDATE planning_lane SET title = 'Sneaked' WHERE id = %s", [lane.pk]
            ),
            id="own-cursor",
        ),
    ],
)
def test_a_write_behind_the_changes_back_fails_loudly_and_changes_nothing(room, write):
    lane = room.lanes[0]
    before = board_state(room.workshop)

    def perform(change: Change) -> None:
        change.emit("lane.renamed", {"lane": {"id": lane.id}})
        write(lane)

    with pytest.raises(WriteOutsideChange, match="the write rule"):
        perform_as(room, perform)
    assert board_state(room.workshop) == before
    assert Lane.objects.get(pk=lane.pk).title == lane.title
    assert not Lane.objects.filter(title="Sneaked").exists()


def test_two_writes_to_one_row_both_apply_in_the_order_given(room):
    """In one PostgreSQL statement (data-modifying CTEs) one of the two would be silently dropped."""
    lane = room.lanes[0]

    def perform(change: Change) -> None:
        change.write("UPDATE planning_lane SET title = %s WHERE id = %s", ["First", lane.id])
        change.write(
            "UPDATE planning_lane SET title = title || %s, position = 7 WHERE id = %s", [" then second", lane.id]
        )
        lane.position = 8
        change.update(lane, ["position"])
        change.emit("lane.renamed", {"lane": {"id": lane.id}})

    perform_as(room, perform)
    lane.refresh_from_db()
    assert (lane.title, lane.position) == ("First then second", 8)


def test_the_ops_reads_do_not_see_its_deferred_writes_and_insert_now_gives_an_id(room):
    lane = room.lanes[0]
    seen = {}

    def perform(change: Change) -> None:
        change.write("UPDATE planning_lane SET title = %s WHERE id = %s", ["Renamed", lane.id])
        seen["title"] = Lane.objects.get(pk=lane.pk).title
        added = Lane(workshop_id=room.workshop.id, title="Added", position=3)
        change.insert_now(added)
        seen["added"] = added.id
        seen["visible"] = Lane.objects.filter(pk=added.id).exists()
        change.emit("lane.added", {"lane": {"id": added.id}})

    perform_as(room, perform)
    assert seen["title"] == lane.title
    assert seen["visible"] is True
    assert Lane.objects.get(pk=seen["added"]).title == "Added"
    assert Lane.objects.get(pk=lane.pk).title == "Renamed"


def test_a_write_to_the_workshop_row_goes_with_the_seq(room):
    def perform(change: Change) -> None:
        change.workshop.title = "A sharper goal"
        change.update(change.workshop, ["title"])
        change.emit("goal.edited", {"workshop": {"title": "A sharper goal"}})

    outcome = perform_as(room, perform)
    room.workshop.refresh_from_db()
    assert (room.workshop.title, room.workshop.seq) == ("A sharper goal", outcome.seq)
    assert Event.objects.filter(workshop_id=room.workshop.id).latest("seq").seq == outcome.seq


def test_a_failed_deferred_write_rolls_the_whole_change_back(room):
    before = board_state(room.workshop)
    ready_before = Member.objects.get(pk=room.member.pk).ready

    def perform(change: Change) -> None:
        change.write("UPDATE goals_member SET ready = %s WHERE id = %s", [not ready_before, room.member.id])
        change.write("INSERT INTO planning_lane (id) VALUES (NULL)")
        change.emit("member.ready", {"member": room.member.id, "ready": not ready_before})

    with pytest.raises(IntegrityError):
        perform_as(room, perform)
    assert board_state(room.workshop) == before
    assert Member.objects.get(pk=room.member.pk).ready == ready_before


def test_the_log_and_receipts_are_stamped_by_the_clock_ops_read(room, monkeypatch):
    """A value the op set is written as set (core.clock, which tests move), not replaced by the
    ORM's own auto_now_add time; a time left unset still gets the ORM's."""
    instant = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    monkeypatch.setattr(clock, "now", lambda: instant)
    outcome = send(room.workshop, room.member, "member.ready", ready=True, ref="stamped")
    assert Event.objects.get(workshop_id=room.workshop.id, seq=outcome.seq).created_at == instant
    assert OpReceipt.objects.get(workshop_id=room.workshop.id, ref="stamped").created_at == instant
    added = send(room.workshop, room.leader, "lane.add", title="Stamped by the ORM").events[0].data["lane"]["id"]
    assert Lane.objects.filter(pk=added).exists()
