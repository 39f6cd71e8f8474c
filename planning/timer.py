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
    change.workshop.timer_ends_at = clock.now() + timedelta(seconds=seconds)
    change.save_workshop("timer_ends_at")
    change.emit("timer.changed", {"timer": {"ends_at": iso(change.workshop.timer_ends_at)}})


@operation
def timer_stop(change: Change) -> None:
    change.require_role(FACILITATING, "Only a facilitator runs the timer.")
    if change.workshop.timer_ends_at is None:
        return
    change.workshop.timer_ends_at = None
    change.save_workshop("timer_ends_at")
    change.emit("timer.changed", {"timer": None})
