"""The plan arranged for reading: what every export format prints, in the same order.

It is built from a plan's frozen content (planning.plan.current_plan, stored
in PlanVersion.content), so an export of version 1 never changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from goals.models import Role
from planning.models import ItemStatus

DRAFT_HEADING = "Draft — not yet agreed"
ROLE_ORDER = [Role.LEADER, Role.FACILITATOR, Role.MEMBER, Role.OBSERVER]


@dataclass(frozen=True)
class PlanItem:
    title: str
    lane: str
    status: str
    owners: list[str]
    due: str | None
    votes: int | None  # None while voting: tallies are hidden
    notes: str
    author: str
    criterion: int | None
    lane_index: int


@dataclass(frozen=True)
class Criterion:
    number: int
    text: str
    served_by: list[PlanItem]


@dataclass(frozen=True)
class Lane:
    title: str
    accepted: list[PlanItem]


@dataclass(frozen=True)
class PlanDocument:
    title: str
    why: str
    version: int | None
    agreed_at: datetime | None
    agreed_by: str | None
    criteria: list[Criterion]
    lanes: list[Lane]
    not_taken: list[PlanItem]
    participants: list[tuple[str, str]]
    confidence: dict[str, Any] | None
    workshop_id: str = ""
    all_items: list[PlanItem] = field(default_factory=list)

    @property
    def is_draft(self) -> bool:
        return self.version is None

    @property
    def status_line(self) -> str:
        if self.is_draft:
            return DRAFT_HEADING
        when = self.agreed_at.strftime("%d %B %Y, %H:%M UTC") if self.agreed_at else "an unknown time"
        return f"Plan version {self.version}, agreed on {when} by {self.agreed_by or 'a facilitator'}"

    @property
    def short_status(self) -> str:
        return DRAFT_HEADING if self.is_draft else f"Plan version {self.version}"


def plan_document(content: dict[str, Any]) -> PlanDocument:
    items = [
        PlanItem(
            title=item["title"],
            lane=lane["title"],
            status=item["status"],
            owners=list(item["owners"]),
            due=item["due"],
            votes=item["votes"],
            notes=item["notes"],
            author=item["author"],
            criterion=item["criterion"],
            lane_index=index,
        )
        for index, lane in enumerate(content["lanes"])
        for item in lane["items"]
    ]
    accepted = [item for item in items if item.status == ItemStatus.ACCEPTED]
    criteria = [
        Criterion(number=index + 1, text=text, served_by=[item for item in accepted if item.criterion == index])
        for index, text in enumerate(content["success_criteria"])
    ]
    lanes = [
        Lane(title=lane["title"], accepted=[item for item in accepted if item.lane_index == index])
        for index, lane in enumerate(content["lanes"])
    ]
    # Statuses then board order: what was proposed and not decided, then what was dropped.
    not_taken = [item for item in items if item.status == ItemStatus.PROPOSED] + [
        item for item in items if item.status == ItemStatus.DROPPED
    ]
    participants = sorted(
        ((person["name"], person["role"]) for person in content["participants"]),
        key=lambda entry: (ROLE_ORDER.index(entry[1]), entry[0].casefold()),
    )
    agreed_at = datetime.fromisoformat(content["agreed_at"]) if content.get("agreed_at") else None
    return PlanDocument(
        title=content["title"],
        why=content["why"],
        version=content.get("version"),
        agreed_at=agreed_at,
        agreed_by=content.get("agreed_by"),
        criteria=criteria,
        lanes=lanes,
        not_taken=not_taken,
        participants=participants,
        confidence=content.get("confidence"),
        workshop_id=content.get("workshop", ""),
        all_items=items,
    )
