"""Zulip's verify_action for the live board: a stale snapshot plus the events equals a fresh snapshot.

For every kind of event: take a snapshot as a viewer, perform ops, read the events since that
snapshot's seq as that viewer's socket gets them, apply them with the client's reducer
(tests/planning/replay.py), and compare with a fresh snapshot for the same viewer, after every
step. If an event does not carry what a client needs, this is where it shows.
"""

from __future__ import annotations

import pytest

from goals.models import Phase, Role
from planning.snapshot import build_snapshot
from tests.planning import replay
from tests.planning.helpers import add_item, agree, frames_since, json_round_trip, send, set_phase

PROTOCOL_EVENTS = {
    "item.added",
    "item.edited",
    "item.moved",
    "item.deleted",
    "vote.changed",
    "item.owners",
    "item.status",
    "lane.added",
    "lane.renamed",
    "lane.moved",
    "lane.deleted",
    "phase.changed",
    "votes.revealed",
    "goal.edited",
    "timer.changed",
    "walk.focused",
    "confidence.changed",
    "member.ready",
    "member.joined",
    "member.changed",
    "member.removed",
    "item.progress",
    "item.helpers",
    "checkin.recorded",
    "agenda.changed",
    "agenda.stepped",
    "item.estimated",
    "item.stacked",
    "items.revealed",
    "planning.changed",
}

# Not part of the board state: the clock of the server, and presence (sent apart, not logged).
VOLATILE = ("server_time", "online")


def fresh(workshop, viewer):
    snapshot = json_round_trip(build_snapshot(workshop.id, viewer.id))
    for key in VOLATILE:
        del snapshot[key]
    return snapshot


def verify_action(workshop, viewers, steps):
    """Apply each step, then check every viewer's replayed state against a fresh snapshot; returns event names."""
    states = {viewer.id: fresh(workshop, viewer) for viewer in viewers}
    seen = set()
    for number, step in enumerate(steps, 1):
        step()
        for viewer in viewers:
            state = states[viewer.id]
            frames = frames_since(workshop, state["seq"], viewer.id)
            for frame in frames:
                state = replay.apply(state, frame, viewer.id)
                seen.add(frame["name"])
            states[viewer.id] = state
            expected = fresh(workshop, viewer)
            assert state == expected, (
                f"step {number}, viewer {viewer.name}: replaying {[f['name'] for f in frames]} "
                "does not give the fresh snapshot"
            )
    return seen


CASES = {}


def case(*events):
    """A replay case: `fn(room)` arranges and returns (viewers, steps); its steps must send `events`."""

    def register(fn):
        CASES[fn.__name__] = (frozenset(events), fn)
        return fn

    return register


def op(room, actor, name, **fields):
    return lambda: send(room.workshop, actor, name, **fields)


@case("item.added")
def adding_items(room):
    now, nxt, _ = room.lanes
    add_item(room.workshop, room.leader, now, "Already there")
    steps = [
        op(room, room.member, "item.add", lane=now.id, title="A", notes="N", due="2026-10-01", criterion=1),
        op(room, room.leader, "item.add", lane=nxt.id, title="B"),
        op(room, room.facilitator, "phase.set", phase="plan"),
        op(room, room.target, "item.add", lane=now.id, title="C", criterion=0),
    ]
    return [room.member, room.leader, room.observer], steps


@case("item.edited")
def editing_items(room):
    item_id = add_item(room.workshop, room.member, title="Draft", criterion=0)
    steps = [
        op(room, room.member, "item.edit", item=item_id, version=1, title="Better", notes="More"),
        op(room, room.facilitator, "item.edit", item=item_id, version=2, due="2027-03-01", criterion=None),
        op(room, room.member, "item.edit", item=item_id, version=3, due=None),
    ]
    return [room.member, room.facilitator, room.target], steps


@case("item.moved")
def moving_items(room):
    now, nxt, later = room.lanes
    a, b, _ = (add_item(room.workshop, room.member, now, title) for title in "abc")
    x, y = (add_item(room.workshop, room.member, nxt, title) for title in "xy")
    steps = [
        op(room, room.target, "item.move", item=a, lane=now.id, index=2),
        op(room, room.target, "item.move", item=b, lane=nxt.id, index=1),
        op(room, room.member, "item.move", item=x, lane=later.id, index=-5),
        op(room, room.leader, "item.move", item=y, lane=now.id, index=10**6),
        op(room, room.leader, "item.move", item=y, lane=now.id, index=0),
    ]
    return [room.target, room.member, room.observer], steps


@case("item.deleted", "vote.changed")
def deleting_items(room):
    now, nxt, _ = room.lanes
    a, b, c = (add_item(room.workshop, room.member, now, title) for title in "abc")
    d = add_item(room.workshop, room.target, nxt, "d")
    set_phase(room.workshop, Phase.VOTE)
    for voter, item_id in ((room.member, b), (room.member, b), (room.target, b), (room.target, c)):
        send(room.workshop, voter, "vote.cast", item=item_id)
    send(room.workshop, room.facilitator, "phase.set", phase="plan")
    steps = [
        op(room, room.member, "item.delete", item=b),  # item.deleted, then the dots of both voters back
        op(room, room.facilitator, "item.delete", item=d),
        op(room, room.member, "item.delete", item=a),
    ]
    return [room.member, room.target, room.leader], steps


@case("vote.changed", "phase.changed")
def voting(room):
    a, b = (add_item(room.workshop, room.member, title=title) for title in "ab")
    steps = [
        op(room, room.facilitator, "phase.set", phase="vote"),
        *(op(room, room.member, "vote.cast", item=a) for _ in range(3)),
        op(room, room.member, "vote.cast", item=b),
        op(room, room.target, "vote.cast", item=a),
        op(room, room.member, "vote.retract", item=a),
        op(room, room.member, "vote.retract", item=b),
    ]
    return [room.member, room.target, room.observer], steps


@case("votes.revealed", "phase.changed", "item.status", "item.owners")
def revealing_and_agreeing(room):
    a, b = (add_item(room.workshop, room.member, title=title) for title in "ab")
    set_phase(room.workshop, Phase.VOTE)
    for voter, item_id in ((room.member, a), (room.target, a), (room.target, b)):
        send(room.workshop, voter, "vote.cast", item=item_id)
    steps = [
        op(room, room.facilitator, "phase.set", phase="plan"),
        op(room, room.facilitator, "item.status", item=a, status="accepted"),
        op(room, room.target, "item.claim", item=a),
        op(room, room.facilitator, "phase.set", phase="agreed"),
        op(room, room.leader, "phase.set", phase="plan"),
        op(room, room.facilitator, "phase.set", phase="vote"),
        op(room, room.member, "vote.cast", item=b),
        op(room, room.facilitator, "phase.set", phase="agreed"),  # straight from vote: revealed, version 2
    ]
    return [room.member, room.target, room.facilitator], steps


@case("item.owners")
def owning_items(room):
    item_id = add_item(room.workshop, room.member)
    steps = [
        op(room, room.member, "item.claim", item=item_id),
        op(room, room.facilitator, "item.assign", item=item_id, member=room.target.id),
        op(room, room.leader, "item.claim", item=item_id),
        op(room, room.member, "item.unclaim", item=item_id),
        op(room, room.facilitator, "item.unassign", item=item_id, member=room.leader.id),
    ]
    return [room.member, room.target, room.facilitator], steps


@case("item.status")
def setting_status(room):
    a, b = (add_item(room.workshop, room.member, title=title) for title in "ab")
    set_phase(room.workshop, Phase.PLAN)
    steps = [
        op(room, room.facilitator, "item.status", item=a, status="accepted"),
        op(room, room.leader, "item.status", item=b, status="dropped"),
        op(room, room.facilitator, "item.status", item=b, status="proposed"),
    ]
    return [room.facilitator, room.member], steps


@case("lane.added", "lane.renamed", "lane.moved", "lane.deleted")
def running_lanes(room):
    now, nxt, later = room.lanes
    add_item(room.workshop, room.member, now, "in now")
    add_item(room.workshop, room.member, later, "in later")
    steps = [
        op(room, room.facilitator, "lane.add", title="Someday"),
        op(room, room.leader, "lane.rename", lane=now.id, title="Today"),
        op(room, room.facilitator, "lane.move", lane=later.id, index=0),  # items follow their lanes
        op(room, room.facilitator, "lane.move", lane=now.id, index=99),
        op(room, room.facilitator, "lane.delete", lane=nxt.id),
    ]
    return [room.facilitator, room.member, room.observer], steps


@case("phase.changed", "member.ready")
def walking_the_phases(room):
    item_id = add_item(room.workshop, room.member)
    steps = [
        op(room, room.member, "member.ready", ready=True),
        op(room, room.target, "member.ready", ready=True),
        op(room, room.facilitator, "phase.set", phase="vote"),
        op(room, room.member, "member.ready", ready=True),
        op(room, room.facilitator, "phase.set", phase="plan"),
        op(room, room.facilitator, "item.status", item=item_id, status="accepted"),
        op(room, room.facilitator, "item.assign", item=item_id, member=room.member.id),
        op(room, room.leader, "member.ready", ready=True),
        op(room, room.facilitator, "phase.set", phase="agreed"),
        op(room, room.facilitator, "phase.set", phase="plan"),
        op(room, room.facilitator, "phase.set", phase="gather"),
    ]
    return [room.member, room.facilitator, room.observer], steps


@case("goal.edited")
def editing_the_goal(room):
    add_item(room.workshop, room.member, criterion=0)
    add_item(room.workshop, room.member, criterion=1)
    send(room.workshop, room.facilitator, "timer.start", seconds=300)
    set_phase(room.workshop, Phase.PLAN)
    send(room.workshop, room.facilitator, "confidence.open")
    send(room.workshop, room.member, "confidence.answer", score=4)
    steps = [
        op(room, room.leader, "goal.edit", title="A sharper goal", why="Because."),
        op(room, room.leader, "goal.edit", success_criteria=["Only the first", "A new second", "A third"]),
        op(room, room.leader, "goal.edit", success_criteria=["Only the first"]),
        op(room, room.leader, "goal.edit", success_criteria=[]),
    ]
    return [room.leader, room.member], steps


@case("timer.changed")
def running_the_timer(room):
    steps = [
        op(room, room.facilitator, "timer.start", seconds=600),
        op(room, room.leader, "timer.start", seconds=10),
        op(room, room.facilitator, "timer.stop"),
    ]
    return [room.facilitator, room.member], steps


@case("walk.focused", "item.deleted", "phase.changed", "goal.edited")
def walking_the_room(room):
    a, b, c = (add_item(room.workshop, room.member, title=title) for title in "abc")
    steps = [
        op(room, room.facilitator, "walk.focus", item=a),
        op(room, room.leader, "walk.focus", item=b),
        op(room, room.leader, "goal.edit", why="Read out the plan, item by item."),  # keeps the focus
        op(room, room.member, "item.delete", item=a),  # not the focused one: the walk goes on
        op(room, room.member, "item.delete", item=b),  # the focused one: the walk ends first
        op(room, room.facilitator, "walk.focus", item=c),
        op(room, room.facilitator, "walk.focus", item=None),
        op(room, room.facilitator, "walk.focus", item=c),
        op(room, room.facilitator, "phase.set", phase="vote"),  # a new phase starts from the board
        op(room, room.facilitator, "walk.focus", item=c),
        op(room, room.facilitator, "phase.set", phase="plan"),  # leaving vote: revealed, then ended
    ]
    return [room.facilitator, room.member, room.observer], steps


AGENDA = [
    {"title": "Ideas", "phase": "gather", "minutes": 10, "instructions": "One idea per card."},
    {"title": "Dots", "phase": "vote", "minutes": 5},
    {"title": "Plan", "phase": "plan", "minutes": None, "instructions": "Who does what, by when?"},
    {"title": "Agree", "phase": "agreed", "minutes": 3},
]


@case("agenda.changed", "agenda.stepped", "timer.changed", "phase.changed", "votes.revealed", "walk.focused")
def running_the_agenda(room):
    a, _ = (add_item(room.workshop, room.member, title=title) for title in "ab")
    steps = [
        op(room, room.facilitator, "agenda.set", agenda=AGENDA),
        op(room, room.facilitator, "agenda.step", index=0),  # the current phase: the timer only
        op(room, room.facilitator, "walk.focus", item=a),
        op(room, room.leader, "agenda.step", index=1),  # to vote: the walk ends
        op(room, room.member, "vote.cast", item=a),
        op(room, room.facilitator, "agenda.step", index=2),  # to plan: revealed, the timer stops
        op(room, room.facilitator, "agenda.step", index=2),  # again: no timer to stop, stepped only
        op(room, room.facilitator, "timer.start", seconds=60),
        op(room, room.facilitator, "agenda.set", agenda=AGENDA[:2]),  # no step; the timer runs on
        op(room, room.facilitator, "agenda.step", index=None),  # off the agenda already: nothing
        op(room, room.facilitator, "agenda.step", index=0),
        op(room, room.facilitator, "agenda.step", index=None),  # leaves: the timer stops
    ]
    return [room.facilitator, room.member, room.observer], steps


@case("agenda.stepped", "phase.changed", "confidence.changed", "item.status", "item.owners")
def stepping_into_and_out_of_the_agreement(room):
    item_id = add_item(room.workshop, room.member)
    send(room.workshop, room.facilitator, "agenda.set", agenda=AGENDA)
    steps = [
        op(room, room.facilitator, "agenda.step", index=2),
        op(room, room.facilitator, "item.status", item=item_id, status="accepted"),
        op(room, room.member, "item.claim", item=item_id),
        op(room, room.facilitator, "confidence.open"),
        op(room, room.facilitator, "agenda.step", index=3),  # agreed: a plan version, the timer
        op(room, room.facilitator, "agenda.step", index=2),  # reopened: the confidence cleared
    ]
    return [room.facilitator, room.member], steps


@case("confidence.changed")
def taking_confidence(room):
    set_phase(room.workshop, Phase.PLAN)
    steps = [
        op(room, room.facilitator, "confidence.open"),
        op(room, room.member, "confidence.answer", score=3),
        op(room, room.target, "confidence.answer", score=5),
        op(room, room.member, "confidence.answer", score=1),
        op(room, room.facilitator, "confidence.close"),
        op(room, room.facilitator, "confidence.open"),
        op(room, room.member, "confidence.answer", score=2),
    ]
    return [room.member, room.target, room.facilitator, room.observer], steps


@case("phase.changed", "confidence.changed")
def reopening_clears_the_confidence_result(room):
    """Protocol §2: the result stays with the version agreed; the reopened board has none."""
    set_phase(room.workshop, Phase.PLAN)
    item_id = add_item(room.workshop, room.member)
    send(room.workshop, room.facilitator, "item.status", item=item_id, status="accepted")
    send(room.workshop, room.member, "item.claim", item=item_id)
    steps = [
        op(room, room.facilitator, "confidence.open"),
        op(room, room.member, "confidence.answer", score=4),
        op(room, room.facilitator, "confidence.close"),
        op(room, room.facilitator, "phase.set", phase="agreed"),
        op(room, room.facilitator, "phase.set", phase="plan"),
        op(room, room.facilitator, "confidence.open"),
        op(room, room.target, "confidence.answer", score=2),
        op(room, room.facilitator, "phase.set", phase="agreed"),
        op(room, room.facilitator, "phase.set", phase="plan"),
    ]
    return [room.member, room.target, room.facilitator, room.observer], steps


@case("member.ready")
def signalling_ready(room):
    steps = [
        op(room, room.member, "member.ready", ready=True),
        op(room, room.target, "member.ready", ready=True),
        op(room, room.member, "member.ready", ready=False),
    ]
    return [room.member, room.target], steps


@case("member.joined")
def joining(room):
    steps = [lambda: room.join(name="Newcomer"), lambda: room.join(Role.OBSERVER, "Watcher")]
    return [room.leader, room.member, room.observer], steps


@case("member.changed", "member.ready")
def changing_roles(room):
    claimed = add_item(room.workshop, room.target, title="Claimed, then given up on becoming an observer")
    send(room.workshop, room.target, "item.claim", item=claimed)
    steps = [
        op(room, room.target, "member.ready", ready=True),
        op(room, room.leader, "member.role", member=room.target.id, role="facilitator"),
        op(room, room.leader, "member.role", member=room.target.id, role="observer"),  # clears ready
        op(room, room.leader, "member.role", member=room.facilitator.id, role="member"),
    ]
    return [room.leader, room.target, room.facilitator, room.member], steps


def rename(room, actor, name):
    # Not op(): its own parameter `name` (the op's) would take the field of the same name.
    return lambda: send(room.workshop, actor, "member.rename", name=name)


@case("member.changed")
def renaming(room):
    """member.rename: anyone renames themselves, an observer too, in any phase."""
    steps = [
        rename(room, room.member, "Mia Okafor"),
        rename(room, room.observer, "  Olu, watching  "),
        op(room, room.facilitator, "phase.set", phase="vote"),
        rename(room, room.leader, "Lee (host)"),
    ]
    return [room.leader, room.member, room.observer, room.target], steps


@case("member.removed", "item.owners")
def removing_members(room):
    a, b = (add_item(room.workshop, room.member, title=title) for title in "ab")
    for item_id in (a, b):
        send(room.workshop, room.target, "item.claim", item=item_id)
    send(room.workshop, room.member, "item.claim", item=a)
    set_phase(room.workshop, Phase.VOTE)
    send(room.workshop, room.target, "vote.cast", item=a)
    steps = [
        op(room, room.facilitator, "member.remove", member=room.target.id),
        op(room, room.leader, "member.remove", member=room.observer.id),
        op(room, room.facilitator, "phase.set", phase="plan"),
    ]
    return [room.facilitator, room.member, room.leader], steps


def agreed(room, *owned):
    """Items owned by the member and the target (in turn), accepted and agreed through the ops."""
    owners = (room.member, room.target)
    items = {add_item(room.workshop, room.member, title=f"Item {n}"): owners[n % 2] for n in range(len(owned))}
    agree(room.workshop, room.facilitator, items)
    return list(items)


@case("item.progress", "item.helpers", "checkin.recorded")
def after_the_agreement(room):
    a, b, c = agreed(room, 1, 2, 3)
    steps = [
        op(room, room.member, "item.progress", item=a, state="on_track", note="Drafted"),
        op(room, room.target, "item.progress", item=b, state="blocked"),
        op(room, room.facilitator, "item.progress", item=b, state="at_risk", note="Unblocked, late"),
        op(room, room.member, "item.progress", item=a, state="on_track"),  # again: new time, no note
        op(room, room.target, "item.help", item=a, offer=True),
        op(room, room.leader, "item.help", item=a, offer=True, note="I know the printer"),
        op(room, room.target, "item.help", item=a, offer=True),  # nothing changes
        op(room, room.target, "item.help", item=a, offer=True, note="Can review"),  # a note, in place
        op(room, room.leader, "item.help", item=a, offer=True, note="I know the printer"),  # nothing changes
        op(room, room.leader, "item.help", item=a, offer=True, note="Changed my mind"),
        op(room, room.target, "item.help", item=a, offer=False),  # the note goes with it
        op(room, room.target, "item.help", item=a, offer=True),
        op(room, room.facilitator, "checkin.record"),
        op(room, room.member, "item.progress", item=c, state="done"),
        op(room, room.leader, "checkin.record", note="Week two"),
    ]
    return [room.member, room.target, room.observer], steps


@case("item.status", "item.progress", "item.helpers", "phase.changed", "checkin.recorded", "item.deleted")
def reopening_and_leaving_the_plan(room):
    a, b, c, d = agreed(room, 1, 2, 3, 4)
    for item_id, owner in ((a, room.member), (b, room.target), (c, room.member)):
        send(room.workshop, owner, "item.progress", item=item_id, state="at_risk")
    for item_id in (a, b, d):
        send(room.workshop, room.leader, "item.help", item=item_id, offer=True, note=f"Help with {item_id}")
    send(room.workshop, room.facilitator, "checkin.record", note="Before the reopen")
    steps = [
        op(room, room.facilitator, "phase.set", phase="plan"),  # keeps it all
        op(room, room.facilitator, "item.status", item=a, status="dropped"),  # progress and helpers
        op(room, room.facilitator, "item.status", item=c, status="proposed"),  # progress only
        op(room, room.facilitator, "item.status", item=d, status="dropped"),  # helpers only
        op(room, room.facilitator, "item.status", item=a, status="accepted"),  # afresh
        op(room, room.member, "item.delete", item=c),
        op(room, room.target, "item.claim", item=a),
        op(room, room.facilitator, "phase.set", phase="agreed"),  # version 2 keeps b's thread
        op(room, room.target, "item.progress", item=a, state="on_track"),
        op(room, room.facilitator, "checkin.record"),
    ]
    return [room.member, room.facilitator, room.observer], steps


@case("member.removed", "member.changed", "item.owners", "item.helpers", "goal.edited")
def helpers_leaving(room):
    a, b = agreed(room, 1, 2)
    watcher = room.join(name="Walt")
    for helper in (room.target, watcher, room.leader):
        send(room.workshop, helper, "item.help", item=a, offer=True, note=f"{helper.name} can help")
    send(room.workshop, room.target, "item.help", item=b, offer=True)
    send(room.workshop, room.target, "item.progress", item=b, state="done")
    send(room.workshop, room.facilitator, "checkin.record")
    steps = [
        op(room, room.leader, "member.role", member=watcher.id, role="observer"),
        op(room, room.facilitator, "member.remove", member=room.target.id),  # its report stays
        op(room, room.facilitator, "phase.set", phase="plan"),
        op(room, room.leader, "goal.edit", why="Carries the check-ins with the workshop."),
    ]
    return [room.member, room.leader, room.observer], steps


# The planning game (protocol §10)


@case("item.estimated", "planning.changed", "item.status")
def estimating_against_a_capacity(room):
    a, b, c = (add_item(room.workshop, room.member, title=title) for title in "abc")
    steps = [
        op(room, room.facilitator, "planning.set", estimates=True, capacity_hours=20),
        op(room, room.member, "item.estimate", item=a, hours=8),
        op(room, room.target, "item.estimate", item=b, hours=16),
        op(room, room.facilitator, "phase.set", phase="plan"),
        op(room, room.facilitator, "item.status", item=a, status="accepted"),  # the load follows
        op(room, room.facilitator, "item.status", item=b, status="accepted"),
        op(room, room.member, "item.estimate", item=b, hours=4),
        op(room, room.member, "item.estimate", item=c, hours=32),  # not accepted: no load
        op(room, room.leader, "item.estimate", item=a, hours=None),
        op(room, room.facilitator, "planning.set", capacity_hours=None),
        op(room, room.member, "item.delete", item=b),
    ]
    return [room.member, room.facilitator, room.observer], steps


@case("item.stacked", "item.moved", "item.deleted")
def stacking_duplicates(room):
    now, nxt, later = room.lanes
    a, b, c, d = (add_item(room.workshop, room.member, now, title) for title in "abcd")
    x, y = (add_item(room.workshop, room.target, nxt, title) for title in "xy")
    steps = [
        op(room, room.member, "item.stack", item=d, onto=a),  # d joins a's block: a, d, b, c
        op(room, room.target, "item.stack", item=y, onto=b),  # from another lane
        op(room, room.member, "item.stack", item=c, onto=d),  # onto a stacked card: under its head a
        op(room, room.member, "item.move", item=a, lane=later.id, index=0),  # the head takes its stack
        op(room, room.member, "item.move", item=x, lane=later.id, index=1),  # lands after a's block
        op(room, room.target, "item.move", item=b, lane=later.id, index=0),  # b and y, up
        op(room, room.target, "item.move", item=b, lane=later.id, index=99),  # and down their own lane
        op(room, room.member, "item.stack", item=b, onto=a),  # a head with its stack onto another
        op(room, room.member, "item.unstack", item=d),  # d goes after a's block
        op(room, room.member, "item.move", item=c, lane=now.id, index=0),  # a stacked card leaves
        op(room, room.member, "item.delete", item=a),  # b heads the rest
        op(room, room.member, "item.unstack", item=y),
        op(room, room.member, "item.unstack", item=b),  # not stacked: nothing
    ]
    return [room.member, room.target, room.observer], steps


@case("items.revealed", "item.added", "item.edited", "item.estimated", "item.owners", "phase.changed")
def writing_privately(room):
    now, nxt, _ = room.lanes
    send(room.workshop, room.facilitator, "planning.set", private_gather=True)
    shared = add_item(room.workshop, room.target, now, "Written before")
    steps = [
        op(room, room.member, "item.add", lane=now.id, title="Mine", notes="Only I see this"),
        op(room, room.target, "item.add", lane=nxt.id, title="Theirs"),
        op(room, room.facilitator, "item.add", lane=now.id, title="The facilitator's"),
        op(room, room.target, "item.edit", item=shared, version=1, title="Written before, edited"),
        op(room, room.target, "item.estimate", item=shared, hours=4),
        op(room, room.target, "item.claim", item=shared),
        op(room, room.member, "item.move", item=shared, lane=nxt.id, index=0),  # others may move it
        op(room, room.facilitator, "phase.set", phase="vote"),  # every card turns over
        op(room, room.facilitator, "phase.set", phase="gather"),  # and back face down
        op(room, room.facilitator, "phase.set", phase="plan"),
    ]
    return [room.member, room.target, room.facilitator, room.observer], steps


@case("items.revealed", "planning.changed", "item.stacked", "member.removed", "item.owners")
def turning_private_writing_on_and_off(room):
    now, _, _ = room.lanes
    a = add_item(room.workshop, room.member, now, "a")
    b = add_item(room.workshop, room.target, now, "b")
    send(room.workshop, room.target, "item.claim", item=b)
    steps = [
        op(room, room.facilitator, "planning.set", private_gather=True),  # face down, no card data
        op(room, room.target, "item.estimate", item=b, hours=2),
        op(room, room.facilitator, "member.remove", member=room.target.id),  # b's owner leaves, unseen
        op(room, room.facilitator, "planning.set", private_gather=False),  # turned over
        op(room, room.member, "item.stack", item=b, onto=a),
    ]
    return [room.member, room.facilitator, room.observer], steps


def test_every_protocol_event_has_a_handler_and_a_case():
    assert set(replay.HANDLERS) == PROTOCOL_EVENTS
    assert set().union(*(events for events, _ in CASES.values())) == PROTOCOL_EVENTS


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_stale_snapshot_plus_events_is_a_fresh_snapshot(room, join, name):
    events, arrange = CASES[name]
    room.join = join
    viewers, steps = arrange(room)
    seen = verify_action(room.workshop, viewers, steps)
    assert events <= seen, f"the steps sent {sorted(seen)}, not {sorted(events - seen)}"


def test_replay_catches_a_missing_event(room):
    """The guard itself: a change that sent no event leaves the replayed state behind."""
    item_id = add_item(room.workshop, room.member)
    state = fresh(room.workshop, room.member)
    set_phase(room.workshop, Phase.PLAN)  # arranged directly: no phase.changed
    send(room.workshop, room.facilitator, "item.status", item=item_id, status="accepted")
    for frame in frames_since(room.workshop, state["seq"], room.member.id):
        state = replay.apply(state, frame, room.member.id)
    assert state != fresh(room.workshop, room.member)
    assert state["workshop"]["phase"] == "gather"
