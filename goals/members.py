"""Who is in a workshop: joining, the ready signal, one's name.

Guests have no account: their session holds a random guest key, and a member
row carries it (unique per workshop), so one session is one member however
often, or however concurrently, it joins. A logged-in user is a member
through `Member.user`, on any device; a guest, on another browser, through their
return link (goals.return_links).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Q, QuerySet

from core import limits
from core.errors import Forbidden, LimitReached, NotFound
from core.sql import in_workshop
from core.validation import boolean, text
from goals.invites import InviteState, find_invite, invite_state
from goals.models import EVERYONE, PARTICIPATING, Member, Role, Workshop
from goals.payloads import member_json
from goals.return_links import linked_members_query
from live.changes import Change, operation, run

GUEST_KEY = "rallypoint_guest"

Visitor = AbstractBaseUser | AnonymousUser | None

# Other ways a session is a member, added by apps above this one (a guest's sign-in link in a mail,
# mail.signin): each gives the members a session reaches, as a condition on Member, or None.
SessionWay = Callable[[SessionBase | None], Q | None]
_session_ways: list[SessionWay] = []

# A workshop's id as goals.models.new_workshop_id makes it (URL-safe base64). Anything else in a
# URL names no workshop, and is not asked of the database: PostgreSQL refuses a NUL with an error.
WORKSHOP_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")


def add_session_way(way: SessionWay) -> None:
    if way not in _session_ways:
        _session_ways.append(way)


def guest_key(session: SessionBase | None, *, create: bool = False) -> str | None:
    """The session's guest key; `create` makes one (128 random bits) if it has none."""
    if session is None:
        return None
    key = session.get(GUEST_KEY)
    if key is None and create:
        key = session[GUEST_KEY] = secrets.token_urlsafe(16)
    return key


def memberships(*, user: Visitor, session: SessionBase | None) -> QuerySet[Member]:
    """Every membership of this visitor, present or removed: through their account, their session's
    guest key, or a return link this session followed that is still the member's current one
    (goals.return_links: a new or revoked link cuts the browsers that used the old one off)."""
    query = Q(user=user) if user is not None and user.is_authenticated else Q(pk__in=[])
    key = guest_key(session)
    if key is not None:
        query |= Q(guest_key=key)
    through_links = linked_members_query(session)
    if through_links is not None:
        query |= through_links
    for way in _session_ways:
        reached = way(session)
        if reached is not None:
            query |= reached
    return Member.objects.filter(query)


def membership(workshop_id: str, *, user: Visitor, session: SessionBase | None) -> Member | None:
    """The present member this visitor is in the workshop, or None.

    Their account wins over their guest key, which wins over a return link.
    """
    if not WORKSHOP_ID.fullmatch(workshop_id):
        return None
    found = memberships(user=user, session=session).present().select_related("workshop").filter(workshop_id=workshop_id)
    return min(found, key=lambda member: _rank(member, user, session), default=None)


def through_link(member: Member, *, user: Visitor, session: SessionBase | None) -> bool:
    """Whether this visitor is `member` only through a return link (revoking it cuts them off)."""
    return _rank(member, user, session) == 2


def _rank(member: Member, user: Visitor, session: SessionBase | None) -> int:
    if member.user_id is not None and user is not None and user.is_authenticated and member.user_id == user.pk:
        return 0
    if member.guest_key is not None and member.guest_key == guest_key(session):
        return 1
    return 2


def removed_membership(workshop_id: str, *, user: Visitor, session: SessionBase | None) -> Member | None:
    """The membership this visitor was removed from, if they are not (again) a present member."""
    if not WORKSHOP_ID.fullmatch(workshop_id):
        return None
    removed = memberships(user=user, session=session).filter(workshop_id=workshop_id, removed_at__isnull=False)
    return removed.select_related("workshop").order_by("-removed_at").first()


class JoinRefused(Exception):
    """The invite does not admit anyone now; `state` says why (the 404/410 pages)."""

    def __init__(self, state: InviteState | None) -> None:
        self.state = state
        super().__init__(state.value if state else "unknown")


def member_join(*, token: str, name: Any, user: Visitor, session: SessionBase | None) -> Member:
    """Join through an invite; the same session or account never becomes two members."""
    name = text(name, "display_name", min_length=1, max_length=limits.NAME_MAX)
    account = user if user is not None and user.is_authenticated else None
    key = None if account is not None else guest_key(session, create=True)
    joined: list[Member] = []

    def perform(change: Change) -> None:
        invite = find_invite(token, for_update=True)
        if invite is None or invite.workshop_id != change.workshop.id:
            raise JoinRefused(None)
        existing = membership(change.workshop.id, user=user, session=session)
        if existing is not None:
            joined.append(existing)
            return
        state = invite_state(invite)
        if state is not InviteState.VALID:
            raise JoinRefused(state)
        if removed_membership(change.workshop.id, user=user, session=session) is not None:
            raise Forbidden("You were removed from this workshop.")
        if Member.objects.present().filter(workshop=change.workshop).count() >= limits.MAX_MEMBERS:
            raise LimitReached(f"A workshop holds at most {limits.MAX_MEMBERS} members.")
        member = Member(workshop_id=change.workshop.id, user=account, guest_key=key, name=name, role=invite.role)
        change.insert_now(member)
        invite.uses += 1
        change.update(invite, ["uses"])
        change.actor = member
        change.emit("member.joined", {"member": member_json(member)})
        joined.append(member)

    invite = find_invite(token)
    if invite is None:
        raise JoinRefused(None)
    run(invite.workshop_id, None, None, perform)
    return joined[0]


# How far a role reaches: admitting someone never lowers their role.
ROLE_RANK = {Role.OBSERVER: 0, Role.MEMBER: 1, Role.FACILITATOR: 2, Role.LEADER: 3}


def admit(change: Change, user: AbstractBaseUser, role: str) -> tuple[Member, str | None]:
    """Make `user` a present member with at least `role`, within an op: (the member, the role they
    had before, or None if they were not a present member).

    For memberships given from outside the workshop, not through an invite (a client's colleagues,
    clients.colleagues). Idempotent: a member who already has `role` or a higher one is left as
    they are; a lower role is raised (`member.changed`); someone removed comes back, and a new
    member joins (`member.joined` both).
    """
    found = Member.objects.filter(workshop_id=change.workshop.id, user=user).first()
    if found is not None and found.removed_at is None:
        before = found.role
        if ROLE_RANK[Role(before)] >= ROLE_RANK[Role(role)]:
            return found, before
        found.role = role
        change.update(found, ["role"])
        change.emit("member.changed", {"member": member_json(found)})
        return found, before
    if Member.objects.present().filter(workshop_id=change.workshop.id).count() >= limits.MAX_MEMBERS:
        raise LimitReached(f"A workshop holds at most {limits.MAX_MEMBERS} members.")
    if found is not None:
        found.removed_at = None
        found.ready = False
        found.role = role
        change.update(found, ["removed_at", "ready", "role"])
    else:
        from goals.accounts import display_name  # goals.accounts builds on this module

        found = Member(workshop_id=change.workshop.id, user=user, name=display_name(user), role=role)
        change.insert_now(found)
    change.emit("member.joined", {"member": member_json(found)})
    return found, None


def member_admit(*, workshop_id: str, user: AbstractBaseUser, role: str) -> tuple[Member, str | None]:
    """`admit` as an op of its own, with no actor (nobody in the workshop asked for it)."""
    admitted: list[tuple[Member, str | None]] = []
    run(workshop_id, None, None, lambda change: admitted.append(admit(change, user, role)))
    return admitted[0]


@operation
def member_ready(change: Change, *, ready: Any) -> None:
    change.require_role(PARTICIPATING, "Observers have no ready signal.")
    ready = boolean(ready, "ready")
    member = change.member
    if member.ready == ready:
        return
    member.ready = ready
    change.update(member, ["ready"])
    change.emit("member.ready", {"member": member.id, "ready": ready})


@operation
def member_rename(change: Change, *, name: Any) -> None:
    """A member changes the name they are shown by, in this workshop only, in any phase.

    Anyone may, observers too, and only themselves: a name is about a person, not board
    content. It is validated as the join form's display_name is; a logged-in user's account
    keeps its own display name (goals.accounts), which later joins offer.
    """
    change.require_role(EVERYONE)
    name = text(name, "name", min_length=1, max_length=limits.NAME_MAX)
    member = change.member
    if member.name == name:
        return
    member.name = name
    change.update(member, ["name"])
    change.emit("member.changed", {"member": member_json(member)})


def get_member(workshop: Workshop, member_id: int) -> Member:
    """A present member of this workshop; one of another workshop is as unknown as none."""
    found = in_workshop(Member, member_id, workshop.id, " AND t.removed_at IS NULL")
    if found is None:
        raise NotFound("There is no such member in this workshop.", member=member_id)
    return found
