"""Hand committed events to every socket of a workshop.

An event is encoded to text once and the same string goes to every socket
(the fan-out rule); only the private part a voter may see is encoded again,
once, for that voter's own sockets.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

logger = logging.getLogger(__name__)


def workshop_group(workshop_id: str) -> str:
    return f"workshop.{workshop_id}"


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def event_frame(event: Any, *, for_member: int | None = None) -> dict[str, Any]:
    """The contract's `event` frame; `event` is a planning.models.Event."""
    data = event.data
    if event.private and for_member is not None and event.private["member"] == for_member:
        data = {**data, **event.private["data"]}
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


def publish(workshop_id: str, events: list[Any]) -> None:
    """Send committed events to the workshop's group; called from on_commit only."""
    layer = get_channel_layer()
    if layer is None or not events:
        return
    message = group_message(events)
    try:
        async_to_sync(layer.group_send)(workshop_group(workshop_id), message)
    except Exception:
        # The change is committed; clients that miss it see the seq gap and resync.
        logger.exception("could not publish events %s of %s", [e.seq for e in events], workshop_id)
