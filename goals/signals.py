"""What goals announces so that the apps built on it can keep their own data in line.

goals knows workshops and their people; it does not know what a board holds. When one of its
changes has consequences there (a new workshop needs lanes, a member who leaves lets go of what they
owned), it sends one of these signals inside the change's transaction, and planning's receivers
(connected in `PlanningConfig.ready`) do their part in the same change: their events get the seqs
right after the ones goals emitted before sending, and nothing commits unless all of it does.
"""

from __future__ import annotations

from typing import Any

from django.dispatch import Signal

from goals.models import Workshop

workshop_created = Signal()
"""`workshop`, `leader`: a workshop was created (before its invite), in its creating transaction."""

member_leaving = Signal()
"""`change`, `member`: a member stops taking part (removed, or made an observer); what they held on
the board goes, with its events, before goals emits the member's own."""

goal_edited = Signal()
"""`change`: the goal's fields were saved; what depends on them is brought in line before the
`goal.edited` event."""

workshop_described = Signal()
"""`workshop`: each receiver returns the fields of the workshop's JSON it owns (planning: the
confidence check and the check-ins), for the events goals emits with the whole workshop."""


def described(workshop: Workshop) -> dict[str, Any]:
    """The fields other apps add to `workshop`'s JSON, as their receivers report them now."""
    fields: dict[str, Any] = {}
    for _receiver, answer in workshop_described.send(sender=Workshop, workshop=workshop):
        fields.update(answer)
    return fields
