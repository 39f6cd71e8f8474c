"""The planning game's ops (protocol §10): a card's estimate, and the workshop's planning settings."""

from __future__ import annotations

from typing import Any

from core.errors import BadRequest, Invalid
from core.sql import fetch_one
from core.validation import UNSET, identifier, integer
from goals.models import FACILITATING, PARTICIPATING
from live.changes import Change, operation
from planning.agenda_steps import planning_setting
from planning.board import missing_item
from planning.capacity import ESTIMATES
from planning.phases import EDITING_PHASES, require_open_board
from planning.privacy import card_back, face_down, planning_of, public_load, require_face_up, reveal


def _hours(value: Any) -> int | None:
    if value is None:
        return None
    hours = integer(value, "hours")
    if hours not in ESTIMATES:
        raise Invalid("hours", f"An estimate is one of {', '.join(map(str, ESTIMATES))} hours, or null.")
    return hours


@operation
def item_estimate(change: Change, *, item: Any, hours: Any) -> None:
    change.require_role(PARTICIPATING, "Observers do not estimate.")
    change.require_phase(EDITING_PHASES, "Items are estimated in the gather and plan phases.")
    item_id = identifier(item, "item")
    found = fetch_one(
        "SELECT estimate, author_id FROM planning_item WHERE id = %s AND workshop_id = %s",
        [item_id, change.workshop.id],
    )
    if found is None:
        raise missing_item(item_id)
    current, author_id = found
    estimate = _hours(hours)
    require_face_up(change, author_id)
    if estimate == current:
        return
    change.write("UPDATE planning_item SET estimate = %s WHERE id = %s", [estimate, item_id])
    change.emit(
        "item.estimated",
        {"item": item_id, "estimate": estimate},
        only_for=card_back(change, author_id, {"item": item_id, "hidden": True}),
    )


@operation
def planning_set(
    change: Change, *, estimates: Any = UNSET, capacity_hours: Any = UNSET, private_gather: Any = UNSET
) -> None:
    change.require_role(FACILITATING, "Only a facilitator changes the planning settings.")
    require_open_board(change)
    given = {"estimates": estimates, "capacity_hours": capacity_hours, "private_gather": private_gather}
    given = {name: value for name, value in given.items() if value is not UNSET}
    if not given:
        raise BadRequest("`planning.set` needs estimates, capacity_hours or private_gather.", field="estimates")
    workshop = change.workshop
    settings = planning_of(workshop)
    for name, value in given.items():
        settings[name] = planning_setting(name, value, name)
    if settings == planning_of(workshop):
        return
    if face_down(workshop) and not face_down(workshop, private_gather=settings["private_gather"]):
        reveal(change)
    workshop.planning = settings
    change.save_workshop("planning")
    change.emit("planning.changed", {"planning": settings, "load": public_load(workshop)})
