"""Lanes of the storyboard (protocol §4 `lane.*`)."""

from __future__ import annotations

import pytest

from core import limits
from planning.models import Lane
from tests.planning.helpers import add_item, lanes_of, refuse, send


def titles(workshop):
    return [lane.title for lane in lanes_of(workshop)]


def test_a_new_workshop_has_now_next_later(workshop):
    assert titles(workshop) == ["Now", "Next", "Later"]
    assert [lane.position for lane in lanes_of(workshop)] == [0, 1, 2]


def test_a_lane_is_added_at_the_end(room):
    outcome = send(room.workshop, room.facilitator, "lane.add", title="  Someday  ")
    [event] = outcome.events
    lane = Lane.objects.get(workshop=room.workshop, title="Someday")
    assert (event.name, event.data) == ("lane.added", {"lane": {"id": lane.id, "title": "Someday"}})
    assert titles(room.workshop) == ["Now", "Next", "Later", "Someday"]


def test_a_lane_is_renamed(room):
    now = room.lanes[0]
    outcome = send(room.workshop, room.leader, "lane.rename", lane=now.id, title="Today")
    assert outcome.events[0].data == {"lane": {"id": now.id, "title": "Today"}}
    assert titles(room.workshop) == ["Today", "Next", "Later"]
    assert send(room.workshop, room.leader, "lane.rename", lane=now.id, title="Today").events == []


@pytest.mark.parametrize(
    ("lane", "index", "clamped", "order"),
    [
        (0, 2, 2, ["Next", "Later", "Now"]),
        (2, 0, 0, ["Later", "Now", "Next"]),
        (0, 1, 1, ["Next", "Now", "Later"]),
        (1, -3, 0, ["Next", "Now", "Later"]),
        (0, 99, 2, ["Next", "Later", "Now"]),
    ],
)
def test_a_lane_is_moved_with_its_index_clamped(room, lane, index, clamped, order):
    moving = room.lanes[lane]
    outcome = send(room.workshop, room.facilitator, "lane.move", lane=moving.id, index=index)
    assert outcome.events[0].data == {"lane": moving.id, "index": clamped}
    assert titles(room.workshop) == order
    assert [lane.position for lane in lanes_of(room.workshop)] == [0, 1, 2]


def test_moving_a_lane_to_where_it_is_sends_nothing(room):
    assert send(room.workshop, room.facilitator, "lane.move", lane=room.lanes[1].id, index=1).events == []


def test_an_empty_lane_is_deleted_and_the_rest_renumbered(room):
    nxt = room.lanes[1]
    outcome = send(room.workshop, room.facilitator, "lane.delete", lane=nxt.id)
    assert outcome.events[0].data == {"lane": nxt.id}
    assert titles(room.workshop) == ["Now", "Later"]
    assert [lane.position for lane in lanes_of(room.workshop)] == [0, 1]


def test_a_lane_with_items_is_not_deleted(room):
    add_item(room.workshop, room.member, room.lanes[1])
    error = refuse(room.workshop, room.facilitator, "lane.delete", "lane_not_empty", lane=room.lanes[1].id)
    assert error.detail == {"lane": room.lanes[1].id}


def test_the_last_lane_stays(room):
    for lane in room.lanes[1:]:
        send(room.workshop, room.facilitator, "lane.delete", lane=lane.id)
    error = refuse(room.workshop, room.facilitator, "lane.delete", "invalid", lane=room.lanes[0].id)
    assert error.detail["field"] == "lane"


@pytest.mark.parametrize("title", ["", "   ", "x" * (limits.LANE_TITLE_MAX + 1)])
def test_a_lane_title_out_of_range_is_invalid(room, title):
    assert refuse(room.workshop, room.facilitator, "lane.add", "invalid", title=title).detail["field"] == "title"
    error = refuse(room.workshop, room.facilitator, "lane.rename", "invalid", lane=room.lanes[0].id, title=title)
    assert error.detail["field"] == "title"


def test_a_workshop_holds_at_most_20_lanes(room):
    for n in range(limits.MAX_LANES - 3):
        send(room.workshop, room.facilitator, "lane.add", title=f"Lane {n}")
    assert len(lanes_of(room.workshop)) == 20
    error = refuse(room.workshop, room.facilitator, "lane.add", "limit", title="One too many")
    assert "20" in error.message


def test_a_lane_of_another_workshop_is_not_found(room, other_workshop):
    foreign = other_workshop.lanes.first()
    refuse(room.workshop, room.facilitator, "lane.rename", "not_found", lane=foreign.id, title="Mine")
    refuse(room.workshop, room.facilitator, "lane.move", "not_found", lane=foreign.id, index=0)
    refuse(room.workshop, room.facilitator, "lane.delete", "not_found", lane=foreign.id)
    assert Lane.objects.filter(pk=foreign.id).exists()
