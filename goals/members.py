"""Who is in a workshop: joining, the ready signal, roles and removal.

Guests have no account: the session maps workshop ids to their member ids.
A logged-in user is a member through `Member.user`, on any device.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.contrib.sessions.backends.base import SessionBase

from goals.invites import InviteState, find_invite, invite_state
from goals.models import Member, Role
from planning import limits
from planning.board import get_member
from planning.changes import FACILITATING, PARTICIPATING, Change, now, operation, run
from planning.errors import Forbidden, Invalid, LimitReached
from planning.models import Ownership
from planning.payloads import member_json
from planning.validation import boolean, choice, identifier, text

SESSION_KEY = "rallypoint_members"
ASSIGNABLE_ROLES = frozenset({Role.FACILITATOR, Role.MEMBER, Role.OBSERVER})


def session_member_ids(session: SessionBase) -> dict[str, int]:
    return dict(session.get(SESSION_KEY, {}))


def remember_in_session(session: SessionBase, member: Member) -> None:
    members = session_member_ids(session)
    members[member.workshop_id] = member.id
    session[SESSION_KEY] = members


def membership(
    workshop_id: str, *, user: AbstractBaseUser | AnonymousUser | None, session: SessionBase | None
) -> Member | None:
    """The present member this visitor is in the workshop, or None."""
    queryset = Member.objects.present().select_related("workshop").filter(workshop_id=workshop_id)
    if user is not None and user.is_authenticated:
        member = queryset.filter(user=user).first()
        if member is not None:
            return member
    if session is not None:
        member_id = session_member_ids(session).get(workshop_id)
        if member_id is not None:
            return queryset.filter(pk=member_id).first()
    return None


def _former_member(workshop_id: str, user: Any, session: SessionBase | None) -> bool:
    queryset = Member.objects.filter(workshop_id=workshop_id, removed_at__isnull=False)
    if user is not None and user.is_authenticated and queryset.filter(user=user).exists():
        return True
    member_id = session_member_ids(session).get(workshop_id) if session is not None else None
    return member_id is not None and queryset.filter(pk=member_id).exists()


class JoinRefused(Exception):
    """The invite does not admit anyone now; `state` says why (the 404/410 pages)."""

    def __init__(self, state: InviteState | None) -> None:
        self.state = state
        super().__init__(state.value if state else "unknown")


def member_join(
    *, token: str, name: Any, user: AbstractBaseUser | AnonymousUser | None, session: SessionBase | None
) -> Member:
    """Join through an invite; the same session or account never becomes two members."""
    name = text(name, "display_name", min_length=1, max_length=limits.NAME_MAX)
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
        if _former_member(change.workshop.id, user, session):
            raise Forbidden("You were removed from this workshop.")
        if Member.objects.present().filter(workshop=change.workshop).count() >= limits.MAX_MEMBERS:
            raise LimitReached(f"A workshop holds at most {limits.MAX_MEMBERS} members.")
        member = Member.objects.create(
            workshop=change.workshop,
            user=user if user is not None and user.is_authenticated else None,
            name=name,
            role=invite.role,
        )
        invite.uses += 1
        invite.save(update_fields=["uses"])
        change.actor = member
        change.emit("member.joined", {"member": member_json(member)})
        joined.append(member)

    invite = find_invite(token)
    if invite is None:
        raise JoinRefused(None)
    run(invite.workshop_id, None, None, perform)
    member = joined[0]
    if session is not None and member.user_id is None:
        remember_in_session(session, member)
    return member


@operation
def member_ready(change: Change, *, ready: Any) -> None:
    change.require_role(PARTICIPATING, "Observers have no ready signal.")
    ready = boolean(ready, "ready")
    member = change.member
    if member.ready == ready:
        return
    member.ready = ready
    member.save(update_fields=["ready"])
    change.emit("member.ready", {"member": member.id, "ready": ready})


@operation
def member_role(change: Change, *, member: Any, role: Any) -> None:
    change.require_role({Role.LEADER}, "Only the leader changes roles.")
    target = get_member(change.workshop, identifier(member, "member"))
    role = choice(role, "role", ASSIGNABLE_ROLES)
    if target.role == Role.LEADER:
        raise Invalid("member", "The leader's role does not change.")
    if target.role == role:
        return
    target.role = role
    fields = ["role"]
    if role == Role.OBSERVER and target.ready:
        target.ready = False
        fields.append("ready")
    target.save(update_fields=fields)
    change.emit("member.changed", {"member": member_json(target)})


@operation
def member_remove(change: Change, *, member: Any) -> None:
    change.require_role(FACILITATING, "Only a facilitator removes members.")
    target = get_member(change.workshop, identifier(member, "member"))
    if target.role == Role.LEADER or target.id == change.member.id:
        raise Forbidden("The leader cannot be removed, and nobody removes themselves.")
    if target.role == Role.FACILITATOR and change.member.role != Role.LEADER:
        raise Forbidden("Only the leader removes a facilitator.")
    # Someone who has left cannot own part of the plan: their claims are released.
    owned = list(Ownership.objects.filter(member=target).order_by("item_id").values_list("item_id", flat=True))
    Ownership.objects.filter(member=target).delete()
    for item_id in owned:
        owners = list(Ownership.objects.filter(item_id=item_id).order_by("id").values_list("member_id", flat=True))
        change.emit("item.owners", {"item": item_id, "owners": owners})
    target.removed_at = now()
    target.ready = False
    target.save(update_fields=["removed_at", "ready"])
    change.emit("member.removed", {"member": target.id})
