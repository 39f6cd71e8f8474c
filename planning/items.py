"""Plan items: adding, editing, moving, deleting, and their status.

Positions in a lane are 0..n-1 in board order, always: every change to them
happens here under the workshop lock, so a move or a delete shifts the items
between the old and new place with one UPDATE instead of rewriting the lane.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.utils import timezone

from core import limits
from core.errors import BadRequest, Conflict, Forbidden, Invalid, LimitReached
from core.sql import fetch_all, fetch_one, update_statement
from core.validation import UNSET, choice, identifier, integer, optional_date, text
from goals.models import FACILITATING, PARTICIPATING
from live.changes import Change, operation
from planning import stacks
from planning.board import get_item, item_payload, missing_item, missing_lane
from planning.models import Item, ItemStatus
from planning.payloads import item_json
from planning.phases import EDITING_PHASES, require_plan_phase
from planning.privacy import card_back, hidden_item, require_face_up
from planning.walk import walk_end

ITEM_FIELDS = (
    "workshop_id",
    "lane_id",
    "position",
    "title",
    "notes",
    "due",
    "criterion",
    "status",
    "author_id",
    "version",
    "created_at",
)

STATUSES = frozenset(ItemStatus.values)


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
    lane_id = identifier(lane, "lane")
    found = fetch_one(
        "SELECT (SELECT COUNT(*) FROM planning_item WHERE lane_id = l.id),"
        " (SELECT COUNT(*) FROM planning_item WHERE workshop_id = l.workshop_id)"
        " FROM planning_lane l WHERE l.id = %s AND l.workshop_id = %s",
        [lane_id, change.workshop.id],
    )
    if found is None:
        raise missing_lane(lane_id)
    in_lane, in_workshop = found
    fields = {
        "title": text(title, "title", min_length=1, max_length=limits.TITLE_MAX),
        "notes": text(notes, "notes", min_length=0, max_length=limits.NOTES_MAX),
        "due": optional_date(due, "due"),
        "criterion": _criterion(change, criterion),
    }
    if in_workshop >= limits.MAX_ITEMS:
        raise LimitReached(f"A workshop holds at most {limits.MAX_ITEMS} items.")
    item = Item(
        workshop_id=change.workshop.id,
        lane_id=lane_id,
        position=in_lane,
        author_id=change.member.id,
        created_at=timezone.now(),
        **fields,
    )
    change.insert_now(item, ITEM_FIELDS)
    added = item_json(item, owners=[], votes=0)
    change.emit("item.added", {"item": added}, only_for=card_back(change, item.author_id, {"item": hidden_item(added)}))


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
    require_face_up(change, target.author_id)
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
    change.write(*update_statement(target, [*updates, "version"]))
    edited = item_payload(target, change.workshop)
    shown = {"item": hidden_item(edited)}
    change.emit("item.edited", {"item": edited}, only_for=card_back(change, target.author_id, shown))


@operation
def item_move(change: Change, *, item: Any, lane: Any, index: Any) -> None:
    change.require_role(PARTICIPATING)
    change.require_phase(EDITING_PHASES, "Items can be moved in the gather and plan phases.")
    item_id = identifier(item, "item")
    # The item and the destination lane in one query; a `lane` that is no id finds no lane, and is
    # refused by `identifier` once the item is known to be there.
    try:
        lane_id: int | None = identifier(lane, "lane")
    except BadRequest:
        lane_id = None
    found = fetch_one(
        "SELECT i.lane_id, i.position, l.id, (SELECT COUNT(*) FROM planning_item WHERE lane_id = l.id AND id <> i.id),"
        " i.stack_id, EXISTS (SELECT 1 FROM planning_item WHERE stack_id = i.id),"
        " EXISTS (SELECT 1 FROM planning_item WHERE lane_id = l.id AND stack_id IS NOT NULL AND id <> i.id)"
        " FROM planning_item i LEFT JOIN planning_lane l ON l.id = %s AND l.workshop_id = i.workshop_id"
        " WHERE i.id = %s AND i.workshop_id = %s",
        [lane_id, item_id, change.workshop.id],
    )
    if found is None:
        raise missing_item(item_id)
    destination = identifier(lane, "lane")
    source, position, lane_found, size, stack, heads, stacks_there = found
    if lane_found is None:
        raise missing_lane(destination)
    index = max(0, min(integer(index, "index"), size))
    if stack is not None or heads or stacks_there:
        # A stacked card dragged away leaves its stack; a head takes its stack along.
        if stack is not None:
            stacks.unstack(change, item_id)
        block = [item_id, *stacks.find(change, item_id).stacked]
        stacks.relocate(change, block, source, destination, index=index)
        return
    if destination == source and position == index:
        return
    if destination == source:
        # The items between the old and the new place shift one towards the old place.
        low, high, shift = (index, position, 1) if index < position else (position, index, -1)
        change.write(
            "UPDATE planning_item SET position = CASE WHEN id = %s THEN %s ELSE position + %s END"
            " WHERE lane_id = %s AND position >= %s AND position <= %s",
            [item_id, index, shift, source, low, high],
        )
    else:
        # The items after it in its lane move up, those from `index` on in the destination move down.
        change.write(
            "UPDATE planning_item SET"
            " position = CASE WHEN id = %s THEN %s WHEN lane_id = %s THEN position - 1 ELSE position + 1 END,"
            " lane_id = CASE WHEN id = %s THEN %s ELSE lane_id END"
            " WHERE id = %s OR (lane_id = %s AND position > %s) OR (lane_id = %s AND position >= %s)",
            [item_id, index, source, item_id, destination, item_id, source, position, destination, index],
        )
    change.emit("item.moved", {"item": item_id, "lane": destination, "index": index})


@operation
def item_delete(change: Change, *, item: Any) -> None:
    change.require_role(PARTICIPATING)
    change.require_phase(EDITING_PHASES, "Items can be deleted in the gather and plan phases.")
    target = get_item(change.workshop, identifier(item, "item"))
    _may_change_content(change, target)
    require_face_up(change, target.author_id)
    # Present voters, with the dots they will have used once this item's are gone.
    voters = fetch_all(
        "SELECT v.member_id, (SELECT SUM(o.dots) FROM planning_vote o WHERE o.member_id = v.member_id) - v.dots"
        " FROM planning_vote v JOIN goals_member m ON m.id = v.member_id"
        " WHERE v.item_id = %s AND m.removed_at IS NULL ORDER BY v.member_id",
        [target.id],
    )
    stacks.behead(change, target.id)
    change.write("DELETE FROM planning_vote WHERE item_id = %s", [target.id])
    change.write("DELETE FROM planning_ownership WHERE item_id = %s", [target.id])
    change.write("DELETE FROM planning_helpoffer WHERE item_id = %s", [target.id])
    change.write("DELETE FROM planning_item WHERE id = %s", [target.id])
    change.write(
        "UPDATE planning_item SET position = position - 1 WHERE lane_id = %s AND position > %s",
        [target.lane_id, target.position],
    )
    if change.workshop.focus_item_id == target.id:
        # Before the deletion, so that no state between the two events points at a missing item.
        walk_end(change)
    change.emit("item.deleted", {"item": target.id})
    # The dots on a deleted item go back to the people who gave them.
    for member_id, used in voters:
        change.emit(
            "vote.changed",
            {"member": member_id, "used": used},
            private={"member": member_id, "data": {"item": target.id, "dots": 0}},
        )


@operation
def item_status(change: Change, *, item: Any, status: Any) -> None:
    change.require_role(FACILITATING, "Only a facilitator sets an item's status.")
    require_plan_phase(change, "Item status is set in the plan phase.")
    item_id = identifier(item, "item")
    found = fetch_one(
        "SELECT status, progress_state, EXISTS (SELECT 1 FROM planning_helpoffer WHERE item_id = i.id)"
        " FROM planning_item i WHERE id = %s AND workshop_id = %s",
        [item_id, change.workshop.id],
    )
    if found is None:
        raise missing_item(item_id)
    status = choice(status, "status", STATUSES)
    current, progress, helped = found
    if current == status:
        return
    if status == ItemStatus.ACCEPTED:
        change.write("UPDATE planning_item SET status = %s WHERE id = %s", [status, item_id])
        change.emit("item.status", {"item": item_id, "status": status})
        return
    # Only accepted items carry progress and helpers (protocol §7): an item leaving the plan
    # leaves its thread behind, and says so in events of its own.
    change.write(
        "UPDATE planning_item SET status = %s, progress_state = '', progress_note = '', progress_by_id = NULL,"
        " progress_at = NULL WHERE id = %s",
        [status, item_id],
    )
    change.emit("item.status", {"item": item_id, "status": status})
    if progress:
        change.emit("item.progress", {"item": item_id, "progress": None})
    if helped:
        change.write("DELETE FROM planning_helpoffer WHERE item_id = %s", [item_id])
        change.emit("item.helpers", {"item": item_id, "helpers": [], "help_notes": {}})


def forget_lost_criteria(change: Change) -> None:
    """Items that served a criterion which no longer exists serve none, once the goal is edited."""
    workshop = change.workshop
    change.write(
        "UPDATE planning_item SET criterion = NULL WHERE workshop_id = %s AND criterion >= %s",
        [workshop.id, len(workshop.success_criteria)],
    )
