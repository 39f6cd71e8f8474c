"""Private writing (protocol §10): while a private gather lasts, each card is its author's alone."""

from __future__ import annotations

import json

import pytest

from goals.models import Phase, Workshop
from live.broadcast import event_frame, group_message
from live.models import Event
from planning.snapshot import build_snapshot, catch_up
from tests.planning.helpers import add_item, frames_since, refuse, send, set_phase
from tests.planning.shapes import HIDDEN_ITEM_KEYS, ITEM_KEYS


@pytest.fixture
def private(room):
    send(room.workshop, room.facilitator, "planning.set", private_gather=True)
    return room


def seen_by(room, viewer):
    return {item["id"]: item for item in build_snapshot(room.workshop.id, viewer.id)["items"]}


def test_everyone_sees_their_own_cards_and_the_backs_of_the_others(private):
    room = private
    mine = add_item(room.workshop, room.member, title="Mine", notes="secret")
    theirs = add_item(room.workshop, room.target, title="Theirs")
    hosts = add_item(room.workshop, room.leader, title="The leader's")
    for viewer, own in ((room.member, mine), (room.target, theirs), (room.leader, hosts)):
        cards = seen_by(room, viewer)
        assert set(cards[own]) == ITEM_KEYS
        assert all(set(card) == HIDDEN_ITEM_KEYS for card_id, card in cards.items() if card_id != own)
    for viewer in (room.facilitator, room.observer):
        assert all(card["hidden"] for card in seen_by(room, viewer).values()), "facilitators too"
    assert seen_by(room, room.facilitator)[mine] == {
        "id": mine,
        "lane": room.lanes[0].id,
        "position": 0,
        "author": room.member.id,
        "stack": None,
        "hidden": True,
    }


def test_no_event_or_replay_tells_anyone_else_what_a_card_says(private):
    room = private
    since = Workshop.objects.get(pk=room.workshop.pk).seq
    item_id = add_item(room.workshop, room.member, title="Quietly brilliant", notes="and unseen")
    send(room.workshop, room.member, "item.edit", item=item_id, version=1, title="Quietly better")
    send(room.workshop, room.member, "item.estimate", item=item_id, hours=16)
    send(room.workshop, room.member, "item.claim", item=item_id)
    for viewer in (room.target, room.facilitator, room.observer):
        text = json.dumps(frames_since(room.workshop, since, viewer.id))
        assert "Quietly" not in text
        assert "unseen" not in text
        assert "16" not in text.replace(str(item_id), "")
        replayed, _ = catch_up(room.workshop.id, viewer.id, since)
        assert "Quietly" not in json.dumps(replayed)
    mine = frames_since(room.workshop, since, room.member.id)
    assert [frame["data"].get("hidden") for frame in mine] == [None] * 4
    assert mine[-2]["data"] == {"item": item_id, "estimate": 16}


def test_a_face_down_card_is_encoded_once_for_all_and_once_for_its_author(private):
    room = private
    add_item(room.workshop, room.member, title="Mine")
    event = Event.objects.filter(workshop=room.workshop, name="item.added").latest("seq")
    (frame,) = group_message([event])["frames"]
    assert "Mine" not in frame["text"]
    assert frame["private"]["member"] == room.member.id
    assert json.loads(frame["private"]["text"])["data"]["item"]["title"] == "Mine"
    assert event_frame(event, for_member=room.target.id) == json.loads(frame["text"])


@pytest.mark.parametrize(
    ("op", "fields"),
    [
        ("item.edit", {"version": 1, "title": "Not yours"}),
        ("item.delete", {}),
        ("item.estimate", {"hours": 4}),
        ("item.claim", {}),
        ("item.stack", {"onto": None}),
    ],
)
def test_only_its_author_changes_what_a_face_down_card_says(private, op, fields):
    room = private
    item_id = add_item(room.workshop, room.member, title="Mine")
    other = add_item(room.workshop, room.facilitator, title="The facilitator's own")
    if op == "item.stack":
        fields = {"onto": other}
    refuse(room.workshop, room.facilitator, op, "forbidden", item=item_id, **fields)


def test_a_facilitator_cannot_assign_a_face_down_card(private):
    room = private
    item_id = add_item(room.workshop, room.member)
    refuse(room.workshop, room.facilitator, "item.assign", "forbidden", item=item_id, member=room.member.id)


def test_anyone_may_move_a_face_down_card(private):
    room = private
    item_id = add_item(room.workshop, room.member)
    outcome = send(room.workshop, room.target, "item.move", item=item_id, lane=room.lanes[1].id, index=0)
    assert outcome.events[0].data == {"item": item_id, "lane": room.lanes[1].id, "index": 0}


@pytest.mark.parametrize("to", [Phase.VOTE, Phase.PLAN, Phase.AGREED])
def test_leaving_gather_turns_every_card_over_first(private, to):
    room = private
    item_id = add_item(room.workshop, room.member, title="Mine")
    if to == Phase.AGREED:
        set_phase(room.workshop, Phase.PLAN)
        send(room.workshop, room.facilitator, "item.status", item=item_id, status="accepted")
        send(room.workshop, room.member, "item.claim", item=item_id)
        set_phase(room.workshop, Phase.GATHER)
    outcome = send(room.workshop, room.facilitator, "phase.set", phase=to)
    names = [event.name for event in outcome.events]
    assert names[:2] == ["items.revealed", "phase.changed"]
    (card,) = outcome.events[0].data["items"]
    assert card["title"] == "Mine"
    assert set(card) == ITEM_KEYS
    assert not seen_by(room, room.target)[item_id].get("hidden")


def test_a_refused_agreement_reveals_nothing(private):
    room = private
    add_item(room.workshop, room.member, title="Mine")
    refuse(room.workshop, room.facilitator, "phase.set", "unowned_items", phase="agreed")
    assert seen_by(room, room.target)[next(iter(seen_by(room, room.member)))]["hidden"]


def test_turning_private_writing_off_while_gathering_reveals_and_on_again_hides(private):
    room = private
    item_id = add_item(room.workshop, room.member, title="Mine")
    outcome = send(room.workshop, room.facilitator, "planning.set", private_gather=False)
    assert [event.name for event in outcome.events] == ["items.revealed", "planning.changed"]
    assert seen_by(room, room.target)[item_id]["title"] == "Mine"
    outcome = send(room.workshop, room.facilitator, "planning.set", private_gather=True)
    assert [event.name for event in outcome.events] == ["planning.changed"]
    assert seen_by(room, room.target)[item_id]["hidden"]


def test_outside_gather_the_setting_hides_nothing(private):
    room = private
    item_id = add_item(room.workshop, room.member, title="Mine")
    set_phase(room.workshop, Phase.PLAN)
    assert seen_by(room, room.target)[item_id]["title"] == "Mine"
    assert send(room.workshop, room.facilitator, "planning.set", private_gather=False).events[0].name == (
        "planning.changed"
    )


def test_the_load_counts_only_the_cards_a_viewer_sees(private):
    room = private
    set_phase(room.workshop, Phase.PLAN)
    mine = add_item(room.workshop, room.member)
    theirs = add_item(room.workshop, room.target)
    for item_id, owner, hours in ((mine, room.member, 8), (theirs, room.target, 4)):
        send(room.workshop, room.facilitator, "item.status", item=item_id, status="accepted")
        send(room.workshop, owner, "item.estimate", item=item_id, hours=hours)
    assert build_snapshot(room.workshop.id, room.observer.id)["workshop"]["load"] == 12
    send(room.workshop, room.facilitator, "phase.set", phase="gather")
    assert build_snapshot(room.workshop.id, room.member.id)["workshop"]["load"] == 8
    assert build_snapshot(room.workshop.id, room.observer.id)["workshop"]["load"] == 0
