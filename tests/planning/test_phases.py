"""Phases (protocol §2): moving between them, agreeing, plan versions, reopening."""

from __future__ import annotations

import pytest

from goals.models import Member, Phase, Workshop
from planning.models import Item, Ownership, PlanVersion
from planning.snapshot import build_snapshot
from tests.planning.helpers import add_item, refuse, send, set_phase


def accepted_item(room, title="Ship it", owner=None):
    """An accepted item in plan, owned by `owner` unless None."""
    set_phase(room.workshop, Phase.PLAN)
    item_id = add_item(room.workshop, room.member, title=title)
    send(room.workshop, room.facilitator, "item.status", item=item_id, status="accepted")
    if owner is not None:
        send(room.workshop, owner, "item.claim", item=item_id)
    return item_id


@pytest.mark.parametrize(
    ("start", "goal"),
    [(start, goal) for start in ("gather", "vote", "plan") for goal in ("gather", "vote", "plan") if start != goal],
)
def test_a_facilitator_moves_to_any_phase(room, start, goal):
    set_phase(room.workshop, start)
    outcome = send(room.workshop, room.facilitator, "phase.set", phase=goal)
    assert (outcome.events[0].name, outcome.events[0].data) == ("phase.changed", {"phase": goal})
    assert Workshop.objects.get(pk=room.workshop.pk).phase == goal


def test_setting_the_current_phase_sends_nothing(room):
    assert send(room.workshop, room.facilitator, "phase.set", phase="gather").events == []


@pytest.mark.parametrize("phase", ["done", "Gather", "", "closed"])
def test_an_unknown_phase_is_invalid(room, phase):
    assert refuse(room.workshop, room.facilitator, "phase.set", "invalid", phase=phase).detail["field"] == "phase"


def test_a_phase_change_clears_everyones_ready(room):
    for person in (room.member, room.target, room.leader):
        send(room.workshop, person, "member.ready", ready=True)
    send(room.workshop, room.facilitator, "phase.set", phase="vote")
    assert not Member.objects.filter(workshop=room.workshop, ready=True).exists()
    assert all(not member["ready"] for member in build_snapshot(room.workshop.id, room.member.id)["members"])


def test_agreeing_freezes_plan_version_1(room):
    item_id = accepted_item(room, owner=room.target)
    outcome = send(room.workshop, room.facilitator, "phase.set", phase="agreed")

    [event] = outcome.events
    workshop = Workshop.objects.get(pk=room.workshop.pk)
    assert event.data == {"phase": "agreed", "plan_version": 1, "agreed_at": workshop.agreed_at.isoformat()}
    assert (workshop.phase, workshop.plan_version) == ("agreed", 1)
    version = PlanVersion.objects.get(workshop=room.workshop)
    assert (version.number, version.agreed_at, version.agreed_by_id) == (1, workshop.agreed_at, room.facilitator.id)
    [frozen] = [item for lane in version.content["lanes"] for item in lane["items"]]
    assert (frozen["id"], frozen["status"], frozen["owners"]) == (item_id, "accepted", ["Tess"])


def test_reopening_and_agreeing_again_makes_version_2_and_keeps_version_1(room):
    item_id = accepted_item(room, title="Before", owner=room.target)
    send(room.workshop, room.facilitator, "phase.set", phase="agreed")
    first = PlanVersion.objects.get(workshop=room.workshop, number=1)

    outcome = send(room.workshop, room.leader, "phase.set", phase="plan")
    assert outcome.events[0].data == {"phase": "plan"}
    send(room.workshop, room.member, "item.edit", item=item_id, version=1, title="After")
    send(room.workshop, room.leader, "phase.set", phase="agreed")

    versions = list(PlanVersion.objects.filter(workshop=room.workshop).order_by("number"))
    assert [version.number for version in versions] == [1, 2]
    assert versions[0].content == first.content
    assert versions[0].agreed_at == first.agreed_at
    assert versions[0].content["lanes"][0]["items"][0]["title"] == "Before"
    assert versions[1].content["lanes"][0]["items"][0]["title"] == "After"
    assert versions[1].agreed_by_id == room.leader.id
    assert Workshop.objects.get(pk=room.workshop.pk).plan_version == 2


@pytest.mark.parametrize("phase", ["gather", "vote"])
def test_an_agreed_plan_only_reopens_into_plan(room, phase):
    accepted_item(room, owner=room.member)
    send(room.workshop, room.facilitator, "phase.set", phase="agreed")
    refuse(room.workshop, room.facilitator, "phase.set", "phase", phase=phase)
    refuse(room.workshop, room.leader, "phase.set", "phase", phase=phase)
    assert Workshop.objects.get(pk=room.workshop.pk).phase == "agreed"


def test_agreeing_needs_every_accepted_item_owned(room):
    owned = accepted_item(room, title="Owned", owner=room.member)
    first = accepted_item(room, title="Nobody's")
    dropped = accepted_item(room, title="Dropped")
    send(room.workshop, room.facilitator, "item.status", item=dropped, status="dropped")
    second = accepted_item(room, title="Nobody's either")
    # Board order: move the second one to the top of the first lane.
    send(room.workshop, room.member, "item.move", item=second, lane=room.lanes[0].id, index=0)

    error = refuse(room.workshop, room.facilitator, "phase.set", "unowned_items", phase="agreed")
    assert error.detail == {"items": [second, first]}
    assert owned not in error.detail["items"]
    assert not PlanVersion.objects.filter(workshop=room.workshop).exists()

    for item_id in (first, second):
        send(room.workshop, room.facilitator, "item.assign", item=item_id, member=room.target.id)
    send(room.workshop, room.facilitator, "phase.set", phase="agreed")


def test_agreeing_with_no_accepted_item_is_refused(room):
    set_phase(room.workshop, Phase.PLAN)
    item_id = add_item(room.workshop, room.member)
    send(room.workshop, room.member, "item.claim", item=item_id)
    error = refuse(room.workshop, room.facilitator, "phase.set", "unowned_items", phase="agreed")
    assert error.detail == {"items": []}
    assert Workshop.objects.get(pk=room.workshop.pk).plan_version == 0


def test_agreeing_straight_from_vote_reveals_the_tallies(room):
    item_id = accepted_item(room, owner=room.member)
    set_phase(room.workshop, Phase.VOTE)
    send(room.workshop, room.target, "vote.cast", item=item_id)
    outcome = send(room.workshop, room.facilitator, "phase.set", phase="agreed")
    assert [event.name for event in outcome.events] == ["phase.changed", "votes.revealed"]
    assert outcome.events[1].data == {"votes": {str(item_id): 1}}
    assert PlanVersion.objects.get(workshop=room.workshop).content["lanes"][0]["items"][0]["votes"] == 1


def test_in_agreed_the_board_is_frozen_but_the_plan_version_survives_changes_after_reopening(room):
    item_id = accepted_item(room, owner=room.member)
    send(room.workshop, room.facilitator, "phase.set", phase="agreed")
    refuse(room.workshop, room.member, "item.unclaim", "phase", item=item_id)
    send(room.workshop, room.facilitator, "phase.set", phase="plan")
    send(room.workshop, room.member, "item.unclaim", item=item_id)
    assert not Ownership.objects.filter(item_id=item_id).exists()
    frozen = PlanVersion.objects.get(workshop=room.workshop).content["lanes"][0]["items"][0]
    assert frozen["owners"] == ["Mia"]
    assert Item.objects.get(pk=item_id).status == "accepted"
