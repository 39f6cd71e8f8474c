"""The JSON of a workshop and its members, as the protocol sends it (docs/protocol.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from goals.models import Member, Workshop


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def member_json(member: Member) -> dict[str, Any]:
    return {"id": member.id, "name": member.name, "role": member.role, "ready": member.ready}


def workshop_json(
    workshop: Workshop, *, confidence: dict[str, Any], checkins: list[dict[str, Any]], **board: Any
) -> dict[str, Any]:
    """The workshop object; `board` is what the apps above add to it (planning.snapshot.board_fields)."""
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
        "focus": workshop.focus_item_id,
        "checkins": checkins,
        **board,
    }
