"""What fits (protocol §10): the load of the accepted items against the workshop's capacity.

An agreement is where the team commits, so it is refused while the plan is not estimated or does
not fit; the board says the same before anyone asks (static/js/capacity.js).
"""

from __future__ import annotations

from collections.abc import Sequence

from core.errors import OverCapacity, UnestimatedItems
from goals.models import Workshop
from planning.privacy import planning_of

ESTIMATES = (2, 4, 8, 16, 32)


def check_fits(workshop: Workshop, accepted: Sequence[tuple[int, int | None]]) -> None:
    """Refuse an agreement over capacity; `accepted` is each accepted item's (id, estimate), in board order."""
    capacity = planning_of(workshop)["capacity_hours"]
    if capacity is None:
        return
    unestimated = [item_id for item_id, estimate in accepted if estimate is None]
    if unestimated:
        raise UnestimatedItems(
            "Estimate every accepted item before agreeing: the plan is checked against its capacity.",
            items=unestimated,
        )
    load = sum(estimate or 0 for _, estimate in accepted)
    if load > capacity:
        raise OverCapacity(
            f"The accepted items need {load} hours and the capacity is {capacity}: drop, split or re-estimate"
            " items past the line, or raise the capacity.",
            load=load,
            capacity=capacity,
        )
