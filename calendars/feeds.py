"""Calendar feeds: a member's secret URL that calendar apps subscribe to (protocol §9, "Calendar").

The feed's URL (`/calendar/<token>.ics`) is a bearer secret of 256 random bits, as a return link
is (goals.return_links): only its SHA-256 is stored, in `CalendarFeed.token_hash`, one per member,
so a new feed replaces the old one, and the database alone reveals no working URL. A lookup
compares digests by equality in SQL, whose timing says nothing about any stored token.

Unlike a return link, a feed signs nobody in: it only reads the member's own dated commitments.
Nor is an unknown token counted against the join throttle's budget of guesses: calendar services
fetch feeds from a few shared addresses and go on polling a revoked feed for months, which would
use up the budget of everyone behind them; at 256 bits, guessing is hopeless anyway.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.urls import reverse

from calendars.models import CalendarFeed
from core import clock
from goals.models import Member

# token_urlsafe(32): 43 characters. Anything far from that is not a feed of ours.
TOKEN_BYTES = 32
TOKEN_LENGTHS = range(32, 65)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_url(token: str) -> str:
    """The feed's absolute URL, on SITE_URL (calendar apps fetch it from anywhere)."""
    return settings.SITE_URL + reverse("calendar_feed", args=[token])


def webcal_url(url: str) -> str:
    """The same feed as a `webcal://` link, which phones and desktop apps open as a subscription."""
    return "webcal://" + url.split("://", 1)[1]


def feed_create(*, member: Member) -> str:
    """A new feed for `member`, returning its token; the member's old feed URL stops working."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    CalendarFeed.objects.update_or_create(
        member=member, defaults={"token_hash": hash_token(token), "created_at": clock.now()}
    )
    return token


def feed_revoke(*, member: Member) -> None:
    """No feed for `member` any more; idempotent."""
    CalendarFeed.objects.filter(member=member).delete()


def has_feed(member: Member) -> bool:
    return CalendarFeed.objects.filter(member=member).exists()


def find_feed_member(token: Any) -> Member | None:
    """The present member whose current feed this is; None for an unknown or revoked token, and
    for a removed member's feed (the feed shows nothing of a workshop they have left)."""
    if not isinstance(token, str) or len(token) not in TOKEN_LENGTHS:
        return None
    feed = (
        CalendarFeed.objects.select_related("member__workshop")
        .filter(token_hash=hash_token(token), member__removed_at__isnull=True)
        .first()
    )
    return feed.member if feed is not None else None
