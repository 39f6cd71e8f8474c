"""Hand committed events to every socket of a workshop.

An event is encoded to text once and the same string goes to every socket
(the fan-out rule); only the private part a voter may see is encoded again,
once, for that voter's own sockets.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def workshop_group(workshop_id: str) -> str:
    return f"workshop.{workshop_id}"


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def event_frame(event: Any, *, for_member: int | None = None) -> dict[str, Any]:
    """The protocol's `event` frame; `event` is a goals.models.Event."""
    data = event.data
    if event.private and for_member is not None and event.private["member"] == for_member:
        # The private part adds to what everyone is sent (a voter's own dots), or, `whole`, stands
        # instead of it (a face-down card's author gets the card, others a card back).
        data = event.private["data"] if event.private.get("whole") else {**data, **event.private["data"]}
    return {
        "type": "event",
        "seq": event.seq,
        "name": event.name,
        "actor": event.actor_id,
        "ref": event.ref,
        "data": data,
    }


def group_message(events: list[Any]) -> dict[str, Any]:
    """The channel-layer message for committed events: each encoded once, for everyone."""
    return {
        "type": "workshop.events",
        "frames": [
            {
                "seq": event.seq,
                "text": encode(event_frame(event)),
                "private": (
                    {
                        "member": event.private["member"],
                        "text": encode(event_frame(event, for_member=event.private["member"])),
                    }
                    if event.private
                    else None
                ),
                "removed": event.data["member"] if event.name == "member.removed" else None,
            }
            for event in events
        ],
    }


class Publisher:
    """Sends from the event loop, so the thread that committed does not wait on the layer.

    `on_commit` runs on the database thread that committed; waiting there for Redis kept
    the thread, and its connection, from the next op. Messages go out in the order they
    were handed over (one queue, one task). Whatever queued up while the last send was
    on its way goes out together: one message per workshop with all its frames, the
    workshops' messages side by side. Sent one at a time, a round trip each, a busy
    process published fewer events a second than it committed and fell seconds behind.
    Consumers put neighbours that two processes published swapped back in seq order.
    """

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.loop_thread = threading.get_ident()
        self.queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self.task = loop.create_task(self.run())

    def submit(self, group: str, message: dict[str, Any]) -> None:
        self.loop.call_soon_threadsafe(self.queue.put_nowait, (group, message))

    def serves_this_thread(self) -> bool:
        """Submitting makes sense from a worker thread of a loop that is still running."""
        return self.loop.is_running() and not self.task.done() and threading.get_ident() != self.loop_thread

    async def run(self) -> None:
        while True:
            waiting = [await self.queue.get()]
            while not self.queue.empty():
                waiting.append(self.queue.get_nowait())
            await asyncio.gather(*(_send(group, message) for group, message in together(waiting).items()))


def together(messages: list[tuple[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """One group message per group, its frames in the order they were handed over."""
    merged: dict[str, dict[str, Any]] = {}
    for group, message in messages:
        if group in merged:
            merged[group]["frames"].extend(message["frames"])
        else:
            merged[group] = {**message, "frames": list(message["frames"])}
    return merged


async def _send(group: str, message: dict[str, Any]) -> None:
    try:
        await get_channel_layer().group_send(group, message)
    except Exception:
        _log_lost(group, message)


_publisher: Publisher | None = None


def start_publisher() -> None:
    """Called by every consumer on connect; one publisher per running event loop."""
    global _publisher
    loop = asyncio.get_running_loop()
    if _publisher is None or _publisher.loop is not loop or _publisher.task.done():
        _publisher = Publisher(loop)


def _log_lost(group: str, message: dict[str, Any]) -> None:
    # The change is committed; sockets that miss it notice the seq gap and read it from the log.
    logger.exception("could not publish events %s to %s", [f["seq"] for f in message["frames"]], group)


def publish(workshop_id: str, events: list[Any]) -> None:
    """Send committed events to the workshop's group; called from on_commit only."""
    layer = get_channel_layer()
    if layer is None or not events:
        return
    group, message = workshop_group(workshop_id), group_message(events)
    publisher = _publisher
    if publisher is not None and publisher.serves_this_thread():
        publisher.submit(group, message)
        return
    try:
        async_to_sync(layer.group_send)(group, message)
    except Exception:
        _log_lost(group, message)
