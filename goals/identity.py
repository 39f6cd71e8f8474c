"""Who the visitor is, for the header of every page (templates/base.html): their name, and on a
workshop's pages their name and role there.

A member's name is the workshop's own (`member.rename` changes it there only); elsewhere a logged-in
user is their account's display name and a guest the name they joined with last. A visitor who is
none of these (no account, no membership) has no identity: the header offers "Log in" and "Sign up".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from goals.accounts import display_name, guest_memberships
from goals.models import Member, Role


@dataclass(frozen=True)
class Identity:
    name: str
    guest: bool
    # On a workshop's pages: the member's id, role and workshop; None elsewhere.
    member: int | None = None
    role: str | None = None
    workshop_id: str | None = None
    # Where "Log in" and "Create an account" come back to: the workshop page they were opened on.
    back: str = ""

    @property
    def label(self) -> str:
        """What follows the name: "guest" for a guest member, their role otherwise ("observer", …)."""
        if self.role is None:
            return "guest" if self.guest else ""
        if self.guest and self.role == Role.MEMBER:
            return "guest"
        return Role(self.role).label.lower()


def identity_of(request: HttpRequest) -> Identity | None:
    """Only a workshop's own pages are come back to: elsewhere `/` is where both land anyway, and a
    404 for a workshop that is not one's own must read exactly as one for a workshop that does not
    exist (goals.access), which a link back to its URL would not."""
    identity = _identity(request)
    if identity is None or identity.workshop_id is None:
        return identity
    return replace(identity, back=request.get_full_path())


def _identity(request: HttpRequest) -> Identity | None:
    user = getattr(request, "user", None)
    authenticated = user is not None and user.is_authenticated
    member: Member | None = getattr(request, "member", None)
    if member is not None:
        return Identity(
            name=member.name,
            guest=not authenticated,
            member=member.id,
            role=member.role,
            workshop_id=member.workshop_id,
        )
    if authenticated:
        return Identity(name=display_name(user), guest=False)
    held = guest_memberships(getattr(request, "session", None))
    return Identity(name=held[0].name, guest=True) if held else None


def identity(request: HttpRequest) -> dict[str, Any]:
    """Template context processor: `identity`, worked out only when a template asks for it."""
    return {"identity": SimpleLazyObject(lambda: identity_of(request) or _Nobody())}


class _Nobody:
    """No identity: false in a template's {% if %}."""

    def __bool__(self) -> bool:
        return False
