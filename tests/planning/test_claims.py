"""Who owns an item: claims by members, assignment by facilitators (protocol §4 `item.owners`)."""

from __future__ import annotations

from planning.models import Ownership
from planning.snapshot import build_snapshot
from tests.planning.helpers import add_item, make_item, refuse, send


def owners_event(outcome):
    [event] = outcome.events
    assert event.name == "item.owners"
    return event.data


def test_owners_are_listed_in_claim_order(room):
    item_id = add_item(room.workshop, room.member)
    assert owners_event(send(room.workshop, room.target, "item.claim", item=item_id)) == {
        "item": item_id,
        "owners": [room.target.id],
    }
    send(room.workshop, room.leader, "item.claim", item=item_id)
    outcome = send(room.workshop, room.member, "item.claim", item=item_id)
    assert owners_event(outcome)["owners"] == [room.target.id, room.leader.id, room.member.id]
    [item] = build_snapshot(room.workshop.id, room.observer.id)["items"]
    assert item["owners"] == [room.target.id, room.leader.id, room.member.id]


def test_unclaiming_keeps_the_others_in_order(room):
    item_id = add_item(room.workshop, room.member)
    for person in (room.target, room.leader, room.member):
        send(room.workshop, person, "item.claim", item=item_id)
    outcome = send(room.workshop, room.leader, "item.unclaim", item=item_id)
    assert owners_event(outcome) == {"item": item_id, "owners": [room.target.id, room.member.id]}


def test_claiming_twice_or_unclaiming_what_one_does_not_own_sends_nothing(room):
    item_id = add_item(room.workshop, room.member)
    send(room.workshop, room.member, "item.claim", item=item_id)
    assert send(room.workshop, room.member, "item.claim", item=item_id).events == []
    assert send(room.workshop, room.target, "item.unclaim", item=item_id).events == []
    assert Ownership.objects.filter(item_id=item_id).count() == 1


def test_a_facilitator_assigns_and_unassigns_anyone(room):
    item_id = add_item(room.workshop, room.member)
    send(room.workshop, room.member, "item.claim", item=item_id)
    outcome = send(room.workshop, room.facilitator, "item.assign", item=item_id, member=room.target.id)
    assert owners_event(outcome) == {"item": item_id, "owners": [room.member.id, room.target.id]}
    outcome = send(room.workshop, room.leader, "item.unassign", item=item_id, member=room.member.id)
    assert owners_event(outcome) == {"item": item_id, "owners": [room.target.id]}
    assert send(room.workshop, room.leader, "item.unassign", item=item_id, member=room.member.id).events == []


def test_an_observer_cannot_be_assigned(room):
    item_id = add_item(room.workshop, room.member)
    error = refuse(room.workshop, room.facilitator, "item.assign", "invalid", item=item_id, member=room.observer.id)
    assert error.detail["field"] == "member"


def test_a_member_cannot_assign_others(room):
    item_id = add_item(room.workshop, room.member)
    refuse(room.workshop, room.member, "item.assign", "forbidden", item=item_id, member=room.target.id)


def test_assigning_a_member_of_another_workshop_is_not_found(room, other_workshop, join):
    stranger = join(target=other_workshop)
    item_id = add_item(room.workshop, room.member)
    refuse(room.workshop, room.facilitator, "item.assign", "not_found", item=item_id, member=stranger.id)
    refuse(room.workshop, room.facilitator, "item.assign", "not_found", item=item_id, member=999_999)
    foreign = make_item(other_workshop, stranger)
    refuse(room.workshop, room.facilitator, "item.assign", "not_found", item=foreign.id, member=room.target.id)
    refuse(room.workshop, room.member, "item.unclaim", "not_found", item=foreign.id)
