"""A member's role changes and removal: changes of people that the board follows, since someone
who leaves, or only watches from now on, lets go of the items they owned and the help they offered."""

from __future__ import annotations

from typing import Any

from core import clock
from core.errors import Forbidden, Invalid
from core.validation import choice, identifier
from goals.members import get_member
from goals.models import FACILITATING, Member, Role
from goals.payloads import member_json
from live.changes import Change, operation
from planning.claims import release_member

ASSIGNABLE_ROLES = frozenset({Role.FACILITATOR, Role.MEMBER, Role.OBSERVER})


@operation
def member_role(change: Change, *, member: Any, role: Any) -> None:
    change.require_role({Role.LEADER}, "Only the leader changes roles.")
    target = get_member(change.workshop, identifier(member, "member"))
    role = choice(role, "role", ASSIGNABLE_ROLES)
    if target.role == Role.LEADER:
        raise Invalid("member", "The leader's role does not change.")
    if target.role == role:
        return
    if role == Role.OBSERVER:
        release_member(change, target)
        target.ready = False
    target.role = role
    change.update(target, ["role", "ready"])
    change.emit("member.changed", {"member": member_json(target)})


@operation
def member_remove(change: Change, *, member: Any) -> None:
    change.require_role(FACILITATING, "Only a facilitator removes members.")
    target = get_member(change.workshop, identifier(member, "member"))
    if target.role == Role.LEADER or target.id == change.member.id:
        raise Forbidden("The leader cannot be removed, and nobody removes themselves.")
    if target.role == Role.FACILITATOR and change.member.role != Role.LEADER:
        raise Forbidden("Only the leader removes a facilitator.")
    release_member(change, target)
    target.removed_at = clock.now()
    target.ready = False
    change.update(target, ["removed_at", "ready"])
    change.emit("member.removed", {"member": target.id})


def member_dismiss(change: Change, member: Member, role_before: str | None) -> None:
    """Take back, within an op, a membership given from outside the workshop (goals.members.admit):
    someone who was not a member before is removed as `member.remove` removes (claims and help
    released); someone who was is put back to `role_before` if they still hold the role given.
    The leader is never touched."""
    if member.removed_at is not None or member.role == Role.LEADER:
        return
    if role_before is None:
        release_member(change, member)
        member.removed_at = clock.now()
        member.ready = False
        change.update(member, ["removed_at", "ready"])
        change.emit("member.removed", {"member": member.id})
        return
    if member.role != Role.FACILITATOR or role_before == Role.FACILITATOR:
        return
    if role_before == Role.OBSERVER:
        release_member(change, member)
        member.ready = False
    member.role = role_before
    change.update(member, ["role", "ready"])
    change.emit("member.changed", {"member": member_json(member)})
