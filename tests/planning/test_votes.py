"""Dot voting (protocol §2 "Voting"): several dots per item, a budget, and secrecy of where they went."""

from __future__ import annotations

from goals.models import Phase
from live.broadcast import event_frame
from planning.models import Vote
from planning.snapshot import build_snapshot
from tests.planning.helpers import add_item, make_item, refuse, send, set_phase


def voting_room(room, items=2):
    ids = [add_item(room.workshop, room.member, title=f"Idea {n}") for n in range(items)]
    set_phase(room.workshop, Phase.VOTE)
    return ids


def test_several_dots_can_go_on_one_item(room):
    item_id, _ = voting_room(room)
    for used in (1, 2, 3):
        outcome = send(room.workshop, room.target, "vote.cast", item=item_id)
        [event] = outcome.events
        assert event.name == "vote.changed"
        assert event.data == {"member": room.target.id, "used": used}
        assert event.private == {"member": room.target.id, "data": {"item": item_id, "dots": used}}
    assert Vote.objects.get(item_id=item_id, member=room.target).dots == 3
    me = build_snapshot(room.workshop.id, room.target.id)["me"]
    assert me["votes"] == {str(item_id): 3}
    assert me["votes_left"] == 2


def test_where_a_dot_went_is_told_to_the_voter_alone(room):
    item_id, _ = voting_room(room)
    [event] = send(room.workshop, room.target, "vote.cast", item=item_id).events
    for viewer in (room.member, room.leader, room.observer, None):
        frame = event_frame(event, for_member=viewer.id if viewer else None)
        assert frame["data"] == {"member": room.target.id, "used": 1}
    assert event_frame(event, for_member=room.target.id)["data"] == {
        "member": room.target.id,
        "used": 1,
        "item": item_id,
        "dots": 1,
    }


def test_the_budget_is_votes_per_member(room):
    first, second = voting_room(room)
    for item_id in (first, first, second, second, second):
        send(room.workshop, room.member, "vote.cast", item=item_id)
    error = refuse(room.workshop, room.member, "vote.cast", "vote_budget", item=first)
    assert "5" in error.message
    # Another member's budget is their own.
    send(room.workshop, room.target, "vote.cast", item=first)


def test_a_retracted_dot_comes_back(room):
    first, second = voting_room(room)
    for item_id in (first, first, second):
        send(room.workshop, room.member, "vote.cast", item=item_id)
    outcome = send(room.workshop, room.member, "vote.retract", item=first)
    assert outcome.events[0].data == {"member": room.member.id, "used": 2}
    assert outcome.events[0].private["data"] == {"item": first, "dots": 1}
    outcome = send(room.workshop, room.member, "vote.retract", item=first)
    assert outcome.events[0].data == {"member": room.member.id, "used": 1}
    assert outcome.events[0].private["data"] == {"item": first, "dots": 0}
    assert not Vote.objects.filter(item_id=first).exists()
    me = build_snapshot(room.workshop.id, room.member.id)["me"]
    assert me["votes"] == {str(second): 1}
    assert me["votes_left"] == 4


def test_retracting_a_dot_one_never_gave_is_invalid(room):
    item_id, _ = voting_room(room)
    send(room.workshop, room.target, "vote.cast", item=item_id)
    error = refuse(room.workshop, room.member, "vote.retract", "invalid", item=item_id)
    assert error.detail["field"] == "item"


def test_a_vote_on_an_item_of_another_workshop_is_not_found(room, other_workshop, join):
    foreign = make_item(other_workshop, join(target=other_workshop))
    voting_room(room)
    refuse(room.workshop, room.member, "vote.cast", "not_found", item=foreign.id)
    refuse(room.workshop, room.member, "vote.retract", "not_found", item=foreign.id)
    refuse(room.workshop, room.member, "vote.cast", "not_found", item=999_999)


def test_tallies_are_hidden_while_voting_and_revealed_on_leaving(room):
    first, second = voting_room(room, items=2)
    send(room.workshop, room.member, "vote.cast", item=first)
    send(room.workshop, room.target, "vote.cast", item=first)
    send(room.workshop, room.target, "vote.cast", item=second)

    during = build_snapshot(room.workshop.id, room.member.id)
    assert [item["votes"] for item in during["items"]] == [None, None]
    # Everyone sees how many dots each member used, never where.
    used = {member["id"]: member["used"] for member in during["members"]}
    assert (used[room.member.id], used[room.target.id], used[room.leader.id]) == (1, 2, 0)
    assert during["me"]["votes"] == {str(first): 1}

    outcome = send(room.workshop, room.facilitator, "phase.set", phase="plan")
    assert [event.name for event in outcome.events] == ["phase.changed", "votes.revealed"]
    assert outcome.events[1].data == {"votes": {str(first): 2, str(second): 1}}

    after = build_snapshot(room.workshop.id, room.observer.id)
    assert [item["votes"] for item in after["items"]] == [2, 1]
    assert after["me"]["votes"] == {}


def test_votes_revealed_carries_every_item_even_without_dots(room):
    first, second, third = voting_room(room, items=3)
    send(room.workshop, room.member, "vote.cast", item=second)
    outcome = send(room.workshop, room.facilitator, "phase.set", phase="gather")
    assert outcome.events[1].name == "votes.revealed"
    assert outcome.events[1].data == {"votes": {str(first): 0, str(second): 1, str(third): 0}}


def test_entering_vote_hides_tallies_again(room):
    first, _ = voting_room(room)
    send(room.workshop, room.member, "vote.cast", item=first)
    send(room.workshop, room.facilitator, "phase.set", phase="plan")
    assert build_snapshot(room.workshop.id, room.member.id)["items"][0]["votes"] == 1
    send(room.workshop, room.facilitator, "phase.set", phase="vote")
    assert build_snapshot(room.workshop.id, room.member.id)["items"][0]["votes"] is None
