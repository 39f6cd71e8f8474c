"""The protocol's JSON objects, built from model rows in one place."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from goals.payloads import iso
from planning.models import CheckIn, ConfidenceCheck, Item, Lane


def lane_json(lane: Lane) -> dict[str, Any]:
    return {"id": lane.id, "title": lane.title}


# What an item's JSON is made of, in the order `item_values` takes it: a snapshot reads these
# columns for every item on the board, and building 2,000 model instances would cost more.
ITEM_COLUMNS = (
    "id",
    "lane_id",
    "position",
    "title",
    "notes",
    "due",
    "criterion",
    "status",
    "author_id",
    "version",
    "estimate",
    "stack_id",
    "progress_state",
    "progress_note",
    "progress_by_id",
    "progress_at",
)


def progress_values(state: str, note: str, by: int | None, at: datetime | None) -> dict[str, Any] | None:
    """An item's `progress` (protocol §7): null until someone reports."""
    if not state:
        return None
    return {"state": state, "note": note, "by": by, "at": iso(at)}


def help_values(offers: Mapping[int, str]) -> tuple[list[int], dict[str, str]]:
    """An item's `helpers` and `help_notes` (protocol §7) from its offers, {member id: note} in the
    order they offered: every helper, and the notes of those who said how they can help (keyed by
    the id as text, as JSON keys are)."""
    return list(offers), {str(member_id): note for member_id, note in offers.items() if note}


def item_values(
    values: Sequence[Any], *, owners: list[int], votes: int | None, offers: Mapping[int, str] | None = None
) -> dict[str, Any]:
    item_id, lane, position, title, notes, due, criterion, status, author, version, estimate, stack, *progress = values
    helpers, help_notes = help_values(offers or {})
    return {
        "id": item_id,
        "lane": lane,
        "position": position,
        "title": title,
        "notes": notes,
        "due": iso(due),
        "criterion": criterion,
        "status": status,
        "author": author,
        "owners": owners,
        "votes": votes,
        "version": version,
        "estimate": estimate,
        "stack": stack,
        "progress": progress_values(*progress),
        "helpers": helpers,
        "help_notes": help_notes,
    }


def item_json(
    item: Item, *, owners: list[int], votes: int | None, offers: Mapping[int, str] | None = None
) -> dict[str, Any]:
    return item_values([getattr(item, name) for name in ITEM_COLUMNS], owners=owners, votes=votes, offers=offers)


def checkin_json(checkin: CheckIn) -> dict[str, Any]:
    return {
        "number": checkin.number,
        "at": iso(checkin.at),
        "by": checkin.by_id,
        "note": checkin.note,
        "counts": checkin.counts,
    }


def confidence_json(check: ConfidenceCheck | None, answers: int) -> dict[str, Any]:
    if check is None:
        return {"open": False, "answers": 0, "result": None}
    result = None
    if check.closed_at is not None:
        result = {"histogram": check.histogram, "mean": check.mean}
    return {"open": check.closed_at is None, "answers": answers, "result": result}
