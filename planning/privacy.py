"""Private writing (protocol §10): while a workshop with `private_gather` gathers, each card shows
face down to everyone but its author, facilitators included, so that the first voice does not
anchor the room.

A card's content reaches others through one gate: an event about a face-down card carries the
card as others may see it, and the whole of it as the author's private part; the fan-out still
encodes each event once for everyone and once for the author (live.broadcast). Once gathering
ends, `items.revealed` turns every card over at once, before the phase's own events.
"""

from __future__ import annotations

from typing import Any

from core.errors import Forbidden
from core.sql import fetch_one
from goals.models import Phase, Workshop
from live.changes import Change
from planning.agenda_steps import DEFAULT_PLANNING
from planning.board import board_items


def planning_of(workshop: Workshop) -> dict[str, Any]:
    """The workshop's planning settings, defaults filled in."""
    return {**DEFAULT_PLANNING, **workshop.planning}


def face_down(workshop: Workshop, *, phase: str | None = None, private_gather: bool | None = None) -> bool:
    """Whether others' cards are face down, now or with the given phase or setting."""
    if private_gather is None:
        private_gather = bool(planning_of(workshop)["private_gather"])
    return private_gather and (phase or workshop.phase) == Phase.GATHER


def hidden_from(workshop: Workshop, author_id: int, viewer_id: int | None) -> bool:
    return author_id != viewer_id and face_down(workshop)


def require_face_up(change: Change, author_id: int) -> None:
    """Only what a face-down card shows (where it lies, its stack) may be changed by anyone but its author."""
    if hidden_from(change.workshop, author_id, change.member.id):
        raise Forbidden("This card stays face down until the gather phase ends; only its author can change it.")


def card_back(change: Change, author_id: int, shown: dict[str, Any]) -> tuple[int, dict[str, Any]] | None:
    """`Change.emit`'s `only_for` for an event about a card: while cards are face down, the event's data
    goes to the card's author alone and everyone else is shown `shown`; otherwise everyone gets the data."""
    return (author_id, shown) if face_down(change.workshop) else None


def shown_to(items: list[dict[str, Any]], workshop: Workshop, viewer_id: int | None) -> list[dict[str, Any]]:
    """The board's items as `viewer_id` sees them."""
    if not face_down(workshop):
        return items
    return [item if item["author"] == viewer_id else hidden_item(item) for item in items]


def hidden_item(item: dict[str, Any]) -> dict[str, Any]:
    """A card face down: where it lies and whose it is, nothing it says."""
    return {
        "id": item["id"],
        "lane": item["lane"],
        "position": item["position"],
        "author": item["author"],
        "stack": item["stack"],
        "hidden": True,
    }


def load_seen(items: list[dict[str, Any]]) -> int:
    """The load (protocol §10) a viewer sees: the estimates of the accepted cards shown to them."""
    return sum(item["estimate"] or 0 for item in items if not item.get("hidden") and item["status"] == "accepted")


def public_load(workshop: Workshop) -> int:
    """The load of the cards everyone sees in full (all accepted ones, unless cards are face down),
    for the events that carry it; each client counts its own from the cards it is shown."""
    if face_down(workshop):
        return 0
    found = fetch_one(
        "SELECT COALESCE(SUM(estimate), 0) FROM planning_item WHERE workshop_id = %s AND status = 'accepted'",
        [workshop.id],
    )
    return int(found[0]) if found else 0


def reveal(change: Change) -> None:
    """Turn every card over: `items.revealed` with the whole board, as it stands under the lock."""
    change.emit("items.revealed", {"items": board_items(change.workshop)})
