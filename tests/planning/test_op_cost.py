"""What an op costs does not grow with the board, and the cheap paths keep the board's order.

Every op pays for the lock, the actor and its receipt, and the commit; on top of that its own
lookups and writes, which must not depend on how many items, votes, owners or members there
are. Moves and deletes shift positions arithmetically, so a long random walk of them is checked
against a plain list model of every lane.
"""

from __future__ import annotations

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from goals.models import Member, Phase, Role
from planning.models import Item, Ownership, Vote
from tests.planning.helpers import lane_ids, lanes_of, send, set_phase


def fill(room, items: int, members: int, name: str = "extra") -> list[int]:
    """`items` more items over the three lanes, `members` more members with dots and owners."""
    lanes = room.lanes
    per_lane = {lane.id: Item.objects.filter(lane=lane).count() for lane in lanes}
    made = []
    for number in range(items):
        lane = lanes[number % 3]
        made.append(
            Item(workshop=room.workshop, lane=lane, position=per_lane[lane.id], author=room.target, title=f"F{number}")
        )
        per_lane[lane.id] += 1
    made = Item.objects.bulk_create(made)
    people = Member.objects.bulk_create(
        Member(workshop=room.workshop, name=f"{name} {number}", role=Role.MEMBER, guest_key=f"{name}-{number}")
        for number in range(members)
    )
    if made:
        # Everyone's dots on the middle item, which the ops below claim, vote on and delete.
        Vote.objects.bulk_create(
            Vote(workshop=room.workshop, item=made[len(made) // 2], member=person, dots=2) for person in people
        )
        Ownership.objects.bulk_create(
            Ownership(workshop=room.workshop, item=made[(index * 5) % len(made)], member=person)
            for index, person in enumerate(people)
        )
    return [item.id for item in made]


def count_queries(room, actor, op, **fields) -> int:
    with CaptureQueriesContext(connection) as captured:
        outcome = send(room.workshop, actor, op, **fields)
    assert outcome.events, f"{op} changed nothing, so it measured the wrong path"
    return len(captured)


def ops_on(room, extra: list[int], name: str) -> dict[str, int]:
    """Queries of one call of each op, on whatever board the room holds now."""
    lanes = [lane.id for lane in room.lanes]
    mine = send(room.workshop, room.member, "item.add", lane=lanes[0], title="Mine").events[0].data["item"]
    other = extra[len(extra) // 2] if extra else mine["id"]
    counts = {
        "item.add": count_queries(room, room.member, "item.add", lane=lanes[1], title="Another"),
        "item.edit": count_queries(room, room.member, "item.edit", item=mine["id"], version=1, title="Edited"),
        "item.move across": count_queries(room, room.member, "item.move", item=mine["id"], lane=lanes[2], index=0),
        "item.move within": count_queries(room, room.member, "item.move", item=mine["id"], lane=lanes[2], index=99),
        "item.claim": count_queries(room, room.member, "item.claim", item=other),
        "item.unclaim": count_queries(room, room.member, "item.unclaim", item=other),
        "item.assign": count_queries(room, room.facilitator, "item.assign", item=other, member=room.target.id),
        "lane.rename": count_queries(room, room.facilitator, "lane.rename", lane=lanes[0], title=name),
        "timer.start": count_queries(room, room.facilitator, "timer.start", seconds=60),
        "walk.focus": count_queries(room, room.facilitator, "walk.focus", item=other),
        "member.ready": count_queries(
            room, room.member, "member.ready", ready=not Member.objects.get(pk=room.member.pk).ready
        ),
    }
    set_phase(room.workshop, Phase.VOTE)
    counts["vote.cast"] = count_queries(room, room.member, "vote.cast", item=other)
    counts["vote.retract"] = count_queries(room, room.member, "vote.retract", item=other)
    set_phase(room.workshop, Phase.PLAN)
    counts["item.status"] = count_queries(room, room.facilitator, "item.status", item=other, status="accepted")
    send(room.workshop, room.facilitator, "confidence.open")
    counts["confidence.answer"] = count_queries(room, room.member, "confidence.answer", score=4)
    set_phase(room.workshop, Phase.GATHER)
    counts["item.delete"] = count_queries(room, room.member, "item.delete", item=mine["id"])
    counts["item.delete voted"] = count_queries(room, room.facilitator, "item.delete", item=other)
    return counts


def test_the_queries_of_an_op_do_not_grow_with_the_board(room):
    small = ops_on(room, fill(room, items=3, members=1, name="small"), "small")
    large = ops_on(room, fill(room, items=600, members=60, name="large"), "large")
    assert large == small


def test_a_resent_ref_costs_the_same_on_any_board(room):
    lane = room.lanes[0].id
    send(room.workshop, room.member, "item.add", ref="again", lane=lane, title="Once")
    with CaptureQueriesContext(connection) as small:
        assert send(room.workshop, room.member, "item.add", ref="again", lane=lane, title="Once").duplicate
    fill(room, items=300, members=30)
    with CaptureQueriesContext(connection) as large:
        assert send(room.workshop, room.member, "item.add", ref="again", lane=lane, title="Once").duplicate
    assert len(large) == len(small)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_moves_adds_and_deletes_keep_every_lane_in_order(room, seed):
    """The positions written by shifting equal a plain list model of the lanes, step by step."""
    rng = random.Random(seed)
    lanes = [lane.id for lane in lanes_of(room.workshop)]
    model: dict[int, list[int]] = {lane: [] for lane in lanes}
    for _ in range(60):
        items = [item for lane in lanes for item in model[lane]]
        action = rng.choice(["add", "move", "move", "move", "delete"] if items else ["add"])
        if action == "add":
            lane = rng.choice(lanes)
            model[lane].append(
                send(room.workshop, room.member, "item.add", lane=lane, title="x").events[0].data["item"]["id"]
            )
        elif action == "move":
            item = rng.choice(items)
            source = next(lane for lane in lanes if item in model[lane])
            destination = rng.choice(lanes)
            index = rng.randrange(-1, len(model[destination]) + 2)
            model[source].remove(item)
            placed = max(0, min(index, len(model[destination])))
            model[destination].insert(placed, item)
            send(room.workshop, room.member, "item.move", item=item, lane=destination, index=index)
        else:
            item = rng.choice(items)
            next(model[lane] for lane in lanes if item in model[lane]).remove(item)
            send(room.workshop, room.member, "item.delete", item=item)
        for lane in lanes_of(room.workshop):
            assert lane_ids(lane) == model[lane.id]
