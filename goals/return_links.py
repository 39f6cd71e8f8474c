"""Personal return links: a member's way back into a workshop from another browser (protocol §7).

A guest's membership lives in one browser's session. Their return link (`/back/<token>/`) is a
bearer secret of 256 random bits; only its SHA-256 is stored, in `Member.return_link_hash`, one
per member, so a new link replaces the old one. The database alone reveals no working link, and a
lookup compares digests by equality in SQL, whose timing says nothing about any stored token.

Following a link logs no account in (a link is not a password for an account, and a leader's
link must not open their other workshops): the browser's session records the member and the
link's hash (`LINKS`), and `goals.members.memberships` counts a member only while their current
hash still equals the one recorded. So revoking or replacing a link cuts off, at their next
request, every browser that came in through it, and their open sockets are closed at once
(`_close_linked_sockets`).

Guessing is hopeless at 256 bits, but unknown links still count against the join throttle's
budget of guesses (goals.throttle.GUESSES): one policy for every secret link, and a client
hammering the lookup is slowed down like any other.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from typing import Any

import segno
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.cache import cache
from django.db import transaction
from django.db.models import Q
from django.urls import reverse

from goals.invites import QR_QUIET_ZONE
from goals.models import Member
from live.models import Connection
from live.presence import session_hash
from live.sockets import close_channels

logger = logging.getLogger(__name__)

# The session key of the links this browser came in through: [workshop id, member id, link hash]
# entries, at most one per workshop (the link followed last).
LINKS = "rallypoint_links"
# A browser remembers this many links (the newest); one per workshop is the usual case.
MAX_LINKS_PER_SESSION = 20
# token_urlsafe(32): 43 characters. Anything far from that is not a link of ours.
TOKEN_BYTES = 32
TOKEN_LENGTHS = range(32, 65)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def link_url(token: str, request: Any | None = None) -> str:
    path = reverse("return_link", args=[token])
    return request.build_absolute_uri(path) if request is not None else path


def link_qr(url: str) -> str:
    """The link as a QR code, an SVG `data:` URI for an <img>: scanned by one's phone, it opens the
    board there. Inline, not a URL of its own, so nothing on the way can cache or log the secret."""
    code = segno.make_qr(url, error="m")
    return code.svg_data_uri(dark="#000", light="#fff", border=QR_QUIET_ZONE, omitsize=True)


def linked(session: SessionBase | None) -> list[tuple[str, int, str]]:
    """The (workshop id, member id, link hash) this browser came in through; malformed entries are ignored."""
    if session is None:
        return []
    entries = []
    for entry in session.get(LINKS, []) or []:
        if isinstance(entry, list) and len(entry) == 3 and [type(part) for part in entry] == [str, int, str]:
            entries.append((entry[0], entry[1], entry[2]))
    return entries


def linked_members_query(session: SessionBase | None) -> Q | None:
    """The members this session reaches through links that still hold, or None for no link."""
    query = None
    for _, member_id, digest in linked(session):
        condition = Q(pk=member_id, return_link_hash=digest)
        query = condition if query is None else query | condition
    return query


def find_member(token: Any) -> Member | None:
    """The member whose current link this is, present or removed; None for an unknown or revoked one."""
    if not isinstance(token, str) or len(token) not in TOKEN_LENGTHS:
        return None
    return Member.objects.select_related("workshop").filter(return_link_hash=hash_token(token)).first()


def link_create(*, member: Member, session: SessionBase | None) -> str:
    """A new link for `member`; the old one stops working, and so do the browsers that used it.

    The browser asking keeps its way in if it came in through the old link itself.
    """
    token = secrets.token_urlsafe(TOKEN_BYTES)
    digest = hash_token(token)
    _replace(member, digest, session)
    if session is not None and any(member_id == member.id for _, member_id, _ in linked(session)):
        _remember(session, member, digest)
    return token


def link_revoke(*, member: Member, session: SessionBase | None) -> None:
    """No link for `member` any more; idempotent."""
    _replace(member, None, session)


def link_follow(*, member: Member, digest: str, session: SessionBase) -> None:
    """This browser is `member` from now on (through the link whose hash is `digest`).

    The caller rotates the session key first, as a login does, against session fixation.
    """
    _remember(session, member, digest)
    if session.session_key is None:
        session.save()
    _note_session(digest, session.session_key)


def _remember(session: SessionBase, member: Member, digest: str) -> None:
    """One link per workshop: the one followed last is who this browser is there."""
    kept = [list(entry) for entry in linked(session) if entry[0] != member.workshop_id]
    session[LINKS] = [*kept, [member.workshop_id, member.id, digest]][-MAX_LINKS_PER_SESSION:]


def _replace(member: Member, digest: str | None, session: SessionBase | None) -> None:
    with transaction.atomic():
        old = Member.objects.select_for_update().filter(pk=member.pk).values_list("return_link_hash", flat=True).first()
        Member.objects.filter(pk=member.pk).update(return_link_hash=digest)
    member.return_link_hash = digest
    if old:
        keep = session_hash(session.session_key) if session is not None else ""
        transaction.on_commit(lambda: _close_linked_sockets(member, old, keep))


# --- open sockets of browsers that came in through a link -----------------------------------------
#
# A socket checks membership when it connects; a browser cut off by a new or revoked link must
# not keep an open one (it could still send ops). Sockets are recorded by session digest
# (live.presence), so the digests of the sessions that followed each link are kept in the
# cache (Redis with REDIS_URL, shared by every process) for as long as a session lives. If the
# cache lost them, such a socket is cut off when it next reconnects, as every HTTP request is.


def _sessions_key(digest: str) -> str:
    return f"return_link:sessions:{digest}"


def _note_session(digest: str, session_key: str | None) -> None:
    if not session_key:
        return
    try:
        sessions = cache.get(_sessions_key(digest)) or []
        if session_hash(session_key) not in sessions:
            sessions = [*sessions, session_hash(session_key)][-1000:]
        cache.set(_sessions_key(digest), sessions, timeout=settings.SESSION_COOKIE_AGE)
    except Exception:
        logger.warning("Return link: the cache did not answer; its sockets close on reconnect.", exc_info=True)


def _close_linked_sockets(member: Member, digest: str, keep: str) -> None:
    try:
        sessions = set(cache.get(_sessions_key(digest)) or []) - {keep}
        cache.delete(_sessions_key(digest))
    except Exception:
        logger.warning("Return link: the cache did not answer; its sockets close on reconnect.", exc_info=True)
        return
    if not sessions:
        return
    channels = list(
        Connection.objects.filter(member_id=member.pk, session_hash__in=sessions).values_list("channel_name", flat=True)
    )
    close_channels(channels)
