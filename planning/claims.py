"""Who owns an item: members claim for themselves, facilitators assign anyone."""

from __future__ import annotations

from typing import Any

from goals.models import Member, Role
from planning.board import get_item, get_member, owners_of
from planning.changes import FACILITATING, PARTICIPATING, Change, operation
from planning.errors import Invalid
from planning.models import Item, Ownership
from planning.phases import CLAIMING_PHASES
from planning.validation import identifier


def _set_owner(change: Change, item: Item, member: Member, *, owns: bool) -> None:
    if owns:
        if member.role == Role.OBSERVER:
            raise Invalid("member", "Observers cannot own items.")
        _, created = Ownership.objects.get_or_create(workshop=change.workshop, item=item, member=member)
        if not created:
            return
    elif not Ownership.objects.filter(item=item, member=member).delete()[0]:
        return
    change.emit("item.owners", {"item": item.id, "owners": owners_of(item.id)})


def _claim(change: Change, item: Any, *, owns: bool) -> None:
    change.require_role(PARTICIPATING, "Observers cannot claim items.")
    change.require_phase(CLAIMING_PHASES, "Items cannot be claimed once the plan is agreed.")
    _set_owner(change, get_item(change.workshop, identifier(item, "item")), change.member, owns=owns)


def _assign(change: Change, item: Any, member: Any, *, owns: bool) -> None:
    change.require_role(FACILITATING, "Only a facilitator assigns owners.")
    change.require_phase(CLAIMING_PHASES, "Owners cannot change once the plan is agreed.")
    target = get_item(change.workshop, identifier(item, "item"))
    _set_owner(change, target, get_member(change.workshop, identifier(member, "member")), owns=owns)


@operation
def item_claim(change: Change, *, item: Any) -> None:
    _claim(change, item, owns=True)


@operation
def item_unclaim(change: Change, *, item: Any) -> None:
    _claim(change, item, owns=False)


@operation
def item_assign(change: Change, *, item: Any, member: Any) -> None:
    _assign(change, item, member, owns=True)


@operation
def item_unassign(change: Change, *, item: Any, member: Any) -> None:
    _assign(change, item, member, owns=False)
