"""Plan items: adding, editing, moving, deleting, and their status."""

from __future__ import annotations

from datetime import date
from typing import Any

from planning import limits
from planning.board import get_item, get_lane, item_payload, lane_item_ids, renumber, votes_used
from planning.changes import FACILITATING, PARTICIPATING, Change, operation
from planning.errors import Conflict, Forbidden, Invalid, LimitReached
from planning.models import Item, ItemStatus, Vote
from planning.payloads import item_json
from planning.phases import EDITING_PHASES, require_plan_phase
from planning.validation import UNSET, choice, identifier, integer, optional_date, text


def _criterion(change: Change, value: Any) -> int | None:
    if value is None:
        return None
    index = integer(value, "criterion", minimum=0)
    if index >= len(change.workshop.success_criteria):
        raise Invalid("criterion", "There is no such success criterion.")
    return index


def _may_change_content(change: Change, item: Item) -> None:
    if item.author_id != change.member.id and change.member.role not in FACILITATING:
        raise Forbidden("Only the item's author or a facilitator may change it.")


@operation
def item_add(
    change: Change,
    *,
    lane: Any,
    title: Any,
    notes: Any = "",
    due: Any = None,
    criterion: Any = None,
) -> None:
    change.require_role(PARTICIPATING)
    change.require_phase(EDITING_PHASES, "Items can be added in the gather and plan phases.")
    target = get_lane(change.workshop, identifier(lane, "lane"))
    fields = {
        "title": text(title, "title", min_length=1, max_length=limits.TITLE_MAX),
        "notes": text(notes, "notes", min_length=0, max_length=limits.NOTES_MAX),
        "due": optional_date(due, "due"),
        "criterion": _criterion(change, criterion),
    }
    if Item.objects.filter(workshop=change.workshop).count() >= limits.MAX_ITEMS:
        raise LimitReached(f"A workshop holds at most {limits.MAX_ITEMS} items.")
    item = Item.objects.create(
        workshop=change.workshop,
        lane=target,
        position=Item.objects.filter(lane=target).count(),
        author=change.member,
        **fields,
    )
    change.emit("item.added", {"item": item_json(item, owners=[], votes=0)})


@operation
def item_edit(
    change: Change,
    *,
    item: Any,
    version: Any,
    title: Any = UNSET,
    notes: Any = UNSET,
    due: Any = UNSET,
    criterion: Any = UNSET,
) -> None:
    change.require_role(PARTICIPATING)
    change.require_phase(EDITING_PHASES, "Items can be edited in the gather and plan phases.")
    target = get_item(change.workshop, identifier(item, "item"))
    _may_change_content(change, target)
    version = integer(version, "version")
    updates: dict[str, str | date | int | None] = {}
    if title is not UNSET:
        updates["title"] = text(title, "title", min_length=1, max_length=limits.TITLE_MAX)
    if notes is not UNSET:
        updates["notes"] = text(notes, "notes", min_length=0, max_length=limits.NOTES_MAX)
    if due is not UNSET:
        updates["due"] = optional_date(due, "due")
    if criterion is not UNSET:
        updates["criterion"] = _criterion(change, criterion)
    if version != target.version:
        raise Conflict(
            "Someone changed this item while you were editing it.",
            item=item_payload(target, change.workshop),
        )
    if not updates or all(getattr(target, name) == value for name, value in updates.items()):
        return
    for name, value in updates.items():
        setattr(target, name, value)
    target.version += 1
    target.save(update_fields=[*updates, "version"])
    change.emit("item.edited", {"item": item_payload(target, change.workshop)})


@operation
def item_move(change: Change, *, item: Any, lane: Any, index: Any) -> None:
    change.require_role(PARTICIPATING)
    change.require_phase(EDITING_PHASES, "Items can be moved in the gather and plan phases.")
    target = get_item(change.workshop, identifier(item, "item"))
    destination = get_lane(change.workshop, identifier(lane, "lane"))
    index = integer(index, "index")
    source_ids = [i for i in lane_item_ids(target.lane) if i != target.id]
    destination_ids = source_ids if destination.id == target.lane_id else lane_item_ids(destination)
    index = max(0, min(index, len(destination_ids)))
    if destination.id == target.lane_id and target.position == index:
        return
    destination_ids.insert(index, target.id)
    if destination.id != target.lane_id:
        Item.objects.filter(pk=target.pk).update(lane=destination)
        renumber(target.lane_id, source_ids)
    renumber(destination.id, destination_ids)
    change.emit("item.moved", {"item": target.id, "lane": destination.id, "index": index})


@operation
def item_delete(change: Change, *, item: Any) -> None:
    change.require_role(PARTICIPATING)
    change.require_phase(EDITING_PHASES, "Items can be deleted in the gather and plan phases.")
    target = get_item(change.workshop, identifier(item, "item"))
    _may_change_content(change, target)
    voters = list(Vote.objects.filter(item=target).select_related("member").order_by("member_id"))
    item_id, lane = target.id, target.lane
    target.delete()
    renumber(lane.id, lane_item_ids(lane))
    change.emit("item.deleted", {"item": item_id})
    # The dots on a deleted item go back to the people who gave them.
    for vote in voters:
        if vote.member.removed_at is None:
            change.emit(
                "vote.changed",
                {"member": vote.member_id, "used": votes_used(vote.member)},
                private={"member": vote.member_id, "data": {"item": item_id, "dots": 0}},
            )


@operation
def item_status(change: Change, *, item: Any, status: Any) -> None:
    change.require_role(FACILITATING, "Only a facilitator sets an item's status.")
    require_plan_phase(change, "Item status is set in the plan phase.")
    target = get_item(change.workshop, identifier(item, "item"))
    status = choice(status, "status", frozenset(ItemStatus.values))
    if target.status == status:
        return
    target.status = status
    target.save(update_fields=["status"])
    change.emit("item.status", {"item": target.id, "status": status})
