"""The fist-of-five confidence check: answers stay hidden until it is closed."""

from __future__ import annotations

from typing import Any

from planning import clock
from planning.changes import FACILITATING, PARTICIPATING, Change, operation
from planning.errors import WrongPhase
from planning.models import ConfidenceAnswer, ConfidenceCheck
from planning.payloads import confidence_json
from planning.phases import CONFIDENCE_PHASES
from planning.validation import integer


def latest_check(workshop_id: str) -> ConfidenceCheck | None:
    return ConfidenceCheck.objects.filter(workshop_id=workshop_id).order_by("-id").first()


def _emit(change: Change, check: ConfidenceCheck, *, private: dict[str, Any] | None = None) -> None:
    answers = ConfidenceAnswer.objects.filter(confidence=check).count()
    change.emit("confidence.changed", {"confidence": confidence_json(check, answers)}, private=private)


@operation
def confidence_open(change: Change) -> None:
    change.require_role(FACILITATING, "Only a facilitator opens the confidence check.")
    change.require_phase(CONFIDENCE_PHASES, "The confidence check is taken in the plan phase.")
    check = latest_check(change.workshop.id)
    if check is not None and check.closed_at is None:
        return
    _emit(change, ConfidenceCheck.objects.create(workshop=change.workshop))


@operation
def confidence_answer(change: Change, *, score: Any) -> None:
    change.require_role(PARTICIPATING, "Observers do not answer the confidence check.")
    change.require_phase(CONFIDENCE_PHASES, "The confidence check is answered in the plan phase.")
    score = integer(score, "score", minimum=0, maximum=5)
    check = latest_check(change.workshop.id)
    if check is None or check.closed_at is not None:
        raise WrongPhase("No confidence check is open.")
    ConfidenceAnswer.objects.update_or_create(confidence=check, member=change.member, defaults={"score": score})
    _emit(change, check, private={"member": change.member.id, "data": {"score": score}})


@operation
def confidence_close(change: Change) -> None:
    change.require_role(FACILITATING, "Only a facilitator closes the confidence check.")
    change.require_open_board()
    check = latest_check(change.workshop.id)
    if check is None or check.closed_at is not None:
        return
    scores = list(ConfidenceAnswer.objects.filter(confidence=check).values_list("score", flat=True))
    check.histogram = [scores.count(score) for score in range(6)]
    check.mean = round(sum(scores) / len(scores), 2) if scores else None
    check.closed_at = clock.now()
    check.save(update_fields=["histogram", "mean", "closed_at"])
    _emit(change, check)
