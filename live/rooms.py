"""A workshop's sockets in this process, fed by one subscription to its group.

Channels hands a group message to every subscribed channel: a queue put, a
decode and a wake-up of that socket's task per socket, which in a 500-member
room was most of a process's time. A room subscribes once per process instead,
receives each message once and passes the already encoded text to each local
socket in one pass of the event loop. The channel layer still carries every
message between processes, so the order and the guarantees are the layer's.

Presence is gathered: a message says only whose sockets came or went, and the room sends at once
when it has not sent for PRESENCE_GATHER_SECONDS, else once that long after it last did, reading
who is online then. A thousand members joining at twenty a second cost each socket a few frames a
second instead of one per join, and no one but a joiner (in its snapshot) is sent the whole list
unless its socket asked for the list (protocol §4's `presence` frame without `?presence=changes`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from typing import Any, Protocol

from channels.layers import BaseChannelLayer

from live.broadcast import encode, workshop_group
from live.database import in_database_thread
from live.presence import presence_now

logger = logging.getLogger(__name__)

# After the layer failed to receive (Redis gone): wait this long before trying again.
RETRY_SECONDS = 1.0
# Every socket's heartbeat asks the room to renew its subscription; once in this long is enough.
REFRESH_SECONDS = 10.0
# Presence goes out at most once in this long: soon enough for a person, few frames in a join rush.
PRESENCE_GATHER_SECONDS = 0.25
# A socket of a killed process leaves no message, only a row that stops counting once it is old
# (live.presence.PRESENCE_TIMEOUT): each room compares who is online with what it last said this often.
PRESENCE_SWEEP_SECONDS = 30.0


class Socket(Protocol):
    async def take_events(self, frames: list[dict[str, Any]]) -> None: ...

    async def take_presence(self, text: str) -> None: ...

    # Whether the socket takes presence as changes (`came`, `went`) rather than the whole list.
    presence_changes: bool


class Room:
    def __init__(self, workshop_id: str, layer: BaseChannelLayer) -> None:
        self.workshop_id = workshop_id
        self.group = workshop_group(workshop_id)
        self.layer = layer
        self.sockets: set[Socket] = set()
        self.channel: str | None = None
        self.listener: asyncio.Task[None] | None = None
        self.subscribed = asyncio.Lock()
        self.refreshed_at = 0.0
        self.presence_members: set[int] = set()
        self.presence_sender: asyncio.Task[None] | None = None
        self.presence_sent_at = -PRESENCE_GATHER_SECONDS
        # Who this room last knew to be online (None until its first sweep), and when it looked.
        self.known_online: set[int] | None = None
        self.swept_at = time.monotonic()

    async def join(self, socket: Socket) -> None:
        """Returns once the room is subscribed, so that no event can fall between this and a read."""
        self.sockets.add(socket)
        async with self.subscribed:
            if self.channel is None:
                self.channel = await self.layer.new_channel()
                await self.layer.group_add(self.group, self.channel)
                self.listener = asyncio.create_task(self.listen(self.channel))

    async def leave(self, socket: Socket) -> None:
        self.sockets.discard(socket)
        if self.sockets:
            return
        async with self.subscribed:
            if self.sockets or self.channel is None:
                return
            channel, listener = self.channel, self.listener
            self.channel = self.listener = None
            _unregister(self)
            if listener is not None:
                # Not awaited: the core layer's receive can take its blocking pop's 5 s to end.
                listener.cancel()
            with contextlib.suppress(Exception):
                await self.layer.group_discard(self.group, channel)

    def forget(self, socket: Socket) -> None:
        """For a socket whose consumer ended without leaving (it crashed, or was cancelled before
        its disconnect ran): out at once; the subscription, if it was the last, ends in the background."""
        if socket not in self.sockets:
            return
        self.sockets.discard(socket)
        if not self.sockets:
            task = asyncio.get_running_loop().create_task(self.leave(socket))
            _leaving.add(task)
            task.add_done_callback(_leaving.discard)

    async def refresh(self) -> None:
        """Layers forget group members after `group_expiry`; the sockets' heartbeat renews it, and
        has the room look for presence rows that aged out."""
        if self.channel is not None and time.monotonic() - self.refreshed_at >= REFRESH_SECONDS:
            self.refreshed_at = time.monotonic()
            await self.layer.group_add(self.group, self.channel)
        if time.monotonic() - self.swept_at >= PRESENCE_SWEEP_SECONDS:
            self.swept_at = time.monotonic()
            await self.sweep_presence()

    async def sweep_presence(self) -> None:
        """Tell the sockets about members who went without a word (their process was killed): one
        read of the whole list per room and sweep, and a frame only when something differs."""
        online_list, _ = await in_database_thread(presence_now)(self.workshop_id, (), whole=True)
        online = set(online_list or ())
        known, self.known_online = self.known_online, online
        if known is None or known == online:
            return
        await self._hand_presence(online_list or [], came=online - known, went=known - online)

    async def listen(self, channel: str) -> None:
        while True:
            try:
                message = await self.layer.receive(channel)
            except asyncio.CancelledError:
                raise
            except Exception:
                # The sockets' heartbeat reads what this missed from the event log.
                logger.exception("room %s could not receive", self.group)
                await asyncio.sleep(RETRY_SECONDS)
                continue
            await self.hand_out(message)

    async def hand_out(self, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "workshop.presence":
            self.presence_members.update(message["members"])
            if self.presence_sender is None:
                self.presence_sender = asyncio.create_task(self.send_presence())
            return
        for socket in list(self.sockets):
            try:
                if kind == "workshop.events":
                    await socket.take_events(message["frames"])
            except Exception:
                logger.exception("could not hand %s to a socket of %s", kind, self.group)

    async def _hand_presence(
        self, online: list[int] | None, *, came: set[int], went: set[int], sockets: list[Socket] | None = None
    ) -> None:
        """One frame encoded once for the sockets that take changes, one for those that take the list."""
        as_list = encode({"type": "presence", "online": online}) if online is not None else ""
        as_changes = encode({"type": "presence", "came": sorted(came), "went": sorted(went)})
        for socket in list(self.sockets) if sockets is None else sockets:
            try:
                await socket.take_presence(as_changes if socket.presence_changes else as_list)
            except Exception:
                logger.exception("could not hand presence to a socket of %s", self.group)

    async def send_presence(self) -> None:
        """Send what the presence messages gathered so far mean, at most once per gathering time."""
        try:
            while self.presence_members and self.sockets:
                wait = self.presence_sent_at + PRESENCE_GATHER_SECONDS - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                members, self.presence_members = self.presence_members, set()
                self.presence_sent_at = time.monotonic()
                sockets = list(self.sockets)
                whole = any(not socket.presence_changes for socket in sockets)
                try:
                    online, online_now = await in_database_thread(presence_now)(self.workshop_id, members, whole=whole)
                except Exception:
                    logger.exception("room %s could not read presence", self.group)
                    continue
                if self.known_online is not None:
                    self.known_online = (self.known_online | online_now) - (members - online_now)
                await self._hand_presence(online, came=online_now, went=members - online_now, sockets=sockets)
        finally:
            self.presence_sender = None
            if not self.sockets:
                self.presence_members.clear()


# Rooms being left in the background: asyncio keeps only weak references to tasks.
_leaving: set[asyncio.Task[None]] = set()

# Per event loop: a room's subscription and task belong to the loop they were made on.
_rooms: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, Room]] = weakref.WeakKeyDictionary()


def room_of(workshop_id: str, layer: BaseChannelLayer) -> Room:
    rooms = _rooms.setdefault(asyncio.get_running_loop(), {})
    room = rooms.get(workshop_id)
    if room is None or room.layer is not layer:
        room = rooms[workshop_id] = Room(workshop_id, layer)
    return room


def _unregister(room: Room) -> None:
    rooms = _rooms.get(asyncio.get_running_loop(), {})
    if rooms.get(room.workshop_id) is room:
        del rooms[room.workshop_id]
