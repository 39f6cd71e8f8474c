"""Walking the room through items: the facilitator's current item, which every screen follows.

The focus is shared state like the timer: one nullable id on the workshop row, changed only under
its lock and logged as `walk.focused`. It is about the room, not the plan, so a facilitator may
walk through the board in every phase (reading out the agreed plan included), and no plan or
export carries it. Whatever takes the focused item away ends the walk in the same op: deleting
the item, and a phase change (a new phase starts from the whole board).
"""

from __future__ import annotations

from typing import Any

from core.sql import fetch_one
from core.validation import identifier
from goals.models import FACILITATING
from live.changes import Change, operation
from planning.board import missing_item


@operation
def walk_focus(change: Change, *, item: Any) -> None:
    change.require_role(FACILITATING, "Only a facilitator walks the room through the items.")
    item_id = None if item is None else identifier(item, "item")
    if item_id is not None:
        found = fetch_one(
            "SELECT 1 FROM planning_item WHERE id = %s AND workshop_id = %s", [item_id, change.workshop.id]
        )
        if found is None:
            raise missing_item(item_id)
    if change.workshop.focus_item_id == item_id:
        return
    _focus(change, item_id)


def walk_end(change: Change) -> None:
    """End the walk, if there is one, within an op that takes its item or its context away."""
    if change.workshop.focus_item_id is not None:
        _focus(change, None)


def _focus(change: Change, item_id: int | None) -> None:
    change.workshop.focus_item_id = item_id
    change.save_workshop("focus_item_id")
    change.emit("walk.focused", {"item": item_id})
