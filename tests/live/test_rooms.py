"""live.rooms: one subscription per workshop per process, handing each message to every local socket."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import get_channel_layer

from live import rooms
from live.broadcast import workshop_group
from live.rooms import room_of
from room import consumers
from tests.planning.helpers import add_item
from tests.planning.ws import Ws, connect_all, run

pytestmark = pytest.mark.django_db(transaction=True)


class FakeSocket:
    def __init__(self, *, fails: bool = False, presence_changes: bool = False) -> None:
        self.fails = fails
        self.presence_changes = presence_changes
        self.events: list[list[dict[str, Any]]] = []
        self.presence: list[str] = []
        self.arrived = asyncio.Event()

    async def take_events(self, frames: list[dict[str, Any]]) -> None:
        self.arrived.set()
        if self.fails:
            raise RuntimeError("this socket is broken")
        self.events.append(frames)

    async def take_presence(self, text: str) -> None:
        self.arrived.set()
        self.presence.append(text)


def events_message(seq: int) -> dict[str, Any]:
    return {"type": "workshop.events", "frames": [{"seq": seq, "text": "{}", "private": None, "removed": None}]}


async def leave_all(room: rooms.Room, *sockets: FakeSocket) -> None:
    """Leave, and let the subscription's end run before the test's event loop closes."""
    listener = room.listener
    for socket in sockets:
        await room.leave(socket)
    if listener is not None:
        await asyncio.wait({listener}, timeout=3)


async def arrival(*sockets: FakeSocket) -> None:
    await asyncio.wait_for(asyncio.gather(*(socket.arrived.wait() for socket in sockets)), 3)
    for socket in sockets:
        socket.arrived.clear()


async def test_every_local_socket_gets_each_message_even_when_one_of_them_fails():
    layer = get_channel_layer()
    room = room_of("w-one-room", layer)
    broken, first, second = FakeSocket(fails=True), FakeSocket(), FakeSocket(presence_changes=True)
    for socket in (broken, first, second):
        await room.join(socket)
    assert room_of("w-one-room", layer) is room
    await layer.group_send(workshop_group("w-one-room"), events_message(1))
    await arrival(first, second)
    # Presence names whose sockets changed; who is online is read when it is sent (nobody, here).
    await layer.group_send(workshop_group("w-one-room"), {"type": "workshop.presence", "members": [7]})
    await arrival(first, second)
    await asyncio.sleep(0.05)
    assert first.events == second.events == [events_message(1)["frames"]]
    assert first.presence == ['{"type":"presence","online":[]}']
    assert second.presence == ['{"type":"presence","came":[],"went":[7]}']
    await leave_all(room, broken, first, second)


async def test_the_last_socket_to_leave_ends_the_subscription():
    layer = get_channel_layer()
    room = room_of("w-leaving", layer)
    staying, leaving = FakeSocket(), FakeSocket()
    await room.join(staying)
    await room.join(leaving)
    listener = room.listener
    await room.leave(leaving)
    await layer.group_send(workshop_group("w-leaving"), events_message(1))
    await arrival(staying)
    assert leaving.events == []

    await room.leave(staying)
    assert listener is not None
    await asyncio.wait({listener}, timeout=3)
    assert listener.done()
    assert room.channel is None
    assert room_of("w-leaving", layer) is not room, "a room nobody is in is forgotten"
    await layer.group_send(workshop_group("w-leaving"), events_message(2))
    await asyncio.sleep(0.1)
    assert staying.events == [events_message(1)["frames"]]


async def test_a_workshop_is_received_once_per_process_however_many_sockets_it_has(room, connect, monkeypatch):
    layer = get_channel_layer()
    received: list[str] = []
    real_receive = layer.receive

    async def counted(channel: str) -> dict[str, Any]:
        message = await real_receive(channel)
        received.append(message["type"])
        return message

    monkeypatch.setattr(layer, "receive", counted)
    sockets = await connect_all(connect, room.workshop, room.facilitator, room.member, room.observer)
    received.clear()
    await run(add_item, room.workshop, room.facilitator, title="once")
    for ws in sockets:
        (event,) = await ws.take(1, "event")
        assert event["data"]["item"]["title"] == "once"
    assert received.count("workshop.events") == 1


async def test_a_room_that_cannot_receive_keeps_trying(monkeypatch):
    layer = get_channel_layer()
    monkeypatch.setattr(rooms, "RETRY_SECONDS", 0.01)
    failures = iter([ConnectionError("Redis went away")] * 2)
    real_receive = layer.receive

    async def flaky(channel: str) -> dict[str, Any]:
        for failure in failures:
            raise failure
        return await real_receive(channel)

    monkeypatch.setattr(layer, "receive", flaky)
    room = room_of("w-flaky", layer)
    socket = FakeSocket()
    await room.join(socket)
    await layer.group_send(workshop_group("w-flaky"), events_message(1))
    await arrival(socket)
    assert socket.events == [events_message(1)["frames"]]
    await leave_all(room, socket)


async def test_a_socket_whose_consumer_crashed_leaves_its_room(room, monkeypatch):
    """`disconnect` never runs for a consumer that raised: the room must not keep handing it events."""

    def broken_catch_up(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("the database went away mid-read")

    monkeypatch.setattr(consumers, "catch_up", broken_catch_up)
    ws = await Ws.open(room.workshop.id, room.member)
    assert ws.accepted
    with pytest.raises(RuntimeError, match="went away"):
        await ws.communicator.wait(timeout=3)
    for _ in range(100):
        left = rooms._rooms.get(asyncio.get_running_loop(), {}).get(room.workshop.id)
        if left is None:
            break
        await asyncio.sleep(0.01)
    assert left is None, f"the room still holds {left.sockets}"
