"""What changed in the accepted plan from one version to the next, for the exports' "Changed since".

Both sides are plan contents as `planning.plan.current_plan` freezes them, compared by item id,
so that an item renamed or moved to another lane is still the same item. Only the accepted plan
counts: items that joined or left it, and, for items accepted in both, their owners and due dates.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from planning.exports.dates import human_date
from planning.models import ItemStatus

ADDED, DROPPED, OWNERS, DUE = "added", "dropped", "owners", "due"
# Where an item that joined the plan was before, or an item that left it went.
NOT_ON_THE_BOARD = "gone"


@dataclass(frozen=True)
class ItemChange:
    """One change to one item. `before` and `after` hold what changed: the item's status (or
    NOT_ON_THE_BOARD) for ADDED and DROPPED, its owners' names for OWNERS, its ISO due date (None
    for none) for DUE."""

    kind: str
    item_id: int
    title: str  # as it reads now; as it read before for an item no longer on the board
    lane: str
    before: Any
    after: Any


@dataclass(frozen=True)
class PlanChanges:
    since: int  # the version compared with
    added: list[ItemChange]
    dropped: list[ItemChange]
    owners: list[ItemChange]
    due: list[ItemChange]

    def __iter__(self) -> Iterator[ItemChange]:
        """Every change: added, dropped, owners, due dates; each kind in board order."""
        yield from self.added
        yield from self.dropped
        yield from self.owners
        yield from self.due

    def __bool__(self) -> bool:
        return bool(self.added or self.dropped or self.owners or self.due)


def _items(content: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """The content's items by id, in board order, each with its lane's title."""
    return {item["id"]: {**item, "lane": lane["title"]} for lane in content["lanes"] for item in lane["items"]}


def _accepted(item: dict[str, Any] | None) -> bool:
    return item is not None and item["status"] == ItemStatus.ACCEPTED


def plan_changes(previous: dict[str, Any], current: dict[str, Any]) -> PlanChanges:
    """The changes from the plan `previous` (an agreed version) to the plan `current`."""
    before, after = _items(previous), _items(current)
    added, owners, due = [], [], []
    for item_id, item in after.items():
        old = before.get(item_id)
        if not _accepted(item):
            continue
        if not _accepted(old):
            was = old["status"] if old is not None else NOT_ON_THE_BOARD
            added.append(ItemChange(ADDED, item_id, item["title"], item["lane"], was, item["status"]))
            continue
        assert old is not None  # accepted before
        # Owners are a set: the order people claimed in is not a change to the plan.
        if set(old["owners"]) != set(item["owners"]):
            owners.append(ItemChange(OWNERS, item_id, item["title"], item["lane"], old["owners"], item["owners"]))
        if old["due"] != item["due"]:
            due.append(ItemChange(DUE, item_id, item["title"], item["lane"], old["due"], item["due"]))
    dropped = []
    for item_id, old in before.items():
        if _accepted(old) and not _accepted(after.get(item_id)):
            now = after.get(item_id)
            status = now["status"] if now is not None else NOT_ON_THE_BOARD
            title, lane = (now["title"], now["lane"]) if now is not None else (old["title"], old["lane"])
            dropped.append(ItemChange(DROPPED, item_id, title, lane, old["status"], status))
    return PlanChanges(since=previous["version"], added=added, dropped=dropped, owners=owners, due=due)


CHANGE_LABELS = {ADDED: "Added", DROPPED: "Dropped", OWNERS: "Owners", DUE: "Due date"}
_STATUS_TEXT = {
    NOT_ON_THE_BOARD: "Not on the board",
    ItemStatus.PROPOSED: "Proposed",
    ItemStatus.DROPPED: "Dropped",
    ItemStatus.ACCEPTED: "Accepted",
}


def describe_change(change: ItemChange) -> tuple[str, str, str]:
    """A change as the exports print it: its label, what was before and what is now."""
    if change.kind in (ADDED, DROPPED):
        before, after = _STATUS_TEXT[change.before], _STATUS_TEXT[change.after]
        if change.after == NOT_ON_THE_BOARD:
            after = "Deleted from the board"
        elif change.kind == ADDED:
            after = f"Accepted, in {change.lane}"
    elif change.kind == OWNERS:
        before, after = ", ".join(change.before) or "Nobody", ", ".join(change.after) or "Nobody"
    else:
        before, after = human_date(change.before) or "No due date", human_date(change.after) or "No due date"
    return CHANGE_LABELS[change.kind], before, after
