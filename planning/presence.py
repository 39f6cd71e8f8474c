"""Who is online: one row per open socket, so every process sees the same room.

A process that is killed cannot delete its rows, so a row also carries when
its socket was last seen; rows older than PRESENCE_TIMEOUT do not count.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

from goals.models import Workshop
from planning import clock
from planning.models import Connection

# Sockets refresh their row every HEARTBEAT; three missed beats and they are gone.
HEARTBEAT_SECONDS: Final = 30
PRESENCE_TIMEOUT: Final = timedelta(seconds=3 * HEARTBEAT_SECONDS)


def online_member_ids(workshop_id: str) -> list[int]:
    fresh = Connection.objects.filter(
        workshop_id=workshop_id,
        seen_at__gte=clock.now() - PRESENCE_TIMEOUT,
        member__removed_at__isnull=True,
    )
    return sorted(set(fresh.values_list("member_id", flat=True)))


def presence_enter(*, workshop_id: str, member_id: int, channel_name: str) -> list[int]:
    Connection.objects.update_or_create(
        channel_name=channel_name, defaults={"workshop_id": workshop_id, "member_id": member_id}
    )
    return online_member_ids(workshop_id)


def presence_leave(*, workshop_id: str, channel_name: str) -> list[int]:
    Connection.objects.filter(channel_name=channel_name).delete()
    return online_member_ids(workshop_id)


def presence_beat(*, workshop_id: str, channel_name: str) -> int:
    """Refresh the socket's row; the workshop's seq tells the socket whether it missed an event."""
    Connection.objects.filter(channel_name=channel_name).update(seen_at=clock.now())
    return Workshop.objects.filter(pk=workshop_id).values_list("seq", flat=True).get()
