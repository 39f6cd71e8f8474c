"""The snapshot (protocol §4): its exact shape, what each viewer sees, and a query count that does not grow."""

from __future__ import annotations

import itertools
from datetime import datetime

import pytest
from django.utils import timezone

from core.errors import NotFound
from goals.models import Member, Phase, Role, Workshop
from planning.models import CheckIn, HelpOffer, Item, ItemStatus, Ownership, ProgressState, Vote
from planning.snapshot import build_snapshot
from tests.planning.helpers import add_item, json_round_trip, send, set_phase
from tests.planning.shapes import (
    CONFIDENCE_KEYS,
    ITEM_KEYS,
    LANE_KEYS,
    ME_KEYS,
    MEMBER_KEYS,
    SNAPSHOT_KEYS,
    WORKSHOP_KEYS,
)

# What build_snapshot costs, whatever the size of the board: the workshop row, members with their
# dots used, tallies, owners, helpers, check-ins, lanes, items (their progress with them), my votes,
# the confidence check, my answer, who is online (12), plus the savepoint around them that a
# test's outer transaction turns the atomic block into (2).
SNAPSHOT_QUERIES = 14


def test_the_snapshot_has_exactly_the_protocols_shape(room):
    first = add_item(room.workshop, room.member, due="2026-09-01", criterion=1)
    add_item(room.workshop, room.leader, room.lanes[1])
    send(room.workshop, room.target, "item.claim", item=first)
    send(room.workshop, room.facilitator, "timer.start", seconds=600)
    snapshot = json_round_trip(build_snapshot(room.workshop.id, room.member.id))

    assert set(snapshot) == SNAPSHOT_KEYS
    assert snapshot["type"] == "snapshot"
    assert snapshot["seq"] == Workshop.objects.get(pk=room.workshop.pk).seq
    datetime.fromisoformat(snapshot["server_time"])
    assert snapshot["me"] == {
        "member": room.member.id,
        "role": "member",
        "votes": {},
        "votes_left": 5,
        "confidence": None,
    }
    assert set(snapshot["me"]) == ME_KEYS
    workshop = snapshot["workshop"]
    assert set(workshop) == WORKSHOP_KEYS
    assert set(workshop["confidence"]) == CONFIDENCE_KEYS
    assert set(workshop["timer"]) == {"ends_at"}
    assert workshop | {"timer": None} == {
        "id": room.workshop.id,
        "title": "Ship the new onboarding by March",
        "why": "New customers churn in week one.",
        "success_criteria": ["Activation above 60%", "Support tickets halved"],
        "phase": "gather",
        "votes_per_member": 5,
        "timer": None,
        "confidence": {"open": False, "answers": 0, "result": None},
        "plan_version": 0,
        "agreed_at": None,
        "focus": None,
        "checkins": [],
        "agenda": [],
        "step": None,
        "planning": {"estimates": False, "capacity_hours": None, "private_gather": False},
        "load": 0,
    }
    assert snapshot["lanes"] == [{"id": lane.id, "title": lane.title} for lane in room.lanes]
    assert all(set(lane) == LANE_KEYS for lane in snapshot["lanes"])
    assert all(set(item) == ITEM_KEYS for item in snapshot["items"])
    assert snapshot["items"][0] == {
        "id": first,
        "lane": room.lanes[0].id,
        "position": 0,
        "title": "An item",
        "notes": "",
        "due": "2026-09-01",
        "criterion": 1,
        "status": "proposed",
        "author": room.member.id,
        "owners": [room.target.id],
        "votes": 0,
        "version": 1,
        "progress": None,
        "helpers": [],
        "help_notes": {},
        "estimate": None,
        "stack": None,
    }
    assert all(set(member) == MEMBER_KEYS for member in snapshot["members"])
    assert [(member["id"], member["role"]) for member in snapshot["members"]] == [
        (room.leader.id, "leader"),
        (room.facilitator.id, "facilitator"),
        (room.member.id, "member"),
        (room.observer.id, "observer"),
        (room.target.id, "member"),
    ]
    assert snapshot["members"][2] == {"id": room.member.id, "name": "Mia", "role": "member", "ready": False, "used": 0}
    assert snapshot["online"] == []


def test_items_come_in_board_order(room):
    now, nxt, later = room.lanes
    ids = [add_item(room.workshop, room.member, lane, title) for lane, title in ((later, "l"), (now, "n1"), (nxt, "x"))]
    ids.append(add_item(room.workshop, room.member, now, "n2"))
    send(room.workshop, room.facilitator, "lane.move", lane=later.id, index=0)
    snapshot = build_snapshot(room.workshop.id, room.member.id)
    assert [item["title"] for item in snapshot["items"]] == ["l", "n1", "n2", "x"]
    assert [(item["lane"], item["position"]) for item in snapshot["items"]] == [
        (later.id, 0),
        (now.id, 0),
        (now.id, 1),
        (nxt.id, 0),
    ]


def test_a_viewer_sees_their_own_votes_only(room):
    first = add_item(room.workshop, room.member)
    second = add_item(room.workshop, room.member)
    set_phase(room.workshop, Phase.VOTE)
    for person, item_id in ((room.member, first), (room.member, first), (room.target, second)):
        send(room.workshop, person, "vote.cast", item=item_id)

    mine = build_snapshot(room.workshop.id, room.member.id)
    theirs = build_snapshot(room.workshop.id, room.target.id)
    nobodys = build_snapshot(room.workshop.id, room.observer.id)
    assert (mine["me"]["votes"], mine["me"]["votes_left"]) == ({str(first): 2}, 3)
    assert (theirs["me"]["votes"], theirs["me"]["votes_left"]) == ({str(second): 1}, 4)
    assert nobodys["me"]["votes"] == {}
    for snapshot in (mine, theirs, nobodys):
        assert [item["votes"] for item in snapshot["items"]] == [None, None]
        assert {member["id"]: member["used"] for member in snapshot["members"]}[room.member.id] == 2

    set_phase(room.workshop, Phase.PLAN)
    assert [item["votes"] for item in build_snapshot(room.workshop.id, room.observer.id)["items"]] == [2, 1]


def test_removed_members_are_not_in_the_snapshot_and_get_none(room):
    send(room.workshop, room.facilitator, "member.remove", member=room.target.id)
    assert room.target.id not in [m["id"] for m in build_snapshot(room.workshop.id, room.member.id)["members"]]
    with pytest.raises(NotFound):
        build_snapshot(room.workshop.id, room.target.id)


def test_a_stranger_gets_no_snapshot(room, other_workshop):
    with pytest.raises(NotFound):
        build_snapshot(room.workshop.id, other_workshop.members.get().id)
    with pytest.raises(NotFound):
        build_snapshot("no-such-workshop", room.member.id)


def fill_board(room, items):
    """`items` items over the three lanes, with dots from every member, two owners on every third
    item, progress on every second (reported by a member removed since on every sixth), two helpers
    on every fifth, and a check-in for every ten items."""
    lanes = itertools.cycle(room.lanes)
    per_lane = {lane.id: itertools.count() for lane in room.lanes}
    gone = Member.objects.create(workshop=room.workshop, name="Gone", role=Role.MEMBER, removed_at=timezone.now())
    reporters = (room.member, gone)
    made = []
    for n in range(items):
        lane = next(lanes)
        made.append(
            Item(
                workshop=room.workshop,
                lane=lane,
                position=next(per_lane[lane.id]),
                author=room.member,
                title=f"Item {n}",
                criterion=n % 2,
                status=ItemStatus.ACCEPTED,
                **progress_of(n, reporters),
            )
        )
    made = Item.objects.bulk_create(made)
    voters = list(Member.objects.filter(workshop=room.workshop).exclude(role=Role.OBSERVER))
    Vote.objects.bulk_create(
        Vote(workshop=room.workshop, item=made[(index * 7) % items], member=voter, dots=2)
        for index, voter in enumerate(voters)
    )
    Ownership.objects.bulk_create(
        Ownership(workshop=room.workshop, item=item, member=owner)
        for item in made[::3]
        for owner in (room.member, room.target)
    )
    HelpOffer.objects.bulk_create(
        HelpOffer(
            workshop=room.workshop,
            item=item,
            member=helper,
            offered_at=timezone.now(),
            note="I can review it" if helper == room.target else "",
        )
        for item in made[::5]
        for helper in (room.target, room.leader)
    )
    CheckIn.objects.bulk_create(
        CheckIn(
            workshop=room.workshop,
            number=number,
            at=timezone.now(),
            by=room.facilitator,
            note=f"Check-in {number}",
            counts={"on_track": number, "at_risk": 0, "blocked": 0, "done": 0, "none": 0},
        )
        for number in range(1, items // 10 + 1)
    )


def progress_of(n, reporters):
    if n % 2:
        return {}
    states = ProgressState.values
    return {
        "progress_state": states[n % len(states)],
        "progress_note": f"Note {n}",
        "progress_by": reporters[n % 6 == 0],
        "progress_at": timezone.now(),
    }


@pytest.mark.parametrize("items", [10, 1000])
@pytest.mark.parametrize("phase", [Phase.VOTE, Phase.PLAN])
def test_the_query_count_does_not_grow_with_the_board(room, join, django_assert_num_queries, items, phase):
    for n in range(5):
        join(name=f"Extra {n}")
    fill_board(room, items)
    send(room.workshop, room.facilitator, "timer.start", seconds=60)
    set_phase(room.workshop, Phase.PLAN)
    send(room.workshop, room.facilitator, "confidence.open")
    send(room.workshop, room.member, "confidence.answer", score=3)
    set_phase(room.workshop, phase)

    # Tallies are not read while they are hidden.
    with django_assert_num_queries(SNAPSHOT_QUERIES - (phase == Phase.VOTE)):
        snapshot = build_snapshot(room.workshop.id, room.member.id)
    assert len(snapshot["items"]) == items
    assert len(snapshot["members"]) == 10
    assert snapshot["me"]["confidence"] == 3
    # What §7 added is all there, read in the same fixed number of queries.
    assert sum(item["progress"] is not None for item in snapshot["items"]) == (items + 1) // 2
    assert sum(len(item["helpers"]) for item in snapshot["items"]) == 2 * len(range(0, items, 5))
    assert sum(len(item["help_notes"]) for item in snapshot["items"]) == len(range(0, items, 5))
    assert {note for item in snapshot["items"] for note in item["help_notes"].values()} == {"I can review it"}
    assert [checkin["number"] for checkin in snapshot["workshop"]["checkins"]] == list(range(1, items // 10 + 1))
