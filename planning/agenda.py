"""The session's agenda in the room (protocol §8): the steps a facilitator runs, and the current one.

The agenda and its current step are shared state like the timer and the walk: fields of the
workshop row, changed only under its lock and logged. Stepping is not a second way to change the
phase or the timer: it moves the phase through `planning.phases.move_to_phase` (phase.set's own
rules, refusals and events) and the timer through `planning.timer` (timer.changed), then says
which step is current.

Both ops are the facilitator's in every phase, `agreed` included: the agenda is about running
the room, not the plan's content (no plan version or export carries it), so, like the timer and
the walk, it is not frozen by an agreement. A step can still only do what `phase.set` may: from
`agreed`, only a step in `plan` (reopening) or in `agreed` itself.
"""

from __future__ import annotations

from typing import Any

from core.errors import Invalid
from core.validation import integer
from goals.models import FACILITATING
from live.changes import Change, operation
from planning.agenda_steps import agenda_steps
from planning.phases import move_to_phase
from planning.timer import timer_end, timer_json, timer_run


@operation
def agenda_set(change: Change, *, agenda: Any) -> None:
    change.require_role(FACILITATING, "Only a facilitator sets the agenda.")
    steps = agenda_steps(agenda)
    workshop = change.workshop
    if steps == workshop.agenda and workshop.agenda_step is None:
        return  # the same agenda again, not started: nothing changes, nothing is sent
    # A new agenda starts from no step; the timer, which may be counting down something else, runs on.
    workshop.agenda = steps
    workshop.agenda_step = None
    change.save_workshop("agenda", "agenda_step")
    change.emit("agenda.changed", {"agenda": steps, "step": None})


@operation
def agenda_step(change: Change, *, index: Any) -> None:
    change.require_role(FACILITATING, "Only a facilitator moves the room through the agenda.")
    workshop = change.workshop
    if index is None:
        _leave(change)
        return
    index = integer(index, "index", minimum=0)
    steps = workshop.agenda
    if index >= len(steps):
        raise Invalid("index", f"The agenda has {len(steps)} steps: there is no step {index + 1}.")
    step = steps[index]
    move_to_phase(change, step["phase"])  # a step in the current phase changes no phase, sends nothing
    if step["minutes"] is None:
        timer_end(change)
    else:
        # The step's own time box, 1–180 minutes (checked when the agenda was set): a step may be
        # longer than the 2 hours timer.start allows, as a workshop's template says.
        timer_run(change, seconds=step["minutes"] * 60)
    workshop.agenda_step = index
    change.save_workshop("agenda_step")
    change.emit("agenda.stepped", {"step": index, "timer": timer_json(workshop)})


def _leave(change: Change) -> None:
    """Leave the agenda: no step is current, and the step's time box ends with it (the timer stops,
    as it does for a step without minutes). Off the agenda already, nothing changes."""
    workshop = change.workshop
    if workshop.agenda_step is None:
        return
    timer_end(change)
    workshop.agenda_step = None
    change.save_workshop("agenda_step")
    change.emit("agenda.stepped", {"step": None, "timer": None})
