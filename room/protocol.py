"""Client ops (protocol §4) by name: their fields, and the operation each calls.

The websocket consumer hands every frame to `queue` (tests and scripts to `dispatch`, which waits
for the outcome); neither adds rules.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from core.errors import BadRequest
from goals import members
from live.changes import Outcome
from planning import agenda, claims, confidence, estimates, items, lanes, phases, progress, stacks, timer, votes, walk
from room import members as room_members
from room import workshops


@dataclass(frozen=True)
class OpSpec:
    perform: Callable[..., Outcome]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()


OPS: dict[str, OpSpec] = {
    "item.add": OpSpec(items.item_add, ("lane", "title"), ("notes", "due", "criterion")),
    "item.edit": OpSpec(items.item_edit, ("item", "version"), ("title", "notes", "due", "criterion")),
    "item.move": OpSpec(items.item_move, ("item", "lane", "index")),
    "item.delete": OpSpec(items.item_delete, ("item",)),
    "item.status": OpSpec(items.item_status, ("item", "status")),
    "item.estimate": OpSpec(estimates.item_estimate, ("item", "hours")),
    "item.stack": OpSpec(stacks.item_stack, ("item", "onto")),
    "item.unstack": OpSpec(stacks.item_unstack, ("item",)),
    "planning.set": OpSpec(estimates.planning_set, (), ("estimates", "capacity_hours", "private_gather")),
    "vote.cast": OpSpec(votes.vote_cast, ("item",)),
    "vote.retract": OpSpec(votes.vote_retract, ("item",)),
    "item.claim": OpSpec(claims.item_claim, ("item",)),
    "item.unclaim": OpSpec(claims.item_unclaim, ("item",)),
    "item.assign": OpSpec(claims.item_assign, ("item", "member")),
    "item.unassign": OpSpec(claims.item_unassign, ("item", "member")),
    "lane.add": OpSpec(lanes.lane_add, ("title",)),
    "lane.rename": OpSpec(lanes.lane_rename, ("lane", "title")),
    "lane.move": OpSpec(lanes.lane_move, ("lane", "index")),
    "lane.delete": OpSpec(lanes.lane_delete, ("lane",)),
    "phase.set": OpSpec(phases.phase_set, ("phase",)),
    "goal.edit": OpSpec(workshops.goal_edit, (), ("title", "why", "success_criteria")),
    "timer.start": OpSpec(timer.timer_start, ("seconds",)),
    "timer.stop": OpSpec(timer.timer_stop),
    "agenda.set": OpSpec(agenda.agenda_set, ("agenda",)),
    "agenda.step": OpSpec(agenda.agenda_step, ("index",)),
    "walk.focus": OpSpec(walk.walk_focus, ("item",)),
    "confidence.open": OpSpec(confidence.confidence_open),
    "confidence.answer": OpSpec(confidence.confidence_answer, ("score",)),
    "confidence.close": OpSpec(confidence.confidence_close),
    "item.progress": OpSpec(progress.item_progress, ("item", "state"), ("note",)),
    "item.help": OpSpec(progress.item_help, ("item", "offer"), ("note",)),
    "checkin.record": OpSpec(progress.checkin_record, (), ("note",)),
    "member.ready": OpSpec(members.member_ready, ("ready",)),
    "member.rename": OpSpec(members.member_rename, ("name",)),
    "member.role": OpSpec(room_members.member_role, ("member", "role")),
    "member.remove": OpSpec(room_members.member_remove, ("member",)),
}

ENVELOPE = frozenset({"op", "ref"})


def frame_ref(frame: Any) -> str | None:
    """The ref to answer with, even for a frame that is otherwise refused."""
    if isinstance(frame, dict):
        ref = frame.get("ref")
        if isinstance(ref, str) and 1 <= len(ref) <= 64:
            return ref
    return None


def parse(frame: Any) -> tuple[OpSpec, str, dict[str, Any]]:
    if not isinstance(frame, dict):
        raise BadRequest("An op is a JSON object.")
    name = frame.get("op")
    if not isinstance(name, str) or name not in OPS:
        raise BadRequest("Unknown op.", op=name if isinstance(name, str) else None)
    ref = frame.get("ref")
    if not isinstance(ref, str) or not 1 <= len(ref) <= 64:
        raise BadRequest("`ref` must be a string of 1–64 characters.", field="ref")
    spec = OPS[name]
    fields = {key: value for key, value in frame.items() if key not in ENVELOPE}
    missing = [key for key in spec.required if key not in fields]
    if missing:
        raise BadRequest(f"`{name}` needs {', '.join(missing)}.", field=missing[0])
    unknown = sorted(set(fields) - set(spec.required) - set(spec.optional))
    if unknown:
        raise BadRequest(f"`{name}` takes no field {', '.join(unknown)}.", field=unknown[0])
    return spec, ref, fields


def dispatch(*, workshop_id: str, actor_id: int, frame: Any) -> tuple[str, Outcome]:
    """Apply one op frame; returns its ref and outcome, or raises a DomainError."""
    spec, ref, fields = parse(frame)
    return ref, spec.perform(workshop_id=workshop_id, actor_id=actor_id, ref=ref, **fields)


def queue(*, workshop_id: str, actor_id: int, frame: Any, future: Future[Outcome]) -> None:
    """Queue one op frame for its workshop (`live.changes.submit`): its outcome or refusal arrives
    on `future`; a frame that is not an op raises at once."""
    spec, ref, fields = parse(frame)
    spec.perform.submit(workshop_id=workshop_id, actor_id=actor_id, ref=ref, future=future, **fields)
