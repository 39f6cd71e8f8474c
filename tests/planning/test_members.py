"""The people in a workshop: joining, the ready signal, roles and removal (protocol §1, §4 `member.*`)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore

from core import limits
from core.errors import LimitReached
from goals.invites import current_member_invite, token_for
from goals.members import member_join
from goals.models import Member, Role
from live.models import Event
from planning.models import Ownership, Vote
from planning.snapshot import build_snapshot
from tests.planning.helpers import add_item, board_state, refuse, send, set_phase

# member.joined


def test_joining_tells_everyone(workshop, leader):
    seq, _ = board_state(workshop)
    member = member_join(
        token=token_for(current_member_invite(workshop)), name=" Nina ", user=None, session=SessionStore()
    )
    event = Event.objects.get(workshop=workshop, seq=seq + 1)
    assert (event.name, event.actor_id, event.ref) == ("member.joined", member.id, None)
    assert event.data == {"member": {"id": member.id, "name": "Nina", "role": "member", "ready": False}}


def test_a_workshop_holds_at_most_1000_members(workshop, leader, join):
    Member.objects.bulk_create(
        Member(workshop=workshop, name=f"Guest {n}", role=Role.MEMBER) for n in range(limits.MAX_MEMBERS - 2)
    )
    join(name="The thousandth")
    assert Member.objects.present().filter(workshop=workshop).count() == limits.MAX_MEMBERS
    before = board_state(workshop)
    with pytest.raises(LimitReached) as caught:
        join(name="One too many")
    assert caught.value.code == "limit"
    assert board_state(workshop) == before


def test_removed_members_do_not_count_against_the_limit(workshop, leader, join, target):
    Member.objects.bulk_create(
        Member(workshop=workshop, name=f"Guest {n}", role=Role.MEMBER) for n in range(limits.MAX_MEMBERS - 2)
    )
    send(workshop, leader, "member.remove", member=target.id)
    assert join(name="Takes Tess's seat").role == Role.MEMBER


# member.ready


def test_the_ready_signal(room):
    outcome = send(room.workshop, room.member, "member.ready", ready=True)
    assert [(event.name, event.data) for event in outcome.events] == [
        ("member.ready", {"member": room.member.id, "ready": True})
    ]
    assert send(room.workshop, room.member, "member.ready", ready=True).events == []
    members = {entry["id"]: entry for entry in build_snapshot(room.workshop.id, room.leader.id)["members"]}
    assert members[room.member.id]["ready"] is True
    assert members[room.target.id]["ready"] is False
    outcome = send(room.workshop, room.member, "member.ready", ready=False)
    assert outcome.events[0].data == {"member": room.member.id, "ready": False}


# member.role


@pytest.mark.parametrize("role", ["facilitator", "observer", "member"])
def test_the_leader_changes_roles(room, role):
    outcome = send(room.workshop, room.leader, "member.role", member=room.target.id, role=role)
    if role == "member":
        assert outcome.events == []
        return
    [event] = outcome.events
    assert (event.name, event.data) == (
        "member.changed",
        {"member": {"id": room.target.id, "name": "Tess", "role": role, "ready": False}},
    )
    assert build_snapshot(room.workshop.id, room.target.id)["me"]["role"] == role


def test_a_promoted_facilitator_may_facilitate_and_a_demoted_one_may_not(room):
    send(room.workshop, room.leader, "member.role", member=room.target.id, role="facilitator")
    send(room.workshop, room.target, "timer.start", seconds=60)
    send(room.workshop, room.leader, "member.role", member=room.target.id, role="member")
    refuse(room.workshop, room.target, "timer.stop", "forbidden")


def test_becoming_an_observer_clears_ready(room):
    send(room.workshop, room.target, "member.ready", ready=True)
    outcome = send(room.workshop, room.leader, "member.role", member=room.target.id, role="observer")
    assert outcome.events[0].data["member"]["ready"] is False
    assert Member.objects.get(pk=room.target.id).ready is False
    refuse(room.workshop, room.target, "item.add", "forbidden", lane=room.lanes[0].id, title="x")


def test_only_the_leader_changes_roles(room):
    refuse(room.workshop, room.facilitator, "member.role", "forbidden", member=room.target.id, role="facilitator")
    refuse(room.workshop, room.member, "member.role", "forbidden", member=room.target.id, role="facilitator")


@pytest.mark.parametrize("role", ["leader", "owner", "Facilitator", ""])
def test_nobody_becomes_leader_or_an_unknown_role(room, role):
    error = refuse(room.workshop, room.leader, "member.role", "invalid", member=room.target.id, role=role)
    assert error.detail["field"] == "role"


def test_the_leaders_role_does_not_change(room):
    error = refuse(room.workshop, room.leader, "member.role", "invalid", member=room.leader.id, role="member")
    assert error.detail["field"] == "member"


def test_changing_the_role_of_a_member_of_another_workshop_is_not_found(room, other_workshop, join):
    stranger = join(target=other_workshop)
    refuse(room.workshop, room.leader, "member.role", "not_found", member=stranger.id, role="facilitator")
    refuse(room.workshop, room.leader, "member.remove", "not_found", member=stranger.id)
    assert Member.objects.get(pk=stranger.id).removed_at is None


def test_becoming_an_observer_releases_claims(room):
    item_id = add_item(room.workshop, room.member, title="Owned")
    send(room.workshop, room.target, "item.claim", item=item_id)
    send(room.workshop, room.member, "item.claim", item=item_id)

    outcome = send(room.workshop, room.leader, "member.role", member=room.target.id, role="observer")

    assert [(event.name, event.data.get("item")) for event in outcome.events] == [
        ("item.owners", item_id),
        ("member.changed", None),
    ]
    assert outcome.events[0].data["owners"] == [room.member.id]
    assert not Ownership.objects.filter(member=room.target).exists()


# member.remove


def test_removing_a_member_releases_their_claims(room):
    first = add_item(room.workshop, room.member, title="First")
    second = add_item(room.workshop, room.member, title="Second")
    for item_id in (first, second):
        send(room.workshop, room.member, "item.claim", item=item_id)
    send(room.workshop, room.target, "item.claim", item=first)

    outcome = send(room.workshop, room.facilitator, "member.remove", member=room.member.id)

    assert [(event.name, event.data) for event in outcome.events] == [
        ("item.owners", {"item": first, "owners": [room.target.id]}),
        ("item.owners", {"item": second, "owners": []}),
        ("member.removed", {"member": room.member.id}),
    ]
    assert not Ownership.objects.filter(member=room.member).exists()
    snapshot = build_snapshot(room.workshop.id, room.leader.id)
    assert room.member.id not in [entry["id"] for entry in snapshot["members"]]
    # Their items stay, like sticky notes on a wall.
    assert [item["author"] for item in snapshot["items"]] == [room.member.id, room.member.id]


def test_a_removed_member_is_refused_from_then_on(room):
    item_id = add_item(room.workshop, room.member)
    send(room.workshop, room.facilitator, "member.remove", member=room.member.id)
    refuse(room.workshop, room.member, "item.add", "forbidden", lane=room.lanes[0].id, title="Still here?")
    refuse(room.workshop, room.member, "item.claim", "forbidden", item=item_id)
    refuse(room.workshop, room.member, "member.ready", "forbidden", ready=True)
    # ... and is no one to assign or remove any more.
    refuse(room.workshop, room.facilitator, "item.assign", "not_found", item=item_id, member=room.member.id)
    refuse(room.workshop, room.facilitator, "member.remove", "not_found", member=room.member.id)


def test_a_removed_members_dots_stay(room):
    item_id = add_item(room.workshop, room.member)
    set_phase(room.workshop, "vote")
    send(room.workshop, room.target, "vote.cast", item=item_id)
    send(room.workshop, room.facilitator, "member.remove", member=room.target.id)
    assert Vote.objects.filter(member=room.target).exists()


def test_a_facilitator_removes_members_and_observers(room):
    send(room.workshop, room.facilitator, "member.remove", member=room.observer.id)
    send(room.workshop, room.facilitator, "member.remove", member=room.target.id)
    assert set(Member.objects.present().filter(workshop=room.workshop).values_list("id", flat=True)) == {
        room.leader.id,
        room.facilitator.id,
        room.member.id,
    }


def test_only_the_leader_removes_a_facilitator(room, join):
    other = join(Role.FACILITATOR, "Flo")
    refuse(room.workshop, room.facilitator, "member.remove", "forbidden", member=other.id)
    send(room.workshop, room.leader, "member.remove", member=other.id)


def test_the_leader_cannot_be_removed_and_nobody_removes_themselves(room):
    refuse(room.workshop, room.facilitator, "member.remove", "forbidden", member=room.leader.id)
    refuse(room.workshop, room.leader, "member.remove", "forbidden", member=room.leader.id)
    refuse(room.workshop, room.facilitator, "member.remove", "forbidden", member=room.facilitator.id)


def test_a_member_cannot_remove_anyone(room):
    refuse(room.workshop, room.member, "member.remove", "forbidden", member=room.target.id)
