"""Items: add, edit, move, delete (protocol §4 `item.*`), and their limits and errors."""

from __future__ import annotations

import pytest

from core import limits
from goals.models import Phase
from planning.models import Item, Vote
from planning.snapshot import build_snapshot
from tests.planning.helpers import (
    add_item,
    lane_ids,
    make_item,
    refuse,
    send,
    set_phase,
)


def snapshot_item(workshop, viewer, item_id):
    return next(item for item in build_snapshot(workshop.id, viewer.id)["items"] if item["id"] == item_id)


# item.add


def test_an_added_item_goes_to_the_end_of_its_lane(room):
    now, nxt, _ = room.lanes
    first = add_item(room.workshop, room.member, now, "First")
    add_item(room.workshop, room.leader, nxt, "Elsewhere")
    second = add_item(room.workshop, room.facilitator, now, "Second")
    outcome = send(room.workshop, room.member, "item.add", lane=now.id, title="Third")

    [event] = outcome.events
    assert event.name == "item.added"
    third = event.data["item"]
    assert third["position"] == 2
    assert lane_ids(now) == [first, second, third["id"]]
    assert third == snapshot_item(room.workshop, room.leader, third["id"])


def test_an_added_item_carries_every_field(room):
    outcome = send(
        room.workshop,
        room.member,
        "item.add",
        lane=room.lanes[1].id,
        title="  Write the welcome email  ",
        notes="Three short paragraphs.",
        due="2026-12-31",
        criterion=1,
    )
    item = outcome.events[0].data["item"]
    assert item == {
        "id": item["id"],
        "lane": room.lanes[1].id,
        "position": 0,
        "title": "Write the welcome email",
        "notes": "Three short paragraphs.",
        "due": "2026-12-31",
        "criterion": 1,
        "status": "proposed",
        "author": room.member.id,
        "owners": [],
        "votes": 0,
        "version": 1,
        "progress": None,
        "helpers": [],
        "help_notes": {},
        "estimate": None,
        "stack": None,
    }


def test_an_item_title_of_200_characters_and_notes_of_4000_are_fine(room):
    item_id = add_item(room.workshop, room.member, title="t" * 200, notes="n" * 4000)
    stored = Item.objects.get(pk=item_id)
    assert (len(stored.title), len(stored.notes)) == (200, 4000)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"title": "a\x00b"}, "title"),
        ({"notes": "n" * 4001}, "notes"),
        ({"due": "31/12/2026"}, "due"),
        ({"due": "2026-02-30"}, "due"),
        ({"criterion": -1}, "criterion"),
        ({"criterion": 2}, "criterion"),  # the workshop has two success criteria: 0 and 1
    ],
)
def test_an_item_value_out_of_range_is_invalid_naming_the_field(room, fields, field):
    error = refuse(
        room.workshop, room.member, "item.add", "invalid", **{"lane": room.lanes[0].id, "title": "x"} | fields
    )
    assert error.detail["field"] == field


def test_an_item_cannot_go_into_a_lane_of_another_workshop(room, other_workshop):
    foreign = other_workshop.lanes.first()
    refuse(room.workshop, room.member, "item.add", "not_found", lane=foreign.id, title="Sneaky")
    refuse(room.workshop, room.member, "item.add", "not_found", lane=999_999, title="Nowhere")


def test_a_workshop_holds_at_most_2000_items(room):
    later = room.lanes[2]
    Item.objects.bulk_create(
        Item(workshop=room.workshop, lane=later, position=index, author=room.member, title=f"Item {index}")
        for index in range(limits.MAX_ITEMS - 1)
    )
    add_item(room.workshop, room.member, later, "The last one that fits")
    error = refuse(room.workshop, room.member, "item.add", "limit", lane=room.lanes[0].id, title="One too many")
    assert "2000" in error.message
    assert Item.objects.filter(workshop=room.workshop).count() == limits.MAX_ITEMS


# item.edit


def test_an_edit_bumps_the_version_and_sends_the_whole_item(room):
    item_id = add_item(room.workshop, room.member, title="Draft")
    outcome = send(room.workshop, room.member, "item.edit", item=item_id, version=1, title="Final", due="2027-01-15")
    [event] = outcome.events
    assert event.name == "item.edited"
    assert event.data["item"]["version"] == 2
    assert event.data["item"]["title"] == "Final"
    assert event.data["item"]["due"] == "2027-01-15"
    assert event.data["item"] == snapshot_item(room.workshop, room.member, item_id)


def test_an_edit_can_clear_the_due_date_and_criterion(room):
    item_id = add_item(room.workshop, room.member, due="2026-05-01", criterion=0)
    send(room.workshop, room.member, "item.edit", item=item_id, version=1, due=None, criterion=None)
    item = Item.objects.get(pk=item_id)
    assert (item.due, item.criterion, item.version) == (None, None, 2)


def test_an_edit_that_changes_nothing_sends_nothing(room):
    item_id = add_item(room.workshop, room.member, title="Same")
    outcome = send(room.workshop, room.member, "item.edit", item=item_id, version=1, title="Same ")
    assert outcome.events == []
    assert Item.objects.get(pk=item_id).version == 1


def test_a_stale_version_is_a_conflict_carrying_the_current_item(room):
    item_id = add_item(room.workshop, room.member, title="Draft")
    send(room.workshop, room.facilitator, "item.edit", item=item_id, version=1, notes="Facilitator's note")
    error = refuse(room.workshop, room.member, "item.edit", "conflict", item=item_id, version=1, title="Mine")
    assert error.detail["item"] == snapshot_item(room.workshop, room.member, item_id)
    assert error.detail["item"]["version"] == 2
    assert error.detail["item"]["notes"] == "Facilitator's note"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"notes": "n" * 4001}, "notes"),
        ({"due": "tomorrow"}, "due"),
        ({"criterion": 5}, "criterion"),
    ],
)
def test_an_edit_out_of_range_is_invalid_naming_the_field(room, fields, field):
    item_id = add_item(room.workshop, room.member)
    error = refuse(room.workshop, room.member, "item.edit", "invalid", item=item_id, version=1, **fields)
    assert error.detail["field"] == field


def test_only_the_author_or_a_facilitator_edits_or_deletes_an_item(room):
    item_id = add_item(room.workshop, room.member, title="Mia's")
    refuse(room.workshop, room.target, "item.edit", "forbidden", item=item_id, version=1, title="Tess's now")
    refuse(room.workshop, room.target, "item.delete", "forbidden", item=item_id)
    send(room.workshop, room.facilitator, "item.edit", item=item_id, version=1, title="Tidied")
    send(room.workshop, room.leader, "item.edit", item=item_id, version=2, title="Tidied again")
    send(room.workshop, room.facilitator, "item.delete", item=item_id)
    assert not Item.objects.filter(pk=item_id).exists()


def test_an_item_of_another_workshop_is_not_found(room, other_workshop, join):
    stranger = join(target=other_workshop)
    foreign = make_item(other_workshop, stranger)
    refuse(room.workshop, room.leader, "item.edit", "not_found", item=foreign.id, version=1, title="x")
    refuse(room.workshop, room.leader, "item.move", "not_found", item=foreign.id, lane=room.lanes[0].id, index=0)
    refuse(room.workshop, room.leader, "item.delete", "not_found", item=foreign.id)
    refuse(room.workshop, room.leader, "item.claim", "not_found", item=foreign.id)
    set_phase(room.workshop, Phase.PLAN)
    refuse(room.workshop, room.leader, "item.status", "not_found", item=foreign.id, status="accepted")
    assert Item.objects.get(pk=foreign.id).title == "An item"


# item.move


def test_moving_within_a_lane_keeps_positions_contiguous(room):
    now = room.lanes[0]
    a, b, c, d = (add_item(room.workshop, room.member, now, title) for title in "abcd")
    outcome = send(room.workshop, room.target, "item.move", item=a, lane=now.id, index=2)
    assert [event.data for event in outcome.events] == [{"item": a, "lane": now.id, "index": 2}]
    assert lane_ids(now) == [b, c, a, d]
    send(room.workshop, room.target, "item.move", item=d, lane=now.id, index=0)
    assert lane_ids(now) == [d, b, c, a]


def test_moving_across_lanes_keeps_both_lanes_contiguous(room):
    now, nxt, _ = room.lanes
    a, b, c = (add_item(room.workshop, room.member, now, title) for title in "abc")
    x, y = (add_item(room.workshop, room.member, nxt, title) for title in "xy")
    outcome = send(room.workshop, room.member, "item.move", item=b, lane=nxt.id, index=1)
    assert outcome.events[0].data == {"item": b, "lane": nxt.id, "index": 1}
    assert lane_ids(now) == [a, c]
    assert lane_ids(nxt) == [x, b, y]


@pytest.mark.parametrize(("index", "clamped", "order"), [(-5, 0, "bxy"), (10**9, 2, "xyb")])
def test_a_move_index_is_clamped_to_the_lane(room, index, clamped, order):
    now, nxt, _ = room.lanes
    ids = {"b": add_item(room.workshop, room.member, now, "b")}
    ids |= {title: add_item(room.workshop, room.member, nxt, title) for title in "xy"}
    outcome = send(room.workshop, room.member, "item.move", item=ids["b"], lane=nxt.id, index=index)
    assert outcome.events[0].data["index"] == clamped
    assert lane_ids(nxt) == [ids[title] for title in order]
    assert lane_ids(now) == []


@pytest.mark.parametrize(("index", "clamped"), [(-1, 0), (99, 2)])
def test_a_move_index_is_clamped_within_the_lane_too(room, index, clamped):
    now = room.lanes[0]
    a, b, c = (add_item(room.workshop, room.member, now, title) for title in "abc")
    outcome = send(room.workshop, room.member, "item.move", item=b, lane=now.id, index=index)
    assert outcome.events[0].data["index"] == clamped
    assert lane_ids(now) == ([b, a, c] if clamped == 0 else [a, c, b])


def test_a_move_to_where_the_item_is_sends_nothing(room):
    now = room.lanes[0]
    a, b = (add_item(room.workshop, room.member, now, title) for title in "ab")
    assert send(room.workshop, room.member, "item.move", item=b, lane=now.id, index=1).events == []
    assert send(room.workshop, room.member, "item.move", item=b, lane=now.id, index=50).events == []
    assert lane_ids(now) == [a, b]


def test_a_move_does_not_bump_the_version(room):
    """So that moving a card never makes someone's edit conflict."""
    item_id = add_item(room.workshop, room.member)
    send(room.workshop, room.target, "item.move", item=item_id, lane=room.lanes[1].id, index=0)
    assert Item.objects.get(pk=item_id).version == 1
    send(room.workshop, room.member, "item.edit", item=item_id, version=1, title="Still my edit")


def test_any_member_moves_any_item(room):
    item_id = add_item(room.workshop, room.leader)
    send(room.workshop, room.target, "item.move", item=item_id, lane=room.lanes[2].id, index=0)
    assert Item.objects.get(pk=item_id).lane_id == room.lanes[2].id


def test_a_move_into_a_lane_of_another_workshop_is_not_found(room, other_workshop):
    item_id = add_item(room.workshop, room.member)
    refuse(
        room.workshop,
        room.member,
        "item.move",
        "not_found",
        item=item_id,
        lane=other_workshop.lanes.first().id,
        index=0,
    )


# item.delete


def test_deleting_an_item_renumbers_its_lane(room):
    now = room.lanes[0]
    a, b, c = (add_item(room.workshop, room.member, now, title) for title in "abc")
    outcome = send(room.workshop, room.member, "item.delete", item=b)
    assert [(event.name, event.data) for event in outcome.events] == [("item.deleted", {"item": b})]
    assert lane_ids(now) == [a, c]


def test_deleting_an_item_gives_its_dots_back(room):
    item_id = add_item(room.workshop, room.member)
    keep = add_item(room.workshop, room.member)
    set_phase(room.workshop, Phase.VOTE)
    for _ in range(2):
        send(room.workshop, room.target, "vote.cast", item=item_id)
    send(room.workshop, room.leader, "vote.cast", item=item_id)
    send(room.workshop, room.leader, "vote.cast", item=keep)
    set_phase(room.workshop, Phase.PLAN)

    outcome = send(room.workshop, room.member, "item.delete", item=item_id)

    assert [event.name for event in outcome.events] == ["item.deleted", "vote.changed", "vote.changed"]
    refunds = {event.data["member"]: event for event in outcome.events[1:]}
    assert {member_id: event.data for member_id, event in refunds.items()} == {
        room.leader.id: {"member": room.leader.id, "used": 1},
        room.target.id: {"member": room.target.id, "used": 0},
    }
    # Which item the dots came back from is for the voter alone.
    assert refunds[room.target.id].private == {"member": room.target.id, "data": {"item": item_id, "dots": 0}}
    assert refunds[room.leader.id].private == {"member": room.leader.id, "data": {"item": item_id, "dots": 0}}
    assert list(Vote.objects.filter(workshop=room.workshop).values_list("member_id", "item_id", "dots")) == [
        (room.leader.id, keep, 1)
    ]
    assert build_snapshot(room.workshop.id, room.target.id)["me"]["votes_left"] == 5


# item.status


def test_a_facilitator_sets_an_item_status_in_plan(room):
    item_id = add_item(room.workshop, room.member)
    set_phase(room.workshop, Phase.PLAN)
    outcome = send(room.workshop, room.facilitator, "item.status", item=item_id, status="accepted")
    assert [(event.name, event.data) for event in outcome.events] == [
        ("item.status", {"item": item_id, "status": "accepted"})
    ]
    assert send(room.workshop, room.facilitator, "item.status", item=item_id, status="accepted").events == []
    send(room.workshop, room.leader, "item.status", item=item_id, status="dropped")
    assert Item.objects.get(pk=item_id).status == "dropped"
    assert Item.objects.get(pk=item_id).version == 1


@pytest.mark.parametrize("status", ["done", "Accepted", ""])
def test_an_unknown_status_is_invalid(room, status):
    item_id = add_item(room.workshop, room.member)
    set_phase(room.workshop, Phase.PLAN)
    error = refuse(room.workshop, room.facilitator, "item.status", "invalid", item=item_id, status=status)
    assert error.detail["field"] == "status"
