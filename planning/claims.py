"""Who owns an item: members claim for themselves, facilitators assign anyone."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from core.errors import Invalid
from core.sql import fetch_all, insert_statement
from core.validation import identifier
from goals.members import get_member
from goals.models import FACILITATING, PARTICIPATING, Member, Role
from live.changes import Change, operation
from planning.board import let_go, missing_item
from planning.models import HelpOffer, Ownership
from planning.payloads import help_values
from planning.phases import CLAIMING_PHASES
from planning.privacy import card_back, face_down, require_face_up


def _owners(change: Change, item: Any) -> tuple[int, int, list[int]]:
    """The item's id, author and owners in claim order, in one query that also finds it in this workshop."""
    item_id = identifier(item, "item")
    rows = fetch_all(
        "SELECT i.author_id, o.member_id FROM planning_item i LEFT JOIN planning_ownership o ON o.item_id = i.id"
        " WHERE i.id = %s AND i.workshop_id = %s ORDER BY o.id",
        [item_id, change.workshop.id],
    )
    if not rows:
        raise missing_item(item_id)
    require_face_up(change, rows[0][0])
    return item_id, rows[0][0], [member_id for (_, member_id) in rows if member_id is not None]


def _emit_owners(change: Change, item_id: int, author_id: int, owners: list[int]) -> None:
    change.emit(
        "item.owners",
        {"item": item_id, "owners": owners},
        only_for=card_back(change, author_id, {"item": item_id, "hidden": True}),
    )


def _set_owner(change: Change, item: tuple[int, int, list[int]], member: Member, *, owns: bool) -> None:
    item_id, author_id, owners = item
    if owns:
        if member.role == Role.OBSERVER:
            raise Invalid("member", "Observers cannot own items.")
        if member.id in owners:
            return
        # Claim order is id order, and this row's id is the newest of the item's.
        ownership = Ownership(
            workshop_id=change.workshop.id, item_id=item_id, member_id=member.id, claimed_at=timezone.now()
        )
        change.write(*insert_statement([ownership], ("workshop_id", "item_id", "member_id", "claimed_at")))
        owners = [*owners, member.id]
    else:
        if member.id not in owners:
            return
        change.write("DELETE FROM planning_ownership WHERE item_id = %s AND member_id = %s", [item_id, member.id])
        owners = [owner for owner in owners if owner != member.id]
    _emit_owners(change, item_id, author_id, owners)


def _claim(change: Change, item: Any, *, owns: bool) -> None:
    change.require_role(PARTICIPATING, "Observers cannot claim items.")
    change.require_phase(CLAIMING_PHASES, "Items cannot be claimed once the plan is agreed.")
    _set_owner(change, _owners(change, item), change.member, owns=owns)


def _assign(change: Change, item: Any, member: Any, *, owns: bool) -> None:
    change.require_role(FACILITATING, "Only a facilitator assigns owners.")
    change.require_phase(CLAIMING_PHASES, "Owners cannot change once the plan is agreed.")
    found = _owners(change, item)
    _set_owner(change, found, get_member(change.workshop, identifier(member, "member")), owns=owns)


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


def release_member(change: Change, member: Member) -> None:
    """Someone who has left, or only watches, cannot own part of the plan nor offer help on it:
    each item they owned, or offered help on, says who is left."""
    released = let_go(change, Ownership, member.id)
    offered = let_go(change, HelpOffer, member.id)
    authors = _authors(change, [*released, *offered])
    for item_id, owners in released.items():
        _emit_owners(change, item_id, authors.get(item_id, 0), list(owners))
    for item_id, offers in offered.items():
        helpers, help_notes = help_values(offers)
        change.emit(
            "item.helpers",
            {"item": item_id, "helpers": helpers, "help_notes": help_notes},
            only_for=card_back(change, authors.get(item_id, 0), {"item": item_id, "hidden": True}),
        )


def _authors(change: Change, item_ids: list[int]) -> dict[int, int]:
    """Who wrote these items, when it matters: while cards are face down."""
    if not item_ids or not face_down(change.workshop):
        return {}
    placeholders = ", ".join("%s" for _ in item_ids)
    return dict(fetch_all(f"SELECT id, author_id FROM planning_item WHERE id IN ({placeholders})", item_ids))  # noqa: S608
