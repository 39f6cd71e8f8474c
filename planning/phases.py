"""The phases a workshop walks through, and what each one allows (protocol §2)."""

from __future__ import annotations

from typing import Any, Final

from core import clock
from core.errors import UnownedItems, WrongPhase
from core.sql import fetch_all
from core.validation import choice
from goals.models import FACILITATING, Phase
from live.changes import Change, operation
from planning.capacity import check_fits
from planning.models import ConfidenceCheck, Item, ItemStatus, Ownership, PlanVersion
from planning.payloads import confidence_json
from planning.plan import current_plan
from planning.privacy import face_down, reveal
from planning.walk import walk_end

EDITING_PHASES: Final = frozenset({Phase.GATHER, Phase.PLAN})
VOTING_PHASES: Final = frozenset({Phase.VOTE})
CLAIMING_PHASES: Final = frozenset({Phase.GATHER, Phase.VOTE, Phase.PLAN})
CONFIDENCE_PHASES: Final = frozenset({Phase.PLAN})


OPEN_PHASES: Final = frozenset({Phase.GATHER, Phase.VOTE, Phase.PLAN})


def require_open_board(change: Change) -> None:
    """Nothing on the board changes once the plan is agreed, until it is reopened."""
    change.require_phase(OPEN_PHASES, "The plan is agreed; reopen it to change the board.")


def require_plan_phase(change: Change, message: str) -> None:
    change.require_phase({Phase.PLAN}, message)


def _check_agreeable(change: Change) -> None:
    """The refusals of an agreement in the contract's order: unowned, then unestimated, then over capacity."""
    accepted = list(
        Item.objects.filter(workshop=change.workshop, status=ItemStatus.ACCEPTED)
        .order_by("lane__position", "position")
        .values_list("id", "estimate")
    )
    owned = set(Ownership.objects.filter(item_id__in=[id_ for id_, _ in accepted]).values_list("item_id", flat=True))
    unowned = [item_id for item_id, _ in accepted if item_id not in owned]
    if not accepted:
        raise UnownedItems("Accept at least one item before agreeing the plan.", items=[])
    if unowned:
        raise UnownedItems(items=unowned)
    check_fits(change.workshop, accepted)


def _start_next_version(change: Change) -> None:
    """Reopening makes the board the draft of the next version, and a confidence result belongs
    to the version it was taken for (protocol §2): it lives on in that version's frozen content,
    so the board's checks (and their answers, never shown to anyone) are deleted. What the next
    agreement freezes is then only a check taken after this reopen."""
    if ConfidenceCheck.objects.filter(workshop=change.workshop).exists():
        change.write(
            "DELETE FROM planning_confidenceanswer WHERE confidence_id IN"
            " (SELECT id FROM planning_confidencecheck WHERE workshop_id = %s)",
            [change.workshop.id],
        )
        change.write("DELETE FROM planning_confidencecheck WHERE workshop_id = %s", [change.workshop.id])
        change.emit("confidence.changed", {"confidence": confidence_json(None, 0)})


def _tallies(workshop_id: str) -> list[tuple[int, int]]:
    """Every item's dots, in board order."""
    return fetch_all(
        "SELECT i.id, COALESCE(SUM(v.dots), 0) FROM planning_item i JOIN planning_lane l ON l.id = i.lane_id"
        " LEFT JOIN planning_vote v ON v.item_id = i.id WHERE i.workshop_id = %s"
        " GROUP BY i.id, l.position, i.position ORDER BY l.position, i.position, i.id",
        [workshop_id],
    )


@operation
def phase_set(change: Change, *, phase: Any) -> None:
    change.require_role(FACILITATING, "Only a facilitator moves the workshop between phases.")
    move_to_phase(change, choice(phase, "phase", frozenset(Phase.values)))


def move_to_phase(change: Change, phase: str) -> None:
    """Move the workshop to `phase` as `phase.set` does: its rules, its refusals, its events.

    The caller has checked the role and that `phase` is one; `agenda.step` moves to its step's
    phase through here, so that stepping and setting the phase cannot drift apart."""
    workshop = change.workshop
    previous = workshop.phase
    if phase == previous:
        return
    if previous == Phase.AGREED and phase != Phase.PLAN:
        raise WrongPhase("An agreed plan can only be reopened into the plan phase.")
    data: dict[str, Any] = {"phase": phase}
    if previous == Phase.GATHER and face_down(workshop):
        reveal(change)
    if phase == Phase.AGREED:
        _check_agreeable(change)
        workshop.plan_version += 1
        workshop.agreed_at = clock.now()
        data |= {"plan_version": workshop.plan_version, "agreed_at": workshop.agreed_at.isoformat()}
    workshop.phase = phase
    change.save_workshop("phase", "plan_version", "agreed_at")
    change.write("UPDATE goals_member SET ready = %s WHERE workshop_id = %s AND ready = %s", [False, workshop.id, True])
    change.emit("phase.changed", data)
    if previous == Phase.AGREED:
        _start_next_version(change)
    if previous == Phase.VOTE:
        change.emit("votes.revealed", {"votes": {str(item_id): votes for item_id, votes in _tallies(workshop.id)}})
    # A new phase starts from the whole board, not from the item the last one was looking at.
    walk_end(change)
    if phase == Phase.AGREED:
        version = PlanVersion(
            workshop_id=workshop.id,
            number=workshop.plan_version,
            agreed_at=workshop.agreed_at,
            agreed_by_id=change.member.id,
            content=current_plan(workshop, agreed_by=change.member),
        )
        change.insert([version])
