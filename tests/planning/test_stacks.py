"""Stacks (protocol §10): duplicates under one head, kept together as a block in its lane."""

from __future__ import annotations

import itertools
import random

import pytest

from goals.models import Phase
from planning.models import Item, Vote
from planning.snapshot import build_snapshot
from tests.planning import replay
from tests.planning.helpers import add_item, frames_since, lane_ids, refuse, send, set_phase


def stacks_of(workshop):
    return dict(Item.objects.filter(workshop=workshop, stack__isnull=False).values_list("id", "stack_id"))


def assert_blocks_hold(workshop, lanes):
    """Positions 0..n-1 in every lane, and every stacked card right after its head or a sibling."""
    stacked = stacks_of(workshop)
    for lane in lanes:
        ids = lane_ids(lane)
        for before, card in itertools.pairwise(ids):
            if card in stacked:
                assert stacked[card] in (before, stacked.get(before)), f"{card} is not in {stacked[card]}'s block"
        if ids:
            assert ids[0] not in stacked, "a lane starts with a stacked card"


def test_a_card_joins_the_end_of_its_heads_block(room):
    now, nxt, _ = room.lanes
    a, b, c = (add_item(room.workshop, room.member, now, title) for title in "abc")
    x = add_item(room.workshop, room.target, nxt, "x")
    send(room.workshop, room.member, "item.stack", item=c, onto=a)
    outcome = send(room.workshop, room.target, "item.stack", item=x, onto=a)
    assert [(event.name, event.data) for event in outcome.events] == [
        ("item.stacked", {"item": x, "onto": a}),
        ("item.moved", {"item": x, "lane": now.id, "index": 2}),
    ]
    assert lane_ids(now) == [a, c, x, b]
    assert lane_ids(nxt) == []
    assert stacks_of(room.workshop) == {c: a, x: a}


def test_stacking_onto_a_stacked_card_uses_its_head(room):
    a, b, c = (add_item(room.workshop, room.member, title=title) for title in "abc")
    send(room.workshop, room.member, "item.stack", item=b, onto=a)
    outcome = send(room.workshop, room.member, "item.stack", item=c, onto=b)
    assert outcome.events[0].data == {"item": c, "onto": a}
    assert stacks_of(room.workshop) == {b: a, c: a}


def test_a_head_stacked_onto_another_brings_its_stack(room):
    now = room.lanes[0]
    a, b, c, d = (add_item(room.workshop, room.member, now, title) for title in "abcd")
    send(room.workshop, room.member, "item.stack", item=d, onto=c)
    outcome = send(room.workshop, room.member, "item.stack", item=c, onto=a)
    assert [event.data for event in outcome.events if event.name == "item.stacked"] == [
        {"item": c, "onto": a},
        {"item": d, "onto": a},
    ]
    assert lane_ids(now) == [a, c, d, b]
    assert stacks_of(room.workshop) == {c: a, d: a}


@pytest.mark.parametrize("onto", ["itself", "its own card"])
def test_stacking_a_card_into_its_own_stack_is_invalid(room, onto):
    a, b = (add_item(room.workshop, room.member, title=title) for title in "ab")
    send(room.workshop, room.member, "item.stack", item=b, onto=a)
    target = a if onto == "itself" else b
    assert refuse(room.workshop, room.member, "item.stack", "invalid", item=a, onto=target).detail == {"field": "onto"}


def test_stacking_onto_a_card_of_another_workshop_is_not_found(room, other_workshop):
    a = add_item(room.workshop, room.member)
    lane = other_workshop.lanes.first()
    foreign = Item.objects.create(workshop=other_workshop, lane=lane, position=0, author=lane.workshop.members.first())
    refuse(room.workshop, room.member, "item.stack", "not_found", item=a, onto=foreign.id)


def test_moving_a_head_moves_its_stack_and_a_move_never_splits_a_block(room):
    now, nxt, _ = room.lanes
    a, b, c = (add_item(room.workshop, room.member, now, title) for title in "abc")
    x, y = (add_item(room.workshop, room.member, nxt, title) for title in "xy")
    send(room.workshop, room.member, "item.stack", item=b, onto=a)
    outcome = send(room.workshop, room.target, "item.move", item=a, lane=nxt.id, index=1)
    assert [event.data for event in outcome.events] == [
        {"item": a, "lane": nxt.id, "index": 1},
        {"item": b, "lane": nxt.id, "index": 2},
    ]
    assert lane_ids(nxt) == [x, a, b, y]
    send(room.workshop, room.target, "item.move", item=c, lane=nxt.id, index=2)  # between a and b
    assert lane_ids(nxt) == [x, a, b, c, y]


def test_dragging_a_stacked_card_away_unstacks_it(room):
    now, nxt, _ = room.lanes
    a, b = (add_item(room.workshop, room.member, now, title) for title in "ab")
    send(room.workshop, room.member, "item.stack", item=b, onto=a)
    outcome = send(room.workshop, room.member, "item.move", item=b, lane=nxt.id, index=0)
    assert [event.name for event in outcome.events] == ["item.stacked", "item.moved"]
    assert stacks_of(room.workshop) == {}
    assert lane_ids(nxt) == [b]


def test_unstacking_puts_the_card_after_its_old_stack(room):
    now = room.lanes[0]
    a, b, c, d = (add_item(room.workshop, room.member, now, title) for title in "abcd")
    send(room.workshop, room.member, "item.stack", item=b, onto=a)
    send(room.workshop, room.member, "item.stack", item=c, onto=a)
    send(room.workshop, room.member, "item.unstack", item=b)
    assert lane_ids(now) == [a, c, b, d]
    assert stacks_of(room.workshop) == {c: a}
    assert send(room.workshop, room.member, "item.unstack", item=b).events == []


def test_deleting_a_head_makes_its_first_card_the_head(room):
    a, b, c, d = (add_item(room.workshop, room.member, title=title) for title in "abcd")
    for card in (b, c, d):
        send(room.workshop, room.member, "item.stack", item=card, onto=a)
    outcome = send(room.workshop, room.member, "item.delete", item=a)
    assert [(event.name, event.data) for event in outcome.events] == [
        ("item.stacked", {"item": b, "onto": None}),
        ("item.stacked", {"item": c, "onto": b}),
        ("item.stacked", {"item": d, "onto": b}),
        ("item.deleted", {"item": a}),
    ]
    assert stacks_of(room.workshop) == {c: b, d: b}


def test_the_head_carries_the_votes(room):
    a, b = (add_item(room.workshop, room.member, title=title) for title in "ab")
    set_phase(room.workshop, Phase.VOTE)
    send(room.workshop, room.target, "vote.cast", item=b)
    set_phase(room.workshop, Phase.GATHER)
    send(room.workshop, room.member, "item.stack", item=b, onto=a)
    set_phase(room.workshop, Phase.VOTE)
    error = refuse(room.workshop, room.member, "vote.cast", "invalid", item=b)
    assert error.detail == {"field": "item", "head": a}
    send(room.workshop, room.member, "vote.cast", item=a)
    assert Vote.objects.get(item_id=b).dots == 1, "dots cast before the stack stay where they were"


def test_stacking_is_refused_while_voting_and_to_observers(room):
    a, b = (add_item(room.workshop, room.member, title=title) for title in "ab")
    refuse(room.workshop, room.observer, "item.stack", "forbidden", item=b, onto=a)
    set_phase(room.workshop, Phase.VOTE)
    refuse(room.workshop, room.member, "item.stack", "phase", item=b, onto=a)


@pytest.mark.parametrize("seed", range(6))
def test_random_stacking_and_moving_keeps_every_block_whole_and_every_client_right(room, seed):
    """Any mix of the ops that move cards leaves positions gapless, blocks whole, and a client that
    applies the events as plain moves exactly where the server is."""
    rng = random.Random(seed)
    lanes = room.lanes
    items = [add_item(room.workshop, room.member, rng.choice(lanes), f"card {n}") for n in range(9)]
    viewers = (room.member, room.observer)
    states = {viewer.id: build_snapshot(room.workshop.id, viewer.id) for viewer in viewers}
    for _ in range(40):
        item = rng.choice(items)
        kind = rng.choice(["stack", "stack", "unstack", "move", "move"])
        if kind == "stack":
            onto = rng.choice(items)
            head = Item.objects.get(pk=onto).stack_id or onto
            if head == item:
                continue  # invalid, tested above
            send(room.workshop, room.member, "item.stack", item=item, onto=onto)
        elif kind == "unstack":
            send(room.workshop, room.member, "item.unstack", item=item)
        else:
            send(room.workshop, room.member, "item.move", item=item, lane=rng.choice(lanes).id, index=rng.randrange(8))
        assert_blocks_hold(room.workshop, lanes)
        for viewer in viewers:
            state = states[viewer.id]
            for frame in frames_since(room.workshop, state["seq"], viewer.id):
                state = replay.apply(state, frame, viewer.id)
            states[viewer.id] = state
            fresh = build_snapshot(room.workshop.id, viewer.id)
            assert state["items"] == fresh["items"]
