"""Who is online: one row per open socket, so every process sees the same room.

A process that is killed cannot delete its rows, so a row also carries when
its socket was last seen; rows older than PRESENCE_TIMEOUT do not count.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Sequence
from datetime import timedelta
from typing import Final

from django.db import transaction
from django.db.models import QuerySet

from core import clock, limits
from live.models import Connection, member_model, workshop_model

# Sockets refresh their row every HEARTBEAT; three missed beats and they are gone.
HEARTBEAT_SECONDS: Final = 30
PRESENCE_TIMEOUT: Final = timedelta(seconds=3 * HEARTBEAT_SECONDS)


def _fresh(workshop_id: str) -> QuerySet[Connection]:
    return Connection.objects.filter(
        workshop_id=workshop_id,
        seen_at__gte=clock.now() - PRESENCE_TIMEOUT,
        member__removed_at__isnull=True,
    )


def online_member_ids(workshop_id: str) -> list[int]:
    return sorted(set(_fresh(workshop_id).values_list("member_id", flat=True)))


def presence_now(workshop_id: str, members: Collection[int], *, whole: bool) -> tuple[list[int] | None, set[int]]:
    """Who is online now: the whole list when `whole` (for sockets that take the list), and which of
    `members` (those whose sockets came or went) are online. Read when a room sends presence
    rather than trusted from the messages, which two processes may publish in either order."""
    if whole:
        online = online_member_ids(workshop_id)
        return online, set(members).intersection(online)
    if not members:
        return None, set()
    return None, set(_fresh(workshop_id).filter(member_id__in=list(members)).values_list("member_id", flat=True))


def session_hash(session_key: str | None) -> str:
    """How a socket's session is kept: a digest, since the key itself would let anyone in."""
    return hashlib.sha256(session_key.encode()).hexdigest() if session_key else ""


def presence_admit(*, workshop_id: str, member_id: int, channel_name: str, session_key: str | None) -> bool:
    """Take one of the member's MAX_SOCKETS_PER_MEMBER places for a socket; False when all are taken.

    The member's row lock makes two sockets connecting at once count one after the other.
    Rows of a killed process count only until PRESENCE_TIMEOUT, like everywhere else.
    """
    with transaction.atomic():
        list(member_model().objects.select_for_update().filter(pk=member_id).values_list("pk", flat=True))
        open_sockets = Connection.objects.filter(member_id=member_id, seen_at__gte=clock.now() - PRESENCE_TIMEOUT)
        if open_sockets.count() >= limits.MAX_SOCKETS_PER_MEMBER:
            return False
        Connection.objects.update_or_create(
            channel_name=channel_name,
            defaults={"workshop_id": workshop_id, "member_id": member_id, "session_hash": session_hash(session_key)},
        )
    return True


def session_channels(session_key: str | None) -> list[str]:
    """The channel names of the sockets opened with this session, in any workshop."""
    if not session_key:
        return []
    sockets = Connection.objects.filter(session_hash=session_hash(session_key))
    return list(sockets.values_list("channel_name", flat=True))


def presence_leave(*, channel_name: str) -> None:
    Connection.objects.filter(channel_name=channel_name).delete()


def presence_beat(*, workshop_id: str, channel_name: str) -> int:
    """Refresh the socket's row; the workshop's seq tells the socket whether it missed an event."""
    seqs = presence_beat_many([(workshop_id, channel_name)])
    if workshop_id not in seqs:
        raise workshop_model().DoesNotExist(workshop_id)
    return seqs[workshop_id]


def presence_beat_many(sockets: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Refresh the rows of many sockets (workshop id, channel name) in two queries, whatever their
    number: each workshop's seq, for those that still exist."""
    if not sockets:
        return {}
    Connection.objects.filter(channel_name__in=[channel for _, channel in sockets]).update(seen_at=clock.now())
    workshops = {workshop_id for workshop_id, _ in sockets}
    return dict(workshop_model().objects.filter(pk__in=workshops).values_list("pk", "seq"))
