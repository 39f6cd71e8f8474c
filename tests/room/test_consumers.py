"""The websocket protocol (protocol §4), through the socket.

Each test connects real sockets to the ASGI application (origin check, session and auth
middleware, router, consumer) and speaks only frames, except where a test must arrange the
board or read the event log to know what the frames should be; that database work goes through
database_sync_to_async, as the consumer's does. The domain rules themselves are tested in the
other modules of this package; here it is the wire: who receives what, in which order, with
which seq, and when a socket is refused or closed.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import json
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.db import OperationalError

from core.ratelimit import BURST, FLOOD_AFTER_REFUSALS, OPS_PER_SECOND, TokenBucket
from goals.models import Member, Phase, Role, Workshop
from live import broadcast
from live.models import Connection, Event
from planning import snapshot
from planning.board import item_payload
from planning.models import Item, ItemStatus, Lane
from planning.snapshot import build_snapshot
from room import consumers
from room.protocol import OPS
from tests.planning import replay
from tests.planning.helpers import add_item, agree, board_state, frames_since, json_round_trip, send, set_phase
from tests.planning.shapes import (
    ERROR_KEYS,
    EVENT_KEYS,
    HIDDEN_ITEM_KEYS,
    ITEM_KEYS,
    ME_KEYS,
    MEMBER_KEYS,
    SNAPSHOT_KEYS,
    WORKSHOP_KEYS,
)
from tests.planning.ws import Closed, connect_all, quiet, run

pytestmark = pytest.mark.django_db(transaction=True)

MAX_FRAME = consumers.MAX_FRAME_BYTES
assert MAX_FRAME == 16 * 1024


VOLATILE = ("server_time", "online")  # not board state: the server's clock, and presence


def state_of(frame: dict[str, Any]) -> dict[str, Any]:
    """A snapshot as board state: what a fresh snapshot must equal."""
    state = copy.deepcopy(frame)
    for key in VOLATILE:
        state.pop(key, None)
    return state


def fresh_state(workshop_id: str, member_id: int) -> dict[str, Any]:
    return state_of(json_round_trip(build_snapshot(workshop_id, member_id)))


def reduce(state: dict[str, Any], events: list[dict[str, Any]], me: int) -> dict[str, Any]:
    """The client's reducer over events it has not applied yet (seq > the state's)."""
    for frame in events:
        if frame["seq"] > state["seq"]:
            state = replay.apply(state, frame, me)
    return state


def seq_of(workshop: Workshop) -> int:
    return Workshop.objects.get(pk=workshop.pk).seq


def private_view_is_right(frame: dict[str, Any], viewer: int, *, answerer: int | None = None) -> None:
    """vote.changed carries `item` and `dots` for the voter's sockets only; confidence.changed the
    answerer's `score` for the answerer's sockets only; everyone else gets exactly the protocol's fields."""
    data = frame["data"]
    if frame["name"] == "vote.changed":
        if data["member"] == viewer:
            assert set(data) == {"member", "used", "item", "dots"}, data
        else:
            assert set(data) == {"member", "used"}, f"where someone else's dots went leaked: {data}"
    elif frame["name"] == "confidence.changed":
        if answerer is not None and viewer == answerer:
            assert set(data) == {"confidence", "score"}, data
        else:
            assert set(data) == {"confidence"}, f"someone's score leaked: {data}"


# 1. Connecting


async def test_a_member_gets_the_snapshot_first_then_presence(room, connect):
    await run(add_item, room.workshop, room.member, title="On the board", criterion=1)
    ws = await connect(room.workshop, room.member)
    assert ws.accepted
    first = await ws.recv()
    assert first["type"] == "snapshot"
    assert set(first) == SNAPSHOT_KEYS
    assert set(first["workshop"]) == WORKSHOP_KEYS
    assert set(first["me"]) == ME_KEYS
    assert first["me"]["member"] == room.member.id
    assert first["me"]["role"] == "member"
    assert len(first["items"]) == 1
    assert all(set(item) == ITEM_KEYS for item in first["items"])
    assert all(set(member) == MEMBER_KEYS for member in first["members"])
    assert all(set(lane) == {"id", "title"} for lane in first["lanes"])
    assert first["seq"] == await run(seq_of, room.workshop)
    assert state_of(first) == await run(fresh_state, room.workshop.id, room.member.id)
    assert await ws.recv() == {"type": "presence", "online": [room.member.id]}
    assert await ws.nothing()


async def test_a_logged_in_leader_connects_through_their_account(room, connect):
    ws = await connect(room.workshop, room.leader)
    assert ws.accepted
    first = await ws.recv()
    assert first["type"] == "snapshot"
    assert first["me"]["member"] == room.leader.id
    assert first["me"]["role"] == "leader"
    assert await ws.recv() == {"type": "presence", "online": [room.leader.id]}


REFUSED = [
    "anonymous",
    "member of another workshop",
    "removed member",
    "unknown workshop",
    "foreign origin",
    "look-alike origin",
    "no origin",
]


@pytest.mark.parametrize("who", REFUSED)
async def test_a_connection_that_is_not_a_members_is_refused_before_any_data(room, other_workshop, join, connect, who):
    workshop_id, member, options = room.workshop.id, room.member, {}
    if who == "anonymous":
        member = None
    elif who == "member of another workshop":
        member = await run(join, Role.MEMBER, "Stranger", other_workshop)
    elif who == "removed member":
        await run(send, room.workshop, room.facilitator, "member.remove", member=room.target.id)
        member = room.target
    elif who == "unknown workshop":
        workshop_id = "NoSuchWorkshop42"
    elif who == "foreign origin":
        options["origin"] = b"http://evil.example"
    elif who == "look-alike origin":
        options["origin"] = b"http://localhost.evil.example"
    elif who == "no origin":
        options["origin"] = None  # channels' OriginValidator refuses a missing Origin unless "*" is allowed
    ws = await connect(workshop_id, member, **options)
    if "origin" in options:
        assert not ws.accepted, "the handshake of a foreign or missing Origin must be rejected"
    if ws.accepted:
        # The protocol's other way to refuse: closed with 4404 before any frame.
        with pytest.raises(Closed):
            await ws.recv()
        assert ws.close_code == 4404
    elif who not in ("foreign origin", "look-alike origin", "no origin"):
        assert ws.refusal == 4404
    assert ws.frames == []
    assert await ws.nothing()
    assert await run(Connection.objects.count) == 0, "a refused socket counted as online"


# 2. Every op, once, through the socket


@dataclass
class OpCase:
    actor: Member
    fields: dict[str, Any]
    names: list[str]
    answerer: int | None = None


OP_CASES: dict[str, Callable[[Any], OpCase]] = {}


def op_case(name: str):
    def register(fn):
        OP_CASES[name] = fn
        return fn

    return register


@op_case("item.add")
def _(room):
    fields = {"lane": room.lanes[1].id, "title": "Hello", "notes": "n", "due": "2026-12-31", "criterion": 1}
    return OpCase(room.member, fields, ["item.added"])


@op_case("item.edit")
def _(room):
    item = add_item(room.workshop, room.member)
    return OpCase(room.member, {"item": item, "version": 1, "title": "Better", "due": None}, ["item.edited"])


@op_case("item.move")
def _(room):
    item = add_item(room.workshop, room.member)
    add_item(room.workshop, room.target, room.lanes[1])
    return OpCase(room.member, {"item": item, "lane": room.lanes[1].id, "index": 0}, ["item.moved"])


@op_case("item.delete")
def _(room):
    return OpCase(room.member, {"item": add_item(room.workshop, room.member)}, ["item.deleted"])


@op_case("item.delete (gives dots back)")
def _(room):
    item = add_item(room.workshop, room.member)
    set_phase(room.workshop, Phase.VOTE)
    for voter in (room.member, room.target, room.target):
        send(room.workshop, voter, "vote.cast", item=item)
    set_phase(room.workshop, Phase.PLAN)
    # the watcher (target) voted too: its own socket gets its own private part
    return OpCase(room.member, {"item": item}, ["item.deleted", "vote.changed", "vote.changed"])


@op_case("item.status")
def _(room):
    item = add_item(room.workshop, room.member)
    set_phase(room.workshop, Phase.PLAN)
    return OpCase(room.facilitator, {"item": item, "status": "accepted"}, ["item.status"])


@op_case("vote.cast")
def _(room):
    item = add_item(room.workshop, room.member)
    set_phase(room.workshop, Phase.VOTE)
    return OpCase(room.member, {"item": item}, ["vote.changed"])


@op_case("vote.retract")
def _(room):
    item = add_item(room.workshop, room.member)
    set_phase(room.workshop, Phase.VOTE)
    send(room.workshop, room.member, "vote.cast", item=item)
    send(room.workshop, room.member, "vote.cast", item=item)
    return OpCase(room.member, {"item": item}, ["vote.changed"])


@op_case("item.claim")
def _(room):
    return OpCase(room.member, {"item": add_item(room.workshop, room.target)}, ["item.owners"])


@op_case("item.unclaim")
def _(room):
    item = add_item(room.workshop, room.target)
    send(room.workshop, room.member, "item.claim", item=item)
    return OpCase(room.member, {"item": item}, ["item.owners"])


@op_case("item.assign")
def _(room):
    item = add_item(room.workshop, room.member)
    return OpCase(room.facilitator, {"item": item, "member": room.target.id}, ["item.owners"])


@op_case("item.unassign")
def _(room):
    item = add_item(room.workshop, room.member)
    send(room.workshop, room.facilitator, "item.assign", item=item, member=room.target.id)
    return OpCase(room.facilitator, {"item": item, "member": room.target.id}, ["item.owners"])


@op_case("lane.add")
def _(room):
    return OpCase(room.facilitator, {"title": "Someday"}, ["lane.added"])


@op_case("lane.rename")
def _(room):
    return OpCase(room.facilitator, {"lane": room.lanes[0].id, "title": "Today"}, ["lane.renamed"])


@op_case("lane.move")
def _(room):
    return OpCase(room.facilitator, {"lane": room.lanes[0].id, "index": 2}, ["lane.moved"])


@op_case("lane.delete")
def _(room):
    return OpCase(room.facilitator, {"lane": room.lanes[2].id}, ["lane.deleted"])


@op_case("phase.set")
def _(room):
    return OpCase(room.facilitator, {"phase": "vote"}, ["phase.changed"])


@op_case("phase.set (leaving vote)")
def _(room):
    item = add_item(room.workshop, room.member)
    set_phase(room.workshop, Phase.VOTE)
    send(room.workshop, room.target, "vote.cast", item=item)
    return OpCase(room.facilitator, {"phase": "plan"}, ["phase.changed", "votes.revealed"])


@op_case("phase.set (agreeing)")
def _(room):
    item = add_item(room.workshop, room.member)
    set_phase(room.workshop, Phase.PLAN)
    send(room.workshop, room.facilitator, "item.status", item=item, status="accepted")
    send(room.workshop, room.target, "item.claim", item=item)
    return OpCase(room.facilitator, {"phase": "agreed"}, ["phase.changed"])


@op_case("goal.edit")
def _(room):
    fields = {"title": "A sharper goal", "why": "Because.", "success_criteria": ["Only one"]}
    return OpCase(room.leader, fields, ["goal.edited"])


@op_case("timer.start")
def _(room):
    return OpCase(room.facilitator, {"seconds": 300}, ["timer.changed"])


@op_case("timer.stop")
def _(room):
    send(room.workshop, room.facilitator, "timer.start", seconds=300)
    return OpCase(room.facilitator, {}, ["timer.changed"])


@op_case("walk.focus")
def _(room):
    return OpCase(room.facilitator, {"item": add_item(room.workshop, room.member)}, ["walk.focused"])


@op_case("walk.focus (ending the walk)")
def _(room):
    send(room.workshop, room.facilitator, "walk.focus", item=add_item(room.workshop, room.member))
    return OpCase(room.leader, {"item": None}, ["walk.focused"])


@op_case("item.delete (ends the walk on it)")
def _(room):
    item = add_item(room.workshop, room.member)
    send(room.workshop, room.facilitator, "walk.focus", item=item)
    return OpCase(room.member, {"item": item}, ["walk.focused", "item.deleted"])


@op_case("confidence.open")
def _(room):
    set_phase(room.workshop, Phase.PLAN)
    return OpCase(room.facilitator, {}, ["confidence.changed"])


@op_case("confidence.answer")
def _(room):
    set_phase(room.workshop, Phase.PLAN)
    send(room.workshop, room.facilitator, "confidence.open")
    return OpCase(room.member, {"score": 4}, ["confidence.changed"], answerer=room.member.id)


@op_case("confidence.close")
def _(room):
    set_phase(room.workshop, Phase.PLAN)
    send(room.workshop, room.facilitator, "confidence.open")
    send(room.workshop, room.member, "confidence.answer", score=2)
    return OpCase(room.facilitator, {}, ["confidence.changed"])


@op_case("item.progress")
def _(room):
    item = add_item(room.workshop, room.member)
    agree(room.workshop, room.facilitator, {item: room.member})
    return OpCase(room.member, {"item": item, "state": "at_risk", "note": "Legal is slow"}, ["item.progress"])


@op_case("item.help")
def _(room):
    item = add_item(room.workshop, room.member)
    agree(room.workshop, room.facilitator, {item: room.member})
    return OpCase(room.leader, {"item": item, "offer": True}, ["item.helpers"])


@op_case("item.help (withdrawn)")
def _(room):
    item = add_item(room.workshop, room.member)
    agree(room.workshop, room.facilitator, {item: room.member})
    send(room.workshop, room.leader, "item.help", item=item, offer=True)
    return OpCase(room.leader, {"item": item, "offer": False}, ["item.helpers"])


@op_case("checkin.record")
def _(room):
    item = add_item(room.workshop, room.member)
    agree(room.workshop, room.facilitator, {item: room.member})
    send(room.workshop, room.member, "item.progress", item=item, state="done")
    return OpCase(room.facilitator, {"note": "Week one"}, ["checkin.recorded"])


@op_case("item.status (leaving the plan drops progress and helpers)")
def _(room):
    item = add_item(room.workshop, room.member)
    agree(room.workshop, room.facilitator, {item: room.member})
    send(room.workshop, room.member, "item.progress", item=item, state="blocked")
    send(room.workshop, room.target, "item.help", item=item, offer=True)
    send(room.workshop, room.facilitator, "phase.set", phase="plan")
    fields = {"item": item, "status": "dropped"}
    return OpCase(room.facilitator, fields, ["item.status", "item.progress", "item.helpers"])


@op_case("member.remove (releases help)")
def _(room):
    item = add_item(room.workshop, room.target)
    agree(room.workshop, room.facilitator, {item: room.target})
    send(room.workshop, room.member, "item.help", item=item, offer=True)
    return OpCase(room.facilitator, {"member": room.member.id}, ["item.helpers", "member.removed"])


@op_case("member.ready")
def _(room):
    return OpCase(room.member, {"ready": True}, ["member.ready"])


@op_case("member.rename")
def _(room):
    return OpCase(room.observer, {"name": "Olu, watching"}, ["member.changed"])


@op_case("member.role")
def _(room):
    return OpCase(room.leader, {"member": room.target.id, "role": "facilitator"}, ["member.changed"])


@op_case("member.remove")
def _(room):
    return OpCase(room.facilitator, {"member": room.observer.id}, ["member.removed"])


STEP = {"title": "Write cards", "phase": "gather", "minutes": 5, "instructions": "Alone, in silence."}


@op_case("agenda.set")
def _(room):
    return OpCase(room.facilitator, {"agenda": [STEP]}, ["agenda.changed"])


@op_case("agenda.step")
def _(room):
    send(room.workshop, room.facilitator, "agenda.set", agenda=[STEP])
    # The step's phase is the workshop's: no phase change, the timer set, then the step.
    return OpCase(room.facilitator, {"index": 0}, ["timer.changed", "agenda.stepped"])


@op_case("item.estimate")
def _(room):
    item = add_item(room.workshop, room.member)
    return OpCase(room.target, {"item": item, "hours": 8}, ["item.estimated"])


@op_case("item.estimate (a face-down card, by its author)")
def _(room):
    send(room.workshop, room.facilitator, "planning.set", private_gather=True)
    item = add_item(room.workshop, room.member)
    return OpCase(room.member, {"item": item, "hours": 4}, ["item.estimated"])


@op_case("item.add (private gather)")
def _(room):
    send(room.workshop, room.facilitator, "planning.set", private_gather=True)
    return OpCase(room.member, {"lane": room.lanes[0].id, "title": "Only mine, for now"}, ["item.added"])


@op_case("planning.set")
def _(room):
    return OpCase(room.facilitator, {"capacity_hours": 40, "estimates": True}, ["planning.changed"])


@op_case("planning.set (private writing off turns the cards over)")
def _(room):
    send(room.workshop, room.facilitator, "planning.set", private_gather=True)
    add_item(room.workshop, room.member)
    return OpCase(room.facilitator, {"private_gather": False}, ["items.revealed", "planning.changed"])


@op_case("phase.set (leaving a private gather)")
def _(room):
    send(room.workshop, room.facilitator, "planning.set", private_gather=True)
    add_item(room.workshop, room.member)
    return OpCase(room.facilitator, {"phase": "vote"}, ["items.revealed", "phase.changed"])


@op_case("item.stack")
def _(room):
    a, _, c = (add_item(room.workshop, room.member, title=title) for title in "abc")
    return OpCase(room.member, {"item": c, "onto": a}, ["item.stacked", "item.moved"])


@op_case("item.unstack")
def _(room):
    a, b, c = (add_item(room.workshop, room.member, title=title) for title in "abc")
    send(room.workshop, room.member, "item.stack", item=b, onto=a)
    send(room.workshop, room.member, "item.stack", item=c, onto=a)
    return OpCase(room.target, {"item": b}, ["item.stacked", "item.moved"])


def test_every_op_has_a_socket_case():
    assert {name.split(" ")[0] for name in OP_CASES} == set(OPS)


@pytest.mark.parametrize("name", sorted(OP_CASES))
async def test_every_op_acks_the_sender_and_reaches_everyone(room, connect, name):
    op = name.split(" ")[0]
    case = await run(OP_CASES[name], room)
    watcher = room.target
    sender, other = await connect_all(connect, room.workshop, case.actor, watcher)
    before = await run(seq_of, room.workshop)
    count = len(case.names)

    ref = await sender.send(op, **case.fields)
    mine = await sender.take(count + 1, "ack", "event", "error")
    theirs = await other.take(count, "ack", "event", "error")
    assert await quiet(sender, other)

    after = before + count
    assert [frame for frame in mine if frame["type"] == "ack"] == [{"type": "ack", "ref": ref, "seq": after}]
    my_events = [frame for frame in mine if frame["type"] == "event"]
    assert [frame["type"] for frame in theirs] == ["event"] * count, "the ack went to someone else"
    for events in (my_events, theirs):
        assert [frame["name"] for frame in events] == case.names
        assert [frame["seq"] for frame in events] == list(range(before + 1, after + 1))
        assert all(set(frame) == EVENT_KEYS for frame in events)
        assert all(frame["actor"] == case.actor.id and frame["ref"] == ref for frame in events)
    # what each socket got is exactly the log, as that viewer may see it
    assert my_events == await run(frames_since, room.workshop, before, case.actor.id)
    assert theirs == await run(frames_since, room.workshop, before, watcher.id)
    for mine_frame, their_frame in zip(my_events, theirs, strict=True):
        private_view_is_right(mine_frame, case.actor.id, answerer=case.answerer)
        private_view_is_right(their_frame, watcher.id, answerer=case.answerer)
        public = {key: value for key, value in mine_frame.items() if key != "data"}
        assert public == {key: value for key, value in their_frame.items() if key != "data"}
    if op == "vote.cast":
        assert my_events[0]["data"] == {"member": case.actor.id, "used": 1, "item": case.fields["item"], "dots": 1}
        assert theirs[0]["data"] == {"member": case.actor.id, "used": 1}
    if op == "vote.retract":
        assert my_events[0]["data"] == {"member": case.actor.id, "used": 1, "item": case.fields["item"], "dots": 1}
        assert theirs[0]["data"] == {"member": case.actor.id, "used": 1}
    if name == "item.estimate (a face-down card, by its author)":
        assert my_events[0]["data"] == {"item": case.fields["item"], "estimate": 4}
        assert theirs[0]["data"] == {"item": case.fields["item"], "hidden": True}
    if name == "item.add (private gather)":
        assert my_events[0]["data"]["item"]["title"] == "Only mine, for now"
        assert set(theirs[0]["data"]["item"]) == HIDDEN_ITEM_KEYS
    if op == "confidence.answer":
        assert my_events[0]["data"]["score"] == 4
        assert theirs[0]["data"] == {"confidence": {"open": True, "answers": 1, "result": None}}


async def test_the_voters_other_devices_get_the_private_part_too(room, connect):
    item = await run(add_item, room.workshop, room.member)
    await run(set_phase, room.workshop, Phase.VOTE)
    phone, laptop, other = await connect_all(connect, room.workshop, room.member, room.member, room.target)
    ref = await phone.send("vote.cast", item=item)
    frames = await phone.take(2, "ack", "event")
    (ack,) = [f for f in frames if f["type"] == "ack"]
    (event,) = [f for f in frames if f["type"] == "event"]
    (on_laptop,) = await laptop.take(1, "event", "ack")
    (on_other,) = await other.take(1, "event", "ack")
    assert event == on_laptop, "the voter's other socket must learn where the dot went, without an ack"
    assert event["data"] == {"member": room.member.id, "used": 1, "item": item, "dots": 1}
    assert on_other["data"] == {"member": room.member.id, "used": 1}
    assert ack == {"type": "ack", "ref": ref, "seq": event["seq"]}
    assert await quiet(laptop, other)


async def test_someone_joining_reaches_every_socket_without_a_ref(room, connect, join):
    sockets = await connect_all(connect, room.workshop, room.leader, room.member)
    newcomer = await run(join, Role.MEMBER, "Newcomer")
    for ws in sockets:
        (event,) = await ws.take(1, "event", "ack")
        assert event["name"] == "member.joined"
        assert event["actor"] == newcomer.id
        assert event["ref"] is None
        assert event["data"] == {"member": {"id": newcomer.id, "name": "Newcomer", "role": "member", "ready": False}}
    assert await quiet(*sockets)


# 3. Every error code, through the socket


@dataclass
class ErrorCase:
    actor: Member
    frame: dict[str, Any] | str | bytes
    ref: str | None
    detail: dict[str, Any] = field(default_factory=dict)
    empty_bucket: bool = False


ERROR_CASES: dict[str, tuple[str, Callable[[Any], ErrorCase]]] = {}


def error_case(name: str, code: str):
    def register(fn):
        ERROR_CASES[name] = (code, fn)
        return fn

    return register


def op_frame(op: str, ref: Any = "e1", **fields: Any) -> dict[str, Any]:
    return {"op": op, "ref": ref, **fields}


@error_case("not JSON", "bad_request")
def _(room):
    return ErrorCase(room.member, '{"op": "member.ready", "ref": "e1", ', None)


@error_case("a JSON array", "bad_request")
def _(room):
    return ErrorCase(room.member, json.dumps([op_frame("member.ready", ready=True)]), None)


@error_case("a JSON string", "bad_request")
def _(room):
    return ErrorCase(room.member, '"member.ready"', None)


@error_case("a binary frame", "bad_request")
def _(room):
    return ErrorCase(room.member, json.dumps(op_frame("member.ready", ready=True)).encode(), None)


@error_case("unknown op", "bad_request")
def _(room):
    return ErrorCase(room.member, op_frame("item.fly", item=1), "e1", {"op": "item.fly"})


@error_case("op not a string", "bad_request")
def _(room):
    return ErrorCase(room.member, op_frame(7), "e1")


@error_case("missing field", "bad_request")
def _(room):
    return ErrorCase(room.member, op_frame("item.add", title="No lane"), "e1", {"field": "lane"})


@error_case("wrong type", "bad_request")
def _(room):
    frame = op_frame("item.add", lane=str(room.lanes[0].id), title="A lane id as text")
    return ErrorCase(room.member, frame, "e1", {"field": "lane"})


@error_case("boolean for an integer", "bad_request")
def _(room):
    return ErrorCase(room.facilitator, op_frame("timer.start", seconds=True), "e1", {"field": "seconds"})


@error_case("unknown field", "bad_request")
def _(room):
    return ErrorCase(room.member, op_frame("member.ready", ready=True, colour="red"), "e1", {"field": "colour"})


@error_case("missing ref", "bad_request")
def _(room):
    return ErrorCase(room.member, {"op": "member.ready", "ready": True}, None, {"field": "ref"})


@error_case("empty ref", "bad_request")
def _(room):
    return ErrorCase(room.member, op_frame("member.ready", "", ready=True), None, {"field": "ref"})


@error_case("ref of 65 characters", "bad_request")
def _(room):
    return ErrorCase(room.member, op_frame("member.ready", "r" * 65, ready=True), None, {"field": "ref"})


@error_case("ref not a string", "bad_request")
def _(room):
    return ErrorCase(room.member, op_frame("member.ready", 12, ready=True), None, {"field": "ref"})


@error_case("ref of 64 characters is kept", "bad_request")
def _(room):
    return ErrorCase(room.member, op_frame("member.ready", "r" * 64, ready="yes"), "r" * 64, {"field": "ready"})


@error_case("title of spaces", "invalid")
def _(room):
    return ErrorCase(room.member, op_frame("item.add", lane=room.lanes[0].id, title="   "), "e1", {"field": "title"})


@error_case("timer too short", "invalid")
def _(room):
    return ErrorCase(room.facilitator, op_frame("timer.start", seconds=5), "e1", {"field": "seconds"})


@error_case("score out of range", "invalid")
def _(room):
    set_phase(room.workshop, Phase.PLAN)
    send(room.workshop, room.facilitator, "confidence.open")
    return ErrorCase(room.member, op_frame("confidence.answer", score=6), "e1", {"field": "score"})


@error_case("member adds a lane", "forbidden")
def _(room):
    return ErrorCase(room.member, op_frame("lane.add", title="Mine"), "e1")


@error_case("observer adds an item", "forbidden")
def _(room):
    return ErrorCase(room.observer, op_frame("item.add", lane=room.lanes[0].id, title="Watching"), "e1")


@error_case("vote in gather", "phase")
def _(room):
    item = add_item(room.workshop, room.member)
    return ErrorCase(room.member, op_frame("vote.cast", item=item), "e1")


@error_case("no such item", "not_found")
def _(room):
    return ErrorCase(room.member, op_frame("item.claim", item=987654321), "e1")


@error_case("another workshop's lane", "not_found")
def _(room):
    lane = Lane.objects.exclude(workshop=room.workshop).first()
    if lane is None:  # pragma: no cover - the other workshop is made by the fixture
        raise AssertionError("no other workshop")
    return ErrorCase(room.member, op_frame("item.add", lane=lane.id, title="Elsewhere"), "e1")


@error_case("stale version", "conflict")
def _(room):
    item = add_item(room.workshop, room.member)
    send(room.workshop, room.facilitator, "item.edit", item=item, version=1, title="Edited first")
    current = item_payload(Item.objects.get(pk=item), room.workshop)
    return ErrorCase(room.member, op_frame("item.edit", item=item, version=1, title="Mine"), "e1", {"item": current})


@error_case("out of dots", "vote_budget")
def _(room):
    item = add_item(room.workshop, room.member)
    set_phase(room.workshop, Phase.VOTE)
    for _ in range(room.workshop.votes_per_member):
        send(room.workshop, room.member, "vote.cast", item=item)
    return ErrorCase(room.member, op_frame("vote.cast", item=item), "e1")


@error_case("agreeing with an unowned item", "unowned_items")
def _(room):
    owned, unowned = add_item(room.workshop, room.member), add_item(room.workshop, room.member)
    set_phase(room.workshop, Phase.PLAN)
    for item in (owned, unowned):
        send(room.workshop, room.facilitator, "item.status", item=item, status=ItemStatus.ACCEPTED)
    send(room.workshop, room.member, "item.claim", item=owned)
    return ErrorCase(room.facilitator, op_frame("phase.set", phase="agreed"), "e1", {"items": [unowned]})


@error_case("deleting a lane with items", "lane_not_empty")
def _(room):
    add_item(room.workshop, room.member, room.lanes[1])
    return ErrorCase(room.facilitator, op_frame("lane.delete", lane=room.lanes[1].id), "e1")


@error_case("the 21st lane", "limit")
def _(room):
    count = Lane.objects.filter(workshop=room.workshop).count()
    Lane.objects.bulk_create(Lane(workshop=room.workshop, title=f"Lane {n}", position=n) for n in range(count, 20))
    return ErrorCase(room.facilitator, op_frame("lane.add", title="One too many"), "e1")


@error_case("no tokens left", "rate_limited")
def _(room):
    return ErrorCase(room.member, op_frame("member.ready", ready=True), "e1", empty_bucket=True)


@error_case("an id beyond 64 bits", "not_found")
def _(room):
    return ErrorCase(room.member, op_frame("item.claim", item=2**63), "e1")


def test_every_error_code_has_a_socket_case():
    codes = {code for code, _ in ERROR_CASES.values()}
    assert codes == {
        "bad_request",
        "invalid",
        "forbidden",
        "phase",
        "not_found",
        "conflict",
        "vote_budget",
        "unowned_items",
        "lane_not_empty",
        "limit",
        "rate_limited",
    }


@pytest.mark.parametrize("name", sorted(ERROR_CASES))
async def test_an_error_reaches_the_sender_only_and_changes_nothing(room, other_workshop, connect, monkeypatch, name):
    code, arrange = ERROR_CASES[name]
    case = await run(arrange, room)
    if case.empty_bucket:
        monkeypatch.setattr(consumers, "TokenBucket", functools.partial(TokenBucket, burst=0, clock=lambda: 0.0))
    watcher = room.target
    sender, other = await connect_all(connect, room.workshop, case.actor, watcher)
    before = await run(board_state, room.workshop)

    if isinstance(case.frame, bytes):
        await sender.send_bytes(case.frame)
    elif isinstance(case.frame, str):
        await sender.send_text(case.frame)
    else:
        await sender.send_text(json.dumps(case.frame))
    (error,) = await sender.take(1, "ack", "event", "error")

    assert set(error) == ERROR_KEYS
    assert error["type"] == "error"
    assert (error["code"], error["ref"]) == (code, case.ref), error
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["detail"], dict)
    assert error["detail"].items() >= case.detail.items(), error["detail"]
    assert await quiet(sender, other), "a refused op sent something more, or reached someone else"
    assert await run(board_state, room.workshop) == before, "a refused op changed the board"
    assert sender.close_code is None


# 4. Resending a ref


async def test_the_sender_gets_its_ack_before_its_own_event(room, connect, monkeypatch):
    """The event is published on commit, before the op's outcome reaches the socket: it waits,
    and presence that comes meanwhile waits behind it."""
    real_queue = consumers.queue

    def slow_to_answer(*, future, **kwargs):
        inner = Future()

        def answer_late(done):
            time.sleep(0.2)  # the event has reached the room by now
            future.set_result(done.result())

        inner.add_done_callback(answer_late)
        real_queue(future=inner, **kwargs)

    monkeypatch.setattr(consumers, "queue", slow_to_answer)
    sender, watcher, leaving = await connect_all(connect, room.workshop, room.member, room.facilitator, room.observer)
    ref = await sender.send("item.add", lane=room.lanes[0].id, title="mine")
    (event,) = await watcher.take(1, "event")
    await leaving.close()  # its presence reaches the sender while the op is still on its way
    (presence,) = await watcher.take(1, "presence")
    ack = await sender.recv()
    assert ack == {"type": "ack", "ref": ref, "seq": event["seq"]}
    assert (await sender.recv()) == event
    assert (await sender.recv()) == presence, "presence overtook the event"


async def test_the_same_ref_twice_is_acked_twice_with_one_seq_and_applied_once(room, connect):
    sender, other = await connect_all(connect, room.workshop, room.member, room.target)
    before = await run(seq_of, room.workshop)
    frame = {"lane": room.lanes[0].id, "title": "Only once"}
    await sender.send("item.add", ref="twice", **frame)
    await sender.send("item.add", ref="twice", **frame)
    frames = await sender.take(3, "ack", "event", "error")
    acks = [f for f in frames if f["type"] == "ack"]
    assert acks == [{"type": "ack", "ref": "twice", "seq": before + 1}] * 2
    assert [f["seq"] for f in frames if f["type"] == "event"] == [before + 1]
    (event,) = await other.take(1, "event", "ack")
    assert event["ref"] == "twice"
    assert await quiet(sender, other)

    # after a reconnect, as the protocol's example has it
    await sender.close()
    await other.take(1, "presence")
    again = (await connect_all(connect, room.workshop, room.member))[0]
    await other.take(1, "presence")
    await again.send("item.add", ref="twice", **frame)
    assert await again.reply("twice") == {"type": "ack", "ref": "twice", "seq": before + 1}
    assert await quiet(again, other)
    assert await run(seq_of, room.workshop) == before + 1
    assert await run(Item.objects.filter(workshop=room.workshop, title="Only once").count) == 1


# 5. Frame size


def padded(frame: dict[str, Any], size: int) -> str:
    """`frame` as JSON text of exactly `size` bytes in UTF-8 (white space before the closing brace)."""
    text = json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
    missing = size - len(text.encode())
    assert missing >= 0
    text = text[:-1] + " " * missing + "}"
    assert len(text.encode()) == size
    return text


def oversized(room, kind: str) -> str:
    lane = room.lanes[0].id
    if kind == "long ASCII":
        return json.dumps({"op": "item.add", "ref": "big", "lane": lane, "title": "a" * (MAX_FRAME + 100)})
    if kind == "ASCII, one byte over":
        return padded({"op": "item.add", "ref": "big", "lane": lane, "title": "Fits"}, MAX_FRAME + 1)
    if kind == "6000 euro signs":  # 6,000 characters, 18,000 bytes
        text = json.dumps({"op": "item.add", "ref": "big", "lane": lane, "title": "€" * 6000}, ensure_ascii=False)
        assert len(text) < MAX_FRAME < len(text.encode())
        return text
    if kind == "UTF-8, one byte over":
        text = padded({"op": "item.add", "ref": "big", "lane": lane, "title": "T", "notes": "€" * 4000}, MAX_FRAME + 1)
        assert len(text) < MAX_FRAME
        return text
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["long ASCII", "ASCII, one byte over", "6000 euro signs", "UTF-8, one byte over"])
async def test_a_frame_over_16_kib_closes_the_socket_with_1009(room, connect, kind):
    sender, other = await connect_all(connect, room.workshop, room.member, room.target)
    before = await run(board_state, room.workshop)
    await sender.send_text(oversized(room, kind))
    assert await sender.closed() == 1009
    assert [f["type"] for f in sender.frames] == ["snapshot", "presence", "presence"], "no answer before the close"
    (presence,) = await other.take(1, "presence", "event")  # the closed socket left
    assert presence["online"] == [room.target.id]
    assert await other.nothing()
    assert await run(board_state, room.workshop) == before


@pytest.mark.parametrize("notes", ["", "€" * 4000], ids=["ASCII", "UTF-8"])
async def test_a_frame_of_exactly_16_kib_is_accepted(room, connect, notes):
    sender, other = await connect_all(connect, room.workshop, room.member, room.target)
    frame = {"op": "item.add", "ref": "full", "lane": room.lanes[0].id, "title": "Just fits", "notes": notes}
    await sender.send_text(padded(frame, MAX_FRAME))
    reply = await sender.reply("full")
    assert reply["type"] == "ack"
    (event,) = await other.take(1, "event")
    assert event["data"]["item"]["notes"] == notes


async def test_a_frame_of_exactly_16_kib_is_refused_only_for_its_content(room, connect):
    (sender,) = await connect_all(connect, room.workshop, room.member)
    frame = {"op": "item.add", "ref": "full", "lane": room.lanes[0].id, "title": ""}
    frame["title"] = "a" * (MAX_FRAME - len(json.dumps(frame, separators=(",", ":"))))
    await sender.send_text(padded(frame, MAX_FRAME))
    reply = await sender.reply("full")
    assert (reply["type"], reply["code"], reply["detail"]) == ("error", "invalid", {"field": "title"})
    assert sender.close_code is None


async def test_a_binary_frame_over_16_kib_closes_the_socket_with_1009(room, connect):
    (sender,) = await connect_all(connect, room.workshop, room.member)
    await sender.send_bytes(b" " * (MAX_FRAME + 1))
    try:
        frame = await sender.recv()
    except Closed:
        frame = None
    assert frame is None, f"answered instead of closed: {frame}"
    assert sender.close_code == 1009


# 6. Rate limit


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_a_burst_of_40_is_accepted_the_next_op_is_rate_limited_and_a_flood_is_closed(room, connect, monkeypatch):
    clock = FakeClock()
    # The consumer builds `TokenBucket()` with the real clock as a default argument; its module's
    # name is the only seam.
    monkeypatch.setattr(consumers, "TokenBucket", functools.partial(TokenBucket, clock=clock))
    sender, other = await connect_all(connect, room.workshop, room.member, room.target)
    start = await run(seq_of, room.workshop)

    refs = [await sender.send("member.ready", ready=n % 2 == 0) for n in range(BURST + 1)]
    replies = await sender.take(BURST + 1, "ack", "error")
    assert [(r["type"], r["ref"]) for r in replies[:BURST]] == [("ack", ref) for ref in refs[:BURST]]
    over = replies[BURST]
    assert (over["type"], over["code"], over["ref"]) == ("error", "rate_limited", refs[-1])
    await other.take(BURST, "event")
    await sender.caught_up(start + BURST)
    assert await other.nothing()
    assert await run(seq_of, room.workshop) == start + BURST

    # tokens come back at 20 a second: one and a half of them
    clock.now += 1.5 / OPS_PER_SECOND
    ref = await sender.send("member.ready", ready=True)
    assert (await sender.reply(ref))["type"] == "ack"
    ref = await sender.send("member.ready", ready=False)
    assert (await sender.reply(ref))["code"] == "rate_limited"

    # a client that keeps flooding is closed with 4429
    flood = [await sender.send("member.ready", ready=False) for _ in range(FLOOD_AFTER_REFUSALS + 5)]
    assert await sender.closed() == 4429
    refused = [f for f in sender.frames if f["type"] == "error" and f["ref"] in flood]
    assert all(f["code"] == "rate_limited" for f in refused)
    assert 1 <= len(refused) < len(flood)
    assert await run(seq_of, room.workshop) == start + BURST + 1
    await other.take(1, "event")  # the one op that a refilled token let through
    (presence,) = await other.take(1, "presence", "event")
    assert presence["online"] == [room.target.id]
    assert await other.nothing()


async def test_on_the_real_clock_a_burst_passes_and_a_flood_is_closed(room, connect):
    sender, other = await connect_all(connect, room.workshop, room.member, room.target)
    ops = [await sender.send("member.ready", ready=n % 2 == 0) for n in range(BURST)]
    # cheap frames (refused by the parser) that still count against the bucket
    for n in range(200):
        await sender.send_text(json.dumps({"op": "nope", "ref": f"flood{n}"}))
    assert await sender.closed(timeout=10) == 4429
    answers = {f["ref"]: f for f in sender.frames if f["type"] in ("ack", "error")}
    assert all(answers[ref]["type"] == "ack" for ref in ops), "the burst of 40 was not accepted"
    flood_codes = [f["code"] for f in sender.frames if f["type"] == "error" and f["ref"].startswith("flood")]
    assert set(flood_codes) <= {"bad_request", "rate_limited"}
    assert "rate_limited" in flood_codes
    events = await other.take(BURST, "event")
    assert [e["ref"] for e in events] == ops


async def test_a_flood_of_frames_that_are_not_json_is_closed_too(room, connect, monkeypatch):
    clock = FakeClock()
    monkeypatch.setattr(consumers, "TokenBucket", functools.partial(TokenBucket, clock=clock))
    (sender,) = await connect_all(connect, room.workshop, room.member)
    for _ in range(BURST + FLOOD_AFTER_REFUSALS + 5):
        await sender.send_text("not json at all")
    assert await sender.closed() == 4429
    codes = [f["code"] for f in sender.frames if f["type"] == "error"]
    assert codes[:BURST] == ["bad_request"] * BURST
    assert set(codes[BURST:]) == {"rate_limited"}


async def test_nothing_sent_after_an_oversized_frame_is_applied(room, connect):
    (sender,) = await connect_all(connect, room.workshop, room.member)
    start = await run(seq_of, room.workshop)
    await sender.send_text("x" * (16 * 1024 + 1))
    await sender.send("member.ready", ready=True)
    assert await sender.closed() == 1009
    assert await run(seq_of, room.workshop) == start


# 7. Removal


async def test_removing_a_member_closes_their_sockets_with_4403(room, connect):
    item = await run(add_item, room.workshop, room.member)
    await run(send, room.workshop, room.target, "item.claim", item=item)
    facilitator, phone, laptop, watcher = await connect_all(
        connect, room.workshop, room.facilitator, room.target, room.target, room.member
    )
    before = await run(seq_of, room.workshop)
    ref = await facilitator.send("member.remove", member=room.target.id)

    for device in (phone, laptop):
        assert await device.closed() == 4403
        names = [(f["type"], f.get("name")) for f in device.frames[device.frames.index(device.events()[0]) :]]
        assert names == [("event", "item.owners"), ("event", "member.removed")], names
        assert device.events()[-1]["data"] == {"member": room.target.id}
    for ws in (facilitator, watcher):
        events = await ws.take(2, "event")
        assert [(e["seq"], e["name"], e["ref"]) for e in events] == [
            (before + 1, "item.owners", ref),
            (before + 2, "member.removed", ref),
        ]
        # presence for the closed sockets (one frame, or one each), none with the removed member
        presences = await ws.presence_until(sorted([room.facilitator.id, room.member.id]), most=2)
        assert all(room.target.id not in p["online"] for p in presences)
    assert (await facilitator.reply(ref))["seq"] == before + 2
    assert await watcher.nothing()

    again = await connect(room.workshop, room.target)
    if again.accepted:
        assert await again.closed() == 4404
    assert again.frames == []


async def test_a_member_removed_while_connecting_is_closed_without_data(room, connect, monkeypatch):
    real_catch_up = consumers.catch_up

    def removed_meanwhile(workshop_id, member_id, since):
        send(room.workshop, room.facilitator, "member.remove", member=member_id)
        return real_catch_up(workshop_id, member_id, since)

    monkeypatch.setattr(consumers, "catch_up", removed_meanwhile)
    ws = await connect(room.workshop, room.target)
    if ws.accepted:
        assert await ws.closed() in (4403, 4404)
    assert [f for f in ws.frames if f["type"] in ("snapshot", "replay")] == []


# 8. Presence


async def test_presence_follows_sockets_coming_and_going(room, connect):
    first = await connect(room.workshop, room.member)
    assert (await first.recv())["type"] == "snapshot"
    assert await first.recv() == {"type": "presence", "online": [room.member.id]}

    second = await connect(room.workshop, room.target)
    snap = await second.recv()
    assert snap["type"] == "snapshot"
    assert room.member.id in snap["online"]
    both = sorted([room.member.id, room.target.id])
    assert await second.recv() == {"type": "presence", "online": both}
    assert await first.recv() == {"type": "presence", "online": both}

    # a second device of the same member changes nobody's presence
    device = await connect(room.workshop, room.member)
    assert (await device.recv())["type"] == "snapshot"
    for ws in (first, second, device):
        assert await ws.recv() == {"type": "presence", "online": both}
    await device.close()
    for ws in (first, second):
        assert await ws.recv() == {"type": "presence", "online": both}

    await first.close()
    assert await second.recv() == {"type": "presence", "online": [room.target.id]}
    assert await second.nothing()
    assert await run(Connection.objects.filter(member=room.member).count) == 0


# 9. Reconnecting with since


async def test_since_replays_exactly_the_missed_events_with_this_members_private_parts(room, connect):
    a = await run(add_item, room.workshop, room.member, title="a")
    b = await run(add_item, room.workshop, room.target, title="b")
    await run(set_phase, room.workshop, Phase.VOTE)
    away, phone, facilitator = await connect_all(connect, room.workshop, room.member, room.member, room.facilitator)
    old = away.frames[0]
    since = old["seq"]
    await away.close()
    await phone.take(1, "presence")
    await facilitator.take(1, "presence")

    steps = [
        (phone, "vote.cast", {"item": a}),
        (phone, "vote.cast", {"item": a}),
        (phone, "vote.cast", {"item": b}),
        (phone, "vote.retract", {"item": b}),
        (facilitator, "phase.set", {"phase": "plan"}),
        (facilitator, "confidence.open", {}),
        (phone, "confidence.answer", {"score": 4}),
        (facilitator, "item.status", {"item": a, "status": "accepted"}),
        (phone, "item.claim", {"item": a}),
        (facilitator, "timer.start", {"seconds": 120}),
        (facilitator, "lane.rename", {"lane": room.lanes[2].id, "title": "Someday"}),
    ]
    for ws, op, fields in steps:
        ref = await ws.send(op, **fields)
        assert (await ws.reply(ref))["type"] == "ack"
    now = await run(seq_of, room.workshop)

    back = await connect(room.workshop, room.member, since=since)
    first = await back.recv()
    assert first["type"] == "replay"
    assert set(first) == {"type", "events"}
    events = first["events"]
    assert [e["seq"] for e in events] == list(range(since + 1, now + 1))
    assert all(set(e) == EVENT_KEYS and e["type"] == "event" for e in events)
    assert events == await run(frames_since, room.workshop, since, room.member.id)
    votes = [e for e in events if e["name"] == "vote.changed"]
    assert [(e["data"]["item"], e["data"]["dots"]) for e in votes] == [(a, 1), (a, 2), (b, 1), (b, 0)]
    (answered,) = [e for e in events if e["name"] == "confidence.changed" and "score" in e["data"]]
    assert answered["data"]["score"] == 4
    assert (await back.recv())["type"] == "presence"

    # the old snapshot plus the replay is a fresh snapshot
    state = reduce(state_of(old), events, room.member.id)
    reload = await connect(room.workshop, room.member)
    assert state == state_of(await reload.recv())

    # and live events carry on from there
    ref = await facilitator.send("timer.stop")
    (event,) = await back.take(1, "event")
    assert (event["seq"], event["ref"]) == (now + 1, ref)
    assert back.gaps == []


SINCE_WITHOUT_REPLAY = {
    "beyond the current seq": "ahead",
    "not a number": "since=abc",
    "negative": "since=-1",
    "a fraction": "since=1.5",
    "empty": "since=",
    "given twice": "since=1&since=2",
    "with a space": "since=%201",
    "a superscript digit": "since=%C2%B2",  # str.isdigit() but not int()
    "5000 digits": "since=" + "9" * 5000,  # beyond int()'s 4300 digits
}


@pytest.mark.parametrize("case", list(SINCE_WITHOUT_REPLAY))
async def test_a_since_that_cannot_be_replayed_gives_a_snapshot(room, connect, case):
    query = SINCE_WITHOUT_REPLAY[case]
    for title in "ab":
        await run(add_item, room.workshop, room.member, title=title)
    now = await run(seq_of, room.workshop)
    if query == "ahead":
        query = f"since={now + 1}"
    ws = await connect(room.workshop, room.member, query=query)
    assert ws.accepted
    first = await ws.recv()
    assert first["type"] == "snapshot"
    assert first["seq"] == now
    assert state_of(first) == await run(fresh_state, room.workshop.id, room.member.id)


@pytest.mark.parametrize(("missed", "expected"), [(3, "replay"), (4, "snapshot")])
async def test_more_missed_events_than_the_replay_limit_give_a_snapshot(room, connect, monkeypatch, missed, expected):
    monkeypatch.setattr(snapshot, "REPLAY_LIMIT", 3)
    since = await run(seq_of, room.workshop)
    for n in range(missed):
        await run(add_item, room.workshop, room.member, title=f"Item {n}")
    ws = await connect(room.workshop, room.member, since=since)
    first = await ws.recv()
    assert first["type"] == expected
    if expected == "replay":
        assert [e["seq"] for e in first["events"]] == list(range(since + 1, since + missed + 1))
    else:
        assert first["seq"] == since + missed


async def test_since_the_current_seq_replays_nothing_and_live_events_follow(room, connect):
    await run(add_item, room.workshop, room.member)
    now = await run(seq_of, room.workshop)
    ws = await connect(room.workshop, room.member, since=now)
    assert await ws.recv() == {"type": "replay", "events": []}
    assert (await ws.recv())["type"] == "presence"
    await run(add_item, room.workshop, room.target)
    (event,) = await ws.take(1, "event")
    assert event["seq"] == now + 1


async def test_since_with_a_missing_event_in_the_log_gives_a_snapshot(room, connect):
    since = await run(seq_of, room.workshop)
    for title in "abc":
        await run(add_item, room.workshop, room.member, title=title)
    await run(Event.objects.filter(workshop=room.workshop, seq=since + 2).delete)
    ws = await connect(room.workshop, room.member, since=since)
    first = await ws.recv()
    assert first["type"] == "snapshot"
    assert first["seq"] == since + 3


# 10. No event falls between subscribing and the snapshot


@pytest.mark.parametrize("others", [0, 1], ids=["first in the room", "joining a room already live"])
async def test_events_committed_while_connecting_are_in_the_snapshot_or_sent_after_it(
    room, connect, monkeypatch, others
):
    """Deterministic: one op commits in each window of connect(). A socket joining a room
    that already has sockets in this process is handed events before its snapshot is sent."""
    watchers = await connect_all(connect, room.workshop, *[room.facilitator] * others)
    real_membership, real_catch_up = consumers.membership, consumers.catch_up
    titles = iter(["before subscribing", "after subscribing", "after the read"])

    def add(title):
        add_item(room.workshop, room.facilitator, title=title)

    def membership(*args, **kwargs):
        found = real_membership(*args, **kwargs)
        add(next(titles))  # committed before group_add: only the snapshot can have it
        return found

    def catch_up(*args, **kwargs):
        add(next(titles))  # subscribed already: in the snapshot *and* published; must not come twice
        result = real_catch_up(*args, **kwargs)
        add(next(titles))  # after the read: only the group can bring it
        return result

    monkeypatch.setattr(consumers, "membership", membership)
    monkeypatch.setattr(consumers, "catch_up", catch_up)
    start = await run(seq_of, room.workshop)
    ws = await connect(room.workshop, room.member)
    first = await ws.recv()
    assert first["type"] == "snapshot"
    assert first["seq"] == start + 2
    await ws.caught_up(start + 3)
    assert [e["seq"] for e in ws.events()] == [start + 3], "an event was lost or sent twice"
    assert ws.events()[0]["data"]["item"]["title"] == "after the read"
    await ws.take(1, "presence")
    assert await ws.nothing()
    for watcher in watchers:
        await watcher.caught_up(start + 3)
        assert [e["seq"] for e in watcher.events()] == [start + 1, start + 2, start + 3]
    assert reduce(state_of(first), ws.events(), room.member.id) == await run(
        fresh_state, room.workshop.id, room.member.id
    )


async def test_presence_that_arrives_while_connecting_waits_for_the_snapshot(room, connect, monkeypatch):
    """The room hands presence to a socket that is still reading its snapshot: it must not go first."""
    (watcher,) = await connect_all(connect, room.workshop, room.facilitator)
    reading, go_on = threading.Event(), threading.Event()
    real_catch_up = consumers.catch_up

    def held_catch_up(*args, **kwargs):
        reading.set()
        go_on.wait(5)
        return real_catch_up(*args, **kwargs)

    monkeypatch.setattr(consumers, "catch_up", held_catch_up)
    ws = await connect(room.workshop, room.member)
    await asyncio.to_thread(reading.wait, 5)
    monkeypatch.setattr(consumers, "catch_up", real_catch_up)
    other = await connect(room.workshop, room.observer)
    assert (await other.recv())["type"] == "snapshot"
    (presence,) = await watcher.take(1, "presence")
    assert room.observer.id in presence["online"]
    go_on.set()
    first = await ws.recv()
    assert first["type"] == "snapshot", f"{first['type']} was sent before the snapshot"
    (presence,) = await ws.take(1, "presence")
    assert {room.facilitator.id, room.member.id, room.observer.id} <= set(presence["online"])
    assert await ws.nothing()


async def test_sockets_connecting_during_a_stream_of_changes_lose_nothing(room, connect):
    """Concurrent: ops commit on another thread while three sockets connect."""
    count = 25

    def writer():
        for n in range(count):
            add_item(room.workshop, room.facilitator, room.lanes[n % 3], title=f"Streamed {n}")

    start = await run(seq_of, room.workshop)
    viewers = [room.member, room.target, room.observer]
    writing = asyncio.ensure_future(database_sync_to_async(writer, thread_sensitive=False)())
    sockets = []
    for viewer in viewers:
        sockets.append(await connect(room.workshop, viewer))
        await asyncio.sleep(0)
    await writing
    end = await run(seq_of, room.workshop)
    assert end == start + count
    for viewer, ws in zip(viewers, sockets, strict=True):
        assert ws.accepted
        first = await ws.recv()
        assert first["type"] == "snapshot"
        await ws.caught_up(end)
        seqs = [e["seq"] for e in ws.events()]
        assert seqs == list(range(first["seq"] + 1, end + 1)), f"not gapless from the snapshot: {seqs}"
        assert ws.gaps == []
        state = reduce(state_of(first), ws.events(), viewer.id)
        assert state == await run(fresh_state, room.workshop.id, viewer.id)


# 11. Fan-out encodes once


@pytest.mark.parametrize("action", ["item.add", "vote.cast", "item.delete with two voters"])
async def test_an_event_is_encoded_once_for_every_socket(room, connect, monkeypatch, action):
    item = await run(add_item, room.workshop, room.member)
    if action == "vote.cast":
        await run(set_phase, room.workshop, Phase.VOTE)
    if action == "item.delete with two voters":
        await run(set_phase, room.workshop, Phase.VOTE)
        for voter in (room.member, room.target):
            await run(send, room.workshop, voter, "vote.cast", item=item)
        await run(set_phase, room.workshop, Phase.PLAN)
    everyone = [room.leader, room.facilitator, room.member, room.observer, room.target]
    sockets = await connect_all(connect, room.workshop, *everyone)
    before = await run(seq_of, room.workshop)

    calls = []
    real_encode = broadcast.encode

    def counting_encode(frame):
        calls.append(frame)
        return real_encode(frame)

    monkeypatch.setattr(broadcast, "encode", counting_encode)
    actor = sockets[2]
    if action == "item.add":
        ref = await actor.send("item.add", lane=room.lanes[0].id, title="Once")
    elif action == "vote.cast":
        ref = await actor.send("vote.cast", item=item)
    else:
        ref = await actor.send("item.delete", item=item)
    assert (await actor.reply(ref))["type"] == "ack"
    after = await run(seq_of, room.workshop)
    for ws in sockets:
        await ws.caught_up(after)
        assert [e["seq"] for e in ws.events()] == list(range(before + 1, after + 1))

    logged = await run(lambda: list(Event.objects.filter(workshop=room.workshop, seq__gt=before)))
    expected = sum(1 + (event.private is not None) for event in logged)
    assert len(calls) == expected, f"{len(calls)} encodings for {len(logged)} events and {len(sockets)} sockets"
    assert all(frame["type"] == "event" for frame in calls)


# 12. A message the channel layer drops shows as a gap in seq


def lose_published(monkeypatch, seqs: set[int]) -> Any:
    """The layer dropping the events with these seqs, as a full channel, an expired group
    membership or a process that died between its commit and its publish would; returns the
    real `group_send`, to put back."""
    layer = get_channel_layer()
    real_group_send = layer.group_send

    async def lossy_group_send(group, message):
        if message["type"] == "workshop.events" and any(frame["seq"] in seqs for frame in message["frames"]):
            return
        await real_group_send(group, message)

    monkeypatch.setattr(layer, "group_send", lossy_group_send)
    return real_group_send


async def test_a_dropped_message_is_read_from_the_log_and_sent_in_order(room, connect, monkeypatch):
    viewer, facilitator = await connect_all(connect, room.workshop, room.member, room.facilitator)
    old = viewer.frames[0]
    start = old["seq"]
    lose_published(monkeypatch, {start + 2})
    for title in ("one", "two", "three"):
        ref = await facilitator.send("item.add", lane=room.lanes[0].id, title=title)
        assert (await facilitator.reply(ref))["type"] == "ack"
    await viewer.caught_up(start + 3)
    assert [e["seq"] for e in viewer.events()] == [start + 1, start + 2, start + 3]
    assert viewer.gaps == []
    assert reduce(state_of(old), viewer.events(), room.member.id) == await run(
        fresh_state, room.workshop.id, room.member.id
    )


async def test_events_published_out_of_order_are_sent_in_seq_order(room, connect, monkeypatch):
    viewer, facilitator = await connect_all(connect, room.workshop, room.member, room.facilitator)
    start = viewer.frames[0]["seq"]
    committed: list[list] = []
    # Hold what is committed instead of publishing it, then publish it swapped: what happens when
    # another process's publish of the earlier event lands after ours.
    monkeypatch.setattr(broadcast, "publish", lambda workshop_id, events: committed.append(events))
    for title in ("first", "second"):
        ref = await facilitator.send("item.add", lane=room.lanes[0].id, title=title)
        assert (await facilitator.reply(ref))["type"] == "ack"
    assert [[event.seq for event in events] for events in committed] == [[start + 1], [start + 2]]
    layer = get_channel_layer()
    for events in reversed(committed):
        await layer.group_send(broadcast.workshop_group(room.workshop.id), broadcast.group_message(events))
    await viewer.caught_up(start + 2)
    assert [e["seq"] for e in viewer.events()] == [start + 1, start + 2]
    assert viewer.gaps == []


async def test_an_op_the_database_fails_is_not_acked_and_applies_once_when_resent(room, connect, monkeypatch):
    sender = await connect(room.workshop, room.member)
    await sender.recv()  # snapshot
    before = await run(fresh_state, room.workshop.id, room.member.id)
    real_queue = consumers.queue

    def database_gone(**kwargs):
        raise OperationalError("the connection to the server was lost")

    monkeypatch.setattr(consumers, "queue", database_gone)
    ref = await sender.send("item.add", lane=room.lanes[0].id, title="kept for later")
    assert await sender.closed() == 1011
    assert not [f for f in sender.frames if f["type"] in ("ack", "error")]
    assert await run(fresh_state, room.workshop.id, room.member.id) == before

    monkeypatch.setattr(consumers, "queue", real_queue)
    back = await connect(room.workshop, room.member, since=before["seq"])
    await back.recv()  # replay of nothing
    for _ in range(2):  # the client resends, and may resend again after another drop
        await back.send("item.add", ref=ref, lane=room.lanes[0].id, title="kept for later")

    def answers() -> list[dict]:
        return [f for f in back.frames if f["type"] in ("ack", "error") and f.get("ref") == ref]

    await back.until(lambda frame: len(answers()) == 2)
    assert answers() == [{"type": "ack", "ref": ref, "seq": before["seq"] + 1}] * 2
    titles = [item["title"] for item in (await run(fresh_state, room.workshop.id, room.member.id))["items"]]
    assert titles.count("kept for later") == 1


async def test_a_dropped_last_message_is_filled_by_the_heartbeat(room, connect, monkeypatch):
    monkeypatch.setattr(consumers, "HEARTBEAT_SECONDS", 0.2)
    viewer, facilitator = await connect_all(connect, room.workshop, room.member, room.facilitator)
    old = viewer.frames[0]
    start = old["seq"]
    lose_published(monkeypatch, {start + 1})
    ref = await facilitator.send("item.add", lane=room.lanes[0].id, title="the only one")
    assert (await facilitator.reply(ref))["type"] == "ack"
    await viewer.caught_up(start + 1)
    assert [e["seq"] for e in viewer.events()] == [start + 1]
    assert viewer.events()[0]["data"]["item"]["title"] == "the only one"
    assert viewer.gaps == []
    assert reduce(state_of(old), viewer.events(), room.member.id) == await run(
        fresh_state, room.workshop.id, room.member.id
    )


async def test_a_dropped_last_message_is_filled_by_reconnecting_with_since(room, connect, monkeypatch):
    viewer, facilitator = await connect_all(connect, room.workshop, room.member, room.facilitator)
    old = viewer.frames[0]
    start = old["seq"]
    real_group_send = lose_published(monkeypatch, {start + 2})
    for title in ("one", "two"):
        ref = await facilitator.send("item.add", lane=room.lanes[0].id, title=title)
        assert (await facilitator.reply(ref))["type"] == "ack"
    await viewer.caught_up(start + 1)
    assert await viewer.nothing()  # nothing later shows the loss: the client's ack timer or a reconnect does
    state = reduce(state_of(old), viewer.events(), room.member.id)

    monkeypatch.setattr(get_channel_layer(), "group_send", real_group_send)
    await viewer.close()
    back = await connect(room.workshop, room.member, since=start + 1)
    first = await back.recv()
    assert first["type"] == "replay"
    assert [e["seq"] for e in first["events"]] == [start + 2]
    state = reduce(state, first["events"], room.member.id)
    assert state == await run(fresh_state, room.workshop.id, room.member.id)
