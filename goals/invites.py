"""Invite links.

A token is derived from a random 128-bit nonce with an HMAC keyed by
SECRET_KEY (43 hex digits, 172 bits), and only its SHA-256 is looked up. The
database alone reveals no working link, yet facilitators can be shown the link
again (the storyboard's `data-invite-url`, the invite list) because the server
can re-derive it.

Lookups compare SHA-256 digests by equality in SQL, so how long one takes
depends on the digest of what was sent, which tells nothing about any stored
token; the raw token is compared only once a row is found, in constant time.
Changing SECRET_KEY breaks every link. Guessing is slowed by goals.throttle.
"""

from __future__ import annotations

import hashlib
import io
import secrets
from datetime import datetime, timedelta
from enum import Enum
from typing import Any

import segno
from django.db import transaction
from django.urls import reverse
from django.utils.crypto import constant_time_compare, salted_hmac

from core import clock
from core.validation import choice, integer
from goals.models import Invite, Member, Role, Workshop

_SALT = "rallypoint.invite"
# The blank margin round a QR code, in modules: the four that ISO/IEC 18004 asks for, so that a
# phone finds the code on a slide or a wall whatever surrounds it.
QR_QUIET_ZONE = 4
INVITE_ROLES = frozenset({Role.MEMBER, Role.OBSERVER})
MAX_EXPIRY_HOURS = 720
MAX_USES = 10000


def token_for(invite: Invite) -> str:
    return salted_hmac(_SALT, invite.nonce, algorithm="sha256").hexdigest()[:43]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_url(invite: Invite, request: Any | None = None) -> str:
    path = reverse("join", args=[token_for(invite)])
    return request.build_absolute_uri(path) if request is not None else path


class InviteState(Enum):
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    USED_UP = "used_up"


def invite_state(invite: Invite, at: datetime | None = None) -> InviteState:
    at = at or clock.now()
    if invite.revoked_at is not None:
        return InviteState.REVOKED
    if invite.expires_at is not None and invite.expires_at <= at:
        return InviteState.EXPIRED
    if invite.max_uses is not None and invite.uses >= invite.max_uses:
        return InviteState.USED_UP
    return InviteState.VALID


def find_invite(token: str, *, for_update: bool = False) -> Invite | None:
    """Look a token up by its hash, so comparison time says nothing about stored tokens."""
    if not isinstance(token, str) or not 16 <= len(token) <= 128:
        return None
    queryset = Invite.objects.select_related("workshop")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    invite = queryset.filter(token_hash=hash_token(token)).first()
    if invite is None or not constant_time_compare(token_for(invite), token):
        return None
    return invite


def invite_create(*, workshop: Workshop, created_by: Member | None, **options: Any) -> Invite:
    """A new invite, saved: one a facilitator makes (`options` as `invite_new` takes them)."""
    invite = invite_new(workshop=workshop, created_by=created_by, **options)
    invite.save()
    return invite


def invite_new(
    *,
    workshop: Workshop,
    created_by: Member | None,
    role: Any = Role.MEMBER,
    expires_in_hours: Any = None,
    max_uses: Any = None,
) -> Invite:
    """A validated invite, not yet saved: `invite_create` saves it, a new workshop's Change inserts it."""
    role = choice(role, "role", INVITE_ROLES)
    expires_at = None
    if expires_in_hours is not None:
        hours = integer(expires_in_hours, "expires_in_hours", minimum=1, maximum=MAX_EXPIRY_HOURS)
        expires_at = clock.now() + timedelta(hours=hours)
    if max_uses is not None:
        max_uses = integer(max_uses, "max_uses", minimum=1, maximum=MAX_USES)
    nonce = secrets.token_hex(16)
    invite = Invite(
        workshop=workshop, role=role, nonce=nonce, created_by=created_by, expires_at=expires_at, max_uses=max_uses
    )
    invite.token_hash = hash_token(token_for(invite))
    return invite


def invite_revoke(*, workshop: Workshop, token: str) -> bool:
    """Revoke an invite of this workshop; False when there is none by that token."""
    with transaction.atomic():
        invite = find_invite(token, for_update=True)
        if invite is None or invite.workshop_id != workshop.id:
            return False
        if invite.revoked_at is None:
            invite.revoked_at = clock.now()
            invite.save(update_fields=["revoked_at"])
    return True


def current_member_invite(workshop: Workshop) -> Invite | None:
    """The newest member invite that still admits people."""
    at = clock.now()
    for invite in Invite.objects.filter(workshop=workshop, role=Role.MEMBER, revoked_at__isnull=True):
        if invite_state(invite, at) is InviteState.VALID:
            return invite
    return None


def invite_json(invite: Invite, request: Any | None = None) -> dict[str, Any]:
    return {
        "token": token_for(invite),
        "url": invite_url(invite, request),
        "role": invite.role,
        "expires_at": invite.expires_at.isoformat() if invite.expires_at else None,
        "max_uses": invite.max_uses,
        "uses": invite.uses,
        "created_at": invite.created_at.isoformat(),
        "state": invite_state(invite).value,
    }


def invite_qr_svg(url: str) -> bytes:
    """The link as a QR code for a room: a standalone SVG document, dark modules on white.

    It has a viewBox and no width or height, so that it scales to whatever size the page or the
    projector gives it. Always a full QR code (never a Micro QR, which few phones read), at error
    correction M or better: a code on a screen across a room is read at an angle, in glare.
    """
    code = segno.make_qr(url, error="m")
    out = io.BytesIO()
    code.save(out, kind="svg", dark="#000", light="#fff", border=QR_QUIET_ZONE, omitsize=True)
    return out.getvalue()
