"""The plan arranged for reading: what every export format prints, in the same order.

It is built from a plan's frozen content (planning.plan.current_plan, stored
in PlanVersion.content), so an export of version 1 never changes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from goals.models import Role
from planning.exports.changes import PlanChanges, plan_changes
from planning.exports.dates import human_date, human_datetime
from planning.exports.load import Load, hours_text, past_the_line, plan_load
from planning.exports.stacks import arrange_stacks
from planning.models import ItemStatus

DRAFT_HEADING = "Draft — not yet agreed"
ROLE_ORDER = [Role.LEADER, Role.FACILITATOR, Role.MEMBER, Role.OBSERVER]
# How an accepted item is going, in the order the exports list and stack them: finished work
# first, then what is moving, then what needs help, then what nobody reported on. NO_UPDATE is a
# check-in's `none`.
NO_UPDATE = "none"
STATES = ("done", "on_track", "at_risk", "blocked", NO_UPDATE)
STATE_LABELS = {
    "done": "Done",
    "on_track": "On track",
    "at_risk": "At risk",
    "blocked": "Blocked",
    NO_UPDATE: "No update",
}
# What "Needs attention" lists, most urgent first.
ATTENTION = ("blocked", "at_risk")
PROGRESS_LINE = (*ATTENTION, "on_track", NO_UPDATE)
# The summary lists this many of the soonest due dates: enough to see what comes first, few
# enough to stay one glance (the lanes' tables have every date).
NEXT_DUE = 5


@dataclass(frozen=True)
class Progress:
    """An accepted item's latest progress report, as of the export."""

    state: str
    note: str
    by: str | None  # None: the member who reported is gone
    at: datetime | None

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def at_text(self) -> str:
        return human_date(self.at.astimezone(UTC).date()) if self.at else ""

    @property
    def byline(self) -> str:
        """Who reported it and when: "Mia, 5 Dec 2026"."""
        return ", ".join(part for part in (self.by or "", self.at_text) if part)


@dataclass(frozen=True)
class CheckIn:
    number: int
    at: datetime
    by: str | None
    note: str
    counts: dict[str, int]  # every key of STATES
    version: int | None  # the plan version agreed when it was recorded

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class PlanItem:
    title: str
    lane: str
    status: str
    owners: list[str]
    due: str | None  # ISO date, as frozen: the CSV prints it so; the PDF and Markdown print `due_text`
    votes: int | None  # None while voting: tallies are hidden
    notes: str
    author: str
    criterion: int | None
    lane_index: int
    id: int = 0
    progress: Progress | None = None  # as of the export; None before a report, and in a draft
    helpers: list[str] = field(default_factory=list)  # as of the export, in the order they offered
    help_notes: list[str] = field(default_factory=list)  # each helper's "how I can help", or ""
    estimate: int | None = None  # hours; None for none, and in plans frozen before estimates
    stack: int | None = None  # the id of the head it is stacked under
    stack_title: str = ""  # that head's title, when the plan holds the head
    stacked: list[PlanItem] = field(default_factory=list)  # a head's cards, listed under it (planning.exports.stacks)
    will_not_fit: bool = False  # accepted and past the capacity line (a draft over capacity)

    @property
    def due_text(self) -> str:
        return human_date(self.due)

    @property
    def estimate_text(self) -> str:
        return hours_text(self.estimate)

    @property
    def state(self) -> str:
        """The item's progress state, NO_UPDATE before anyone reported."""
        return self.progress.state if self.progress else NO_UPDATE

    @property
    def helping(self) -> list[str]:
        """Each helper as the exports list them: the name, and how they can help in brackets."""
        notes = [*self.help_notes, *[""] * (len(self.helpers) - len(self.help_notes))]
        return [f"{name} ({note})" if note else name for name, note in zip(self.helpers, notes, strict=False)]


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
class Summary:
    """The plan at a glance, printed before the detail."""

    accepted: int
    owner_load: list[tuple[str, int]]  # each owner and how many accepted items they own, most first
    unowned: int  # accepted items nobody owns yet (a draft; agreeing needs an owner for each)
    next_due: list[PlanItem]  # the accepted items due soonest, soonest first
    undated: int  # accepted items without a due date
    criteria_served: int
    criteria_total: int
    unserved: list[Criterion]
    progress: dict[str, int] | None = None  # accepted items per state (STATES); None: no progress (a draft)
    attention: list[PlanItem] = field(default_factory=list)  # blocked, then at risk; each in board order

    @property
    def progress_line(self) -> str:
        """ "3 of 8 done · 1 blocked · 2 at risk · 1 on track · 1 no update": the states not at zero."""
        if self.progress is None:
            return ""
        counts = self.progress
        parts = [f"{counts['done']} of {self.accepted} done"]
        # What needs help first, then what is moving, then what nobody reported on.
        parts += [f"{counts[state]} {STATE_LABELS[state].lower()}" for state in PROGRESS_LINE if counts[state]]
        return " · ".join(parts)

    @property
    def due_remark(self) -> str:
        """What the list of next due dates leaves out, in a sentence; "" when it lists them all."""
        if not self.next_due:
            return "No accepted item has a due date." if self.accepted else ""
        later = self.accepted - len(self.next_due) - self.undated
        parts = [f"{later} more due later"] if later else []
        parts += [f"{self.undated} without a due date"] if self.undated else []
        return ", ".join(parts).capitalize() + "." if parts else ""

    @property
    def coverage(self) -> str:
        if not self.criteria_total:
            return "No success criteria were set"
        return f"{self.criteria_served} of {self.criteria_total} criteria served"


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
    summary: Summary | None = None
    changes: PlanChanges | None = None  # against the version agreed before it; None for version 1
    # What lives on after the agreement (protocol §7), read when exported; None for a draft.
    checkins: list[CheckIn] | None = None
    # The planning game (protocol §10): whether items show an estimate (the workshop estimates, or
    # some item has one), and the load against the capacity (None: nothing to say).
    estimating: bool = False
    load: Load | None = None
    face_down: int = 0  # others' cards a draft leaves out while a private gather lasts

    @property
    def face_down_line(self) -> str:
        """What a draft made during a private gather leaves out, in a sentence; "" when nothing."""
        if not self.face_down:
            return ""
        cards = "1 card stays" if self.face_down == 1 else f"{self.face_down} cards stay"
        return f"{cards} face down until gathering ends: this draft lists only your own."

    @property
    def is_live(self) -> bool:
        """Whether this plan carries progress, helpers and check-ins: an agreed version's export."""
        return self.checkins is not None

    @property
    def is_draft(self) -> bool:
        return self.version is None

    @property
    def status_line(self) -> str:
        if self.is_draft:
            return DRAFT_HEADING
        when = human_datetime(self.agreed_at) if self.agreed_at else "an unknown time"
        return f"Plan version {self.version}, agreed on {when} by {self.agreed_by or 'a facilitator'}"

    @property
    def short_status(self) -> str:
        return DRAFT_HEADING if self.is_draft else f"Plan version {self.version}"

    @property
    def version_label(self) -> str:
        """What this plan is called next to the one before it: "Version 2", or "Draft"."""
        return "Draft" if self.is_draft else f"Version {self.version}"

    @property
    def confidence_answers(self) -> int:
        return sum(self.confidence["histogram"]) if self.confidence else 0


def summarize(accepted: list[PlanItem], criteria: list[Criterion], *, live: bool = False) -> Summary:
    progress = Counter(item.state for item in accepted) if live else None
    load = Counter(owner for item in accepted for owner in item.owners)
    dated = sorted((item for item in accepted if item.due), key=lambda item: item.due or "")  # stable: board order
    return Summary(
        accepted=len(accepted),
        owner_load=sorted(load.items(), key=lambda entry: (-entry[1], entry[0].casefold())),
        unowned=sum(1 for item in accepted if not item.owners),
        next_due=dated[:NEXT_DUE],
        undated=len(accepted) - len(dated),
        criteria_served=sum(1 for criterion in criteria if criterion.served_by),
        criteria_total=len(criteria),
        unserved=[criterion for criterion in criteria if not criterion.served_by],
        progress={state: progress[state] for state in STATES} if progress is not None else None,
        attention=[item for state in ATTENTION for item in accepted if live and item.state == state],
    )


def _progress(values: dict[str, Any] | None) -> Progress | None:
    if values is None:
        return None
    at = datetime.fromisoformat(values["at"]) if values["at"] else None
    return Progress(state=values["state"], note=values["note"], by=values["by"], at=at)


def _checkin(values: dict[str, Any]) -> CheckIn:
    counts = {state: int(values["counts"].get(state, 0)) for state in STATES}
    return CheckIn(
        number=values["number"],
        at=datetime.fromisoformat(values["at"]),
        by=values["by"],
        note=values["note"],
        counts=counts,
        version=values.get("version"),
    )


def plan_document(
    content: dict[str, Any], previous: dict[str, Any] | None = None, live: dict[str, Any] | None = None
) -> PlanDocument:
    """The plan of `content`; with `previous` (the content of the version agreed before it), what
    changed since then too; with `live` (planning.plan.plan_progress, for an agreed version), its
    accepted items' progress and helpers and the check-ins, as they are now."""
    now = live["items"] if live is not None else {}
    planning = content.get("planning") or {}
    capacity = planning.get("capacity_hours")
    titles = {item["id"]: item["title"] for lane in content["lanes"] for item in lane["items"]}
    past = past_the_line(
        [
            (item["id"], item.get("estimate"))
            for lane in content["lanes"]
            for item in lane["items"]
            if item["status"] == ItemStatus.ACCEPTED
        ],
        capacity,
    )
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
            id=item["id"],
            progress=_progress(now[item["id"]]["progress"]) if item["id"] in now else None,
            helpers=list(now[item["id"]]["helpers"]) if item["id"] in now else [],
            help_notes=list(now[item["id"]].get("help_notes", [])) if item["id"] in now else [],
            estimate=item.get("estimate"),
            stack=item.get("stack"),
            stack_title=titles.get(item.get("stack"), ""),
            will_not_fit=item["id"] in past,
        )
        for index, lane in enumerate(content["lanes"])
        for item in lane["items"]
    ]
    accepted = [item for item in items if item.status == ItemStatus.ACCEPTED]
    # A stack's cards are listed under its head, not as rows of their own.
    under = arrange_stacks(items)
    rows = [item for item in items if item.id not in under]
    load = plan_load(accepted, capacity, len(past))
    criteria = [
        Criterion(number=index + 1, text=text, served_by=[item for item in accepted if item.criterion == index])
        for index, text in enumerate(content["success_criteria"])
    ]
    lanes = [
        Lane(
            title=lane["title"],
            accepted=[item for item in rows if item.lane_index == index and item.status == ItemStatus.ACCEPTED],
        )
        for index, lane in enumerate(content["lanes"])
    ]
    # Statuses then board order: what was proposed and not decided, then what was dropped.
    not_taken = [item for item in rows if item.status == ItemStatus.PROPOSED] + [
        item for item in rows if item.status == ItemStatus.DROPPED
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
        summary=summarize(accepted, criteria, live=live is not None),
        changes=plan_changes(previous, content) if previous is not None else None,
        checkins=[_checkin(checkin) for checkin in live["checkins"]] if live is not None else None,
        estimating=load is not None
        or bool(planning.get("estimates"))
        or any(item.estimate is not None for item in items),
        load=load,
        face_down=content.get("face_down", 0),
    )


def mean_text(mean: float) -> str:
    """The mean as stored (rounded once, to two places) and as the board shows it: 3.25, 3.5, 4.

    Every export says it this way, so that a PDF never reads 3.2 where the board read 3.25."""
    return f"{mean:.2f}".rstrip("0").rstrip(".")
