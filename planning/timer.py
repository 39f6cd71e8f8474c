"""The shared countdown: everyone sees the same end time, counted down locally."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core import clock, limits
from core.validation import integer
from goals.models import FACILITATING
from goals.payloads import iso
from live.changes import Change, operation


@operation
def timer_start(change: Change, *, seconds: Any) -> None:
    change.require_role(FACILITATING, "Only a facilitator runs the timer.")
    seconds = integer(seconds, "seconds", minimum=limits.TIMER_MIN_SECONDS, maximum=limits.TIMER_MAX_SECONDS)
    timer_run(change, seconds=seconds)


@operation
def timer_stop(change: Change) -> None:
    change.require_role(FACILITATING, "Only a facilitator runs the timer.")
    timer_end(change)


def timer_json(workshop: Any) -> dict[str, Any] | None:
    """The workshop's `timer` as the protocol sends it."""
    return {"ends_at": iso(workshop.timer_ends_at)} if workshop.timer_ends_at else None


def timer_run(change: Change, *, seconds: int) -> None:
    """Count down `seconds` from now (checked by the caller), within any op that sets the timer."""
    change.workshop.timer_ends_at = clock.now() + timedelta(seconds=seconds)
    change.save_workshop("timer_ends_at")
    change.emit("timer.changed", {"timer": timer_json(change.workshop)})


def timer_end(change: Change) -> None:
    """Stop the countdown, if one runs, within any op that stops the timer."""
    if change.workshop.timer_ends_at is None:
        return
    change.workshop.timer_ends_at = None
    change.save_workshop("timer_ends_at")
    change.emit("timer.changed", {"timer": None})
