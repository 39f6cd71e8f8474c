"""The contract's JSON objects, built from model rows in one place."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from goals.models import Member, Workshop
from planning.models import ConfidenceCheck, Item, Lane


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def lane_json(lane: Lane) -> dict[str, Any]:
    return {"id": lane.id, "title": lane.title}


def member_json(member: Member) -> dict[str, Any]:
    return {"id": member.id, "name": member.name, "role": member.role, "ready": member.ready}


def item_json(item: Item, *, owners: list[int], votes: int | None) -> dict[str, Any]:
    return {
        "id": item.id,
        "lane": item.lane_id,
        "position": item.position,
        "title": item.title,
        "notes": item.notes,
        "due": iso(item.due),
        "criterion": item.criterion,
        "status": item.status,
        "author": item.author_id,
        "owners": owners,
        "votes": votes,
        "version": item.version,
    }


def confidence_json(check: ConfidenceCheck | None, answers: int) -> dict[str, Any]:
    if check is None:
        return {"open": False, "answers": 0, "result": None}
    result = None
    if check.closed_at is not None:
        result = {"histogram": check.histogram, "mean": check.mean}
    return {"open": check.closed_at is None, "answers": answers, "result": result}


def workshop_json(workshop: Workshop, *, confidence: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": workshop.id,
        "title": workshop.title,
        "why": workshop.why,
        "success_criteria": list(workshop.success_criteria),
        "phase": workshop.phase,
        "votes_per_member": workshop.votes_per_member,
        "timer": {"ends_at": iso(workshop.timer_ends_at)} if workshop.timer_ends_at else None,
        "confidence": confidence,
        "plan_version": workshop.plan_version,
        "agreed_at": iso(workshop.agreed_at),
    }
