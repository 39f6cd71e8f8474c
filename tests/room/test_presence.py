"""Presence in a big room (issue 25): who came and went, gathered, without the whole list for all.

A socket may ask for presence as changes (`?presence=changes`): it gets `came` and `went` instead of
the whole online list after every join and leave. Every room gathers the comings and goings of
PRESENCE_GATHER_SECONDS into one frame and reads who is online when it sends.
"""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from channels.layers import get_channel_layer

from core import clock
from goals.models import Role
from live.broadcast import workshop_group
from live.models import Connection
from live.presence import PRESENCE_TIMEOUT, online_member_ids
from live.rooms import PRESENCE_GATHER_SECONDS, room_of
from room import consumers
from tests.planning.ws import Ws, run

pytestmark = pytest.mark.django_db(transaction=True)

CHANGES = "presence=changes"


def applied(online: set[int], frame: dict[str, Any]) -> set[int]:
    return (online | set(frame["came"])) - set(frame["went"])


async def test_a_socket_that_asks_for_changes_is_told_who_came_and_went(room, connect):
    watcher = await connect(room.workshop, room.member, query=CHANGES)
    snapshot = await watcher.recv()
    assert snapshot["type"] == "snapshot"
    assert snapshot["online"] == [room.member.id], "the joiner alone gets the whole list, in its snapshot"
    assert await watcher.recv() == {"type": "presence", "came": [room.member.id], "went": []}

    other = await connect(room.workshop, room.target)  # takes the whole list, as protocol §4 has it
    assert (await other.recv())["type"] == "snapshot"
    both = sorted([room.member.id, room.target.id])
    assert await other.recv() == {"type": "presence", "online": both}
    assert await watcher.recv() == {"type": "presence", "came": [room.target.id], "went": []}

    await other.close()
    assert await watcher.recv() == {"type": "presence", "came": [], "went": [room.target.id]}
    assert await watcher.nothing()


async def test_a_member_with_another_socket_open_has_not_gone(room, connect):
    watcher = await connect(room.workshop, room.member, query=CHANGES)
    await watcher.take(1, "presence")
    phone = await connect(room.workshop, room.target, query=CHANGES)
    laptop = await connect(room.workshop, room.target, query=CHANGES)
    for ws in (phone, laptop):
        assert (await ws.recv())["type"] == "snapshot"
    online = {room.member.id}
    while online != {room.member.id, room.target.id}:
        online = applied(online, (await watcher.take(1, "presence"))[0])
    await laptop.close()
    frame = (await watcher.take(1, "presence"))[0]
    assert frame == {"type": "presence", "came": [room.target.id], "went": []}, "still online, on the phone"


async def test_a_rush_of_joins_is_gathered_and_ends_with_everyone_online(room, connect, join):
    """Forty people join at once: a watcher gets a few frames, each no bigger than what changed,
    never one per join, and in the end sees exactly who the server has online."""
    people = [await run(join, Role.MEMBER, f"Rush {n}") for n in range(40)]
    watcher = await connect(room.workshop, room.member, query=CHANGES)
    await watcher.take(1, "presence")
    lister = await connect(room.workshop, room.leader)
    assert (await lister.recv())["type"] == "snapshot"
    await lister.take(1, "presence")
    await watcher.take(1, "presence")

    started = time.monotonic()
    sockets: list[Ws] = await asyncio.gather(*(connect(room.workshop, person, query=CHANGES) for person in people))
    for ws in sockets:
        assert (await ws.recv())["type"] == "snapshot"
    everyone = {room.member.id, room.leader.id, *(person.id for person in people)}

    online = {room.member.id, room.leader.id}
    frames: list[dict[str, Any]] = []
    while online != everyone:
        frames.extend(await watcher.take(1, "presence"))
        assert "online" not in frames[-1], "a socket that asked for changes never gets the whole list"
        online = applied(online, frames[-1])
    took = time.monotonic() - started
    assert len(frames) < len(people), f"{len(frames)} frames for {len(people)} joins: not gathered"
    assert len(frames) <= took / PRESENCE_GATHER_SECONDS + 2, "more often than once per gathering time"
    assert online == set(await run(online_member_ids, room.workshop.id))

    lists = []
    while not lists or set(lists[-1]["online"]) != everyone:
        lists.extend(await lister.take(1, "presence"))
    assert len(lists) < len(people), "the whole list went out once per join"
    for ws in sockets:
        assert all("online" not in frame for frame in ws.frames if frame["type"] == "presence")


async def test_a_member_whose_process_died_is_seen_to_go_once_their_row_is_old(room, connect):
    """A killed process says nothing: its sockets' rows stop counting after PRESENCE_TIMEOUT, and
    the room's sweep (every PRESENCE_SWEEP_SECONDS, from the sockets' heartbeat) tells everyone."""
    watcher = await connect(room.workshop, room.member, query=CHANGES)
    lister = await connect(room.workshop, room.leader)
    for ws in (watcher, lister):
        await ws.take(1, "snapshot")
    # Another process's socket for the target, announced as that process would.
    await run(
        lambda: Connection.objects.create(
            workshop=room.workshop, member=room.target, channel_name="elsewhere!dead", session_hash=""
        )
    )
    layer = get_channel_layer()
    await layer.group_send(workshop_group(room.workshop.id), {"type": "workshop.presence", "members": [room.target.id]})
    everyone = sorted([room.member.id, room.leader.id, room.target.id])
    await lister.presence_until(everyone, most=3)
    online = {room.member.id}
    while online != set(everyone):
        online = applied(online, (await watcher.take(1, "presence"))[0])

    the_room = room_of(room.workshop.id, layer)
    await the_room.sweep_presence()  # the first sweep learns who is online
    assert await watcher.nothing(), "nothing changed, nothing sent"
    old = clock.now() - PRESENCE_TIMEOUT - timedelta(seconds=1)
    await run(lambda: Connection.objects.filter(channel_name="elsewhere!dead").update(seen_at=old))
    await the_room.sweep_presence()
    assert await watcher.recv() == {"type": "presence", "came": [], "went": [room.target.id]}
    assert await lister.recv() == {"type": "presence", "online": sorted([room.member.id, room.leader.id])}


async def test_presence_sent_while_a_socket_reads_its_snapshot_waits_for_it(room, connect, monkeypatch):
    """A frame the room sends between a socket's joining and its snapshot is held, not dropped."""
    watcher = await connect(room.workshop, room.member, query=CHANGES)
    await watcher.take(1, "presence")
    release = threading.Event()
    reading = threading.Event()
    real_catch_up = consumers.catch_up

    def slow_catch_up(*args: Any) -> Any:
        reading.set()
        release.wait(5)
        return real_catch_up(*args)

    monkeypatch.setattr(consumers, "catch_up", slow_catch_up)
    joining = asyncio.create_task(connect(room.workshop, room.leader, query=CHANGES))
    await asyncio.to_thread(reading.wait, 5)
    await run(
        lambda: Connection.objects.create(
            workshop=room.workshop, member=room.target, channel_name="elsewhere!alive", session_hash=""
        )
    )
    layer = get_channel_layer()
    await layer.group_send(workshop_group(room.workshop.id), {"type": "workshop.presence", "members": [room.target.id]})
    assert await watcher.recv() == {"type": "presence", "came": [room.target.id], "went": []}
    release.set()
    late = await joining
    assert (await late.recv())["type"] == "snapshot"
    assert await late.recv() == {"type": "presence", "came": [room.target.id], "went": []}, "held, then sent"
