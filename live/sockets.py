"""A socket lives no longer than the session it was opened with.

Logging out (goals.views.Logout) flushes the session and leaves that browser's sockets without a
member session, so they are closed with 4404, like a socket that never had one. Sockets of the
same person opened with other sessions (another device) stay open.
"""

from __future__ import annotations

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from live.presence import session_channels

logger = logging.getLogger(__name__)

# The channel-layer message a socket closes on (room.consumers, `session_ended`).
SESSION_ENDED = "session.ended"


def close_session_sockets(session_key: str | None) -> int:
    """Tell every socket opened with this session, on whichever process it is, to close; how many."""
    channels = session_channels(session_key)
    close_channels(channels)
    return len(channels)


def close_channels(channels: list[str]) -> None:
    """Tell each of these sockets, on whichever process it is, that its session has ended."""
    layer = get_channel_layer()
    if not channels or layer is None:
        return

    async def tell_each() -> None:
        for channel in channels:
            try:
                await layer.send(channel, {"type": SESSION_ENDED})
            except Exception:
                # A full channel drops the message: that socket stays until it reconnects, and is
                # refused then, since its session no longer exists.
                logger.exception("could not tell socket %s that its session ended", channel)

    async_to_sync(tell_each)()
