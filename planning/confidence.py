"""The fist-of-five confidence check: answers stay hidden until it is closed."""

from __future__ import annotations

from typing import Any

from core import clock
from core.errors import WrongPhase
from core.sql import columns, fetch_one, insert_statement, load
from core.validation import integer
from goals.models import FACILITATING, PARTICIPATING
from live.changes import Change, operation
from planning.models import ConfidenceAnswer, ConfidenceCheck
from planning.payloads import confidence_json
from planning.phases import CONFIDENCE_PHASES, require_open_board

ANSWER_FIELDS = ("confidence_id", "member_id", "score")

# The newest check, how many have answered it, and the actor's answer (NULL: none yet), in one round trip.
_LATEST_WITH_ANSWERS = (
    f"SELECT {columns(ConfidenceCheck, 'c')},"  # noqa: S608 (model metadata only)
    " (SELECT COUNT(*) FROM planning_confidenceanswer WHERE confidence_id = c.id),"
    " (SELECT id FROM planning_confidenceanswer WHERE confidence_id = c.id AND member_id = %s)"
    " FROM planning_confidencecheck c WHERE c.workshop_id = %s ORDER BY c.id DESC LIMIT 1"
)


def latest_check(workshop_id: str) -> ConfidenceCheck | None:
    return ConfidenceCheck.objects.filter(workshop_id=workshop_id).order_by("-id").first()


def _emit(
    change: Change, check: ConfidenceCheck, *, answers: int | None = None, private: dict[str, Any] | None = None
) -> None:
    if answers is None:
        answers = ConfidenceAnswer.objects.filter(confidence=check).count()
    change.emit("confidence.changed", {"confidence": confidence_json(check, answers)}, private=private)


@operation
def confidence_open(change: Change) -> None:
    change.require_role(FACILITATING, "Only a facilitator opens the confidence check.")
    change.require_phase(CONFIDENCE_PHASES, "The confidence check is taken in the plan phase.")
    check = latest_check(change.workshop.id)
    if check is not None and check.closed_at is None:
        return
    check = ConfidenceCheck(workshop_id=change.workshop.id)
    change.insert_now(check)
    _emit(change, check)


@operation
def confidence_answer(change: Change, *, score: Any) -> None:
    change.require_role(PARTICIPATING, "Observers do not answer the confidence check.")
    change.require_phase(CONFIDENCE_PHASES, "The confidence check is answered in the plan phase.")
    score = integer(score, "score", minimum=0, maximum=5)
    member_id = change.member.id
    found = fetch_one(_LATEST_WITH_ANSWERS, [member_id, change.workshop.id])
    check = load(ConfidenceCheck, found[:-2]) if found else None
    if check is None or check.closed_at is not None:
        raise WrongPhase("No confidence check is open.")
    answers, mine = found[-2:]
    if mine is None:
        change.write(
            *insert_statement(
                [ConfidenceAnswer(confidence_id=check.id, member_id=member_id, score=score)], ANSWER_FIELDS
            )
        )
        answers += 1
    else:
        change.write(
            "UPDATE planning_confidenceanswer SET score = %s WHERE confidence_id = %s AND member_id = %s",
            [score, check.id, member_id],
        )
    _emit(change, check, answers=answers, private={"member": member_id, "data": {"score": score}})


@operation
def confidence_close(change: Change) -> None:
    change.require_role(FACILITATING, "Only a facilitator closes the confidence check.")
    require_open_board(change)
    check = latest_check(change.workshop.id)
    if check is None or check.closed_at is not None:
        return
    scores = list(ConfidenceAnswer.objects.filter(confidence=check).values_list("score", flat=True))
    check.histogram = [scores.count(score) for score in range(6)]
    check.mean = round(sum(scores) / len(scores), 2) if scores else None
    check.closed_at = clock.now()
    change.update(check, ["histogram", "mean", "closed_at"])
    _emit(change, check)
