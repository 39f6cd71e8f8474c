"""A workshop's sockets in this process, fed by one subscription to its group.

Channels hands a group message to every subscribed channel: a queue put, a
decode and a wake-up of that socket's task per socket, which in a 500-member
room was most of a process's time. A room subscribes once per process instead,
receives each message once and passes the already encoded text to each local
socket in one pass of the event loop. The channel layer still carries every
message between processes, so the order and the guarantees are the layer's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import weakref
from typing import Any, Protocol

from channels.layers import BaseChannelLayer

from live.broadcast import workshop_group

logger = logging.getLogger(__name__)

# After the layer failed to receive (Redis gone): wait this long before trying again.
RETRY_SECONDS = 1.0
# Every socket's heartbeat asks the room to renew its subscription; once in this long is enough.
REFRESH_SECONDS = 10.0


class Socket(Protocol):
    async def take_events(self, frames: list[dict[str, Any]]) -> None: ...

    async def take_presence(self, text: str) -> None: ...


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
        """Layers forget group members after `group_expiry`; the sockets' heartbeat renews it."""
        if self.channel is not None and time.monotonic() - self.refreshed_at >= REFRESH_SECONDS:
            self.refreshed_at = time.monotonic()
            await self.layer.group_add(self.group, self.channel)

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
        for socket in list(self.sockets):
            try:
                if kind == "workshop.events":
                    await socket.take_events(message["frames"])
                elif kind == "workshop.presence":
                    await socket.take_presence(message["text"])
            except Exception:
                logger.exception("could not hand %s to a socket of %s", kind, self.group)


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
