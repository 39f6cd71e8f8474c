"""What a chat message says, before any service's format: one `Message` per reason to post.

A message is built once from the log and rendered for each room in its own format (chat.formats).
What is ours (labels, counts, links) and what someone typed (titles, notes, names) are kept apart
here, so that each format can put typed text where the service shows it literally, or escape it:
a title like `<!channel>` or `@everyone` must read as typed and never ping a channel.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings

# An agreed plan lists at most this many items; the rest are counted ("and 12 more on the board").
# Within every service's limits (Discord's 25 fields, Slack's 50 blocks) with room for the facts.
ENTRIES_MAX = 15

COUNT_LABELS = (
    ("on_track", "On track"),
    ("at_risk", "At risk"),
    ("blocked", "Blocked"),
    ("done", "Done"),
    ("none", "No report yet"),
)


@dataclass(frozen=True)
class Fact:
    label: str  # ours
    value: str
    typed: bool = True  # whether `value` holds text someone typed (a name, a title)


@dataclass(frozen=True)
class Entry:
    """One item of a list (an agreed plan's items): its typed title and a typed detail line."""

    title: str
    detail: str


@dataclass(frozen=True)
class Message:
    subject: str  # one of chat.models.Subject, or "test"
    label: str  # ours: "Blocked", "Plan agreed"
    headline: str  # typed: the item's or step's title, the workshop's goal
    workshop: str  # typed: the workshop's title
    workshop_url: str
    text: str = ""  # typed: a note, a step's instructions
    facts: tuple[Fact, ...] = ()
    entries: tuple[Entry, ...] = ()
    more: int = 0  # entries left out
    link_label: str = ""
    link_url: str = ""

    @property
    def summary(self) -> str:
        return f"{self.label}: {self.headline}"


def board_url(workshop_id: str) -> str:
    return f"{settings.SITE_URL}/w/{workshop_id}/"


def help_url(workshop_id: str) -> str:
    return f"{settings.SITE_URL}/w/{workshop_id}/mine/"


def day(value: str | date | None) -> str:
    """A due date as people write it (5 Mar 2026), from the ISO date the plan keeps."""
    if not value:
        return ""
    when = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{when.day} {when:%b %Y}"


def names(people: Sequence[str]) -> str:
    return ", ".join(people) if people else "nobody yet"


def plan_agreed(workshop_id: str, content: Mapping[str, Any]) -> Message:
    """Protocol §9: the plan agreed, with its version, its accepted items, owners and due dates."""
    accepted = [item for lane in content["lanes"] for item in lane["items"] if item["status"] == "accepted"]
    entries = tuple(
        Entry(item["title"], names(item["owners"]) + (f" · due {day(item['due'])}" if item["due"] else ""))
        for item in accepted[:ENTRIES_MAX]
    )
    facts = [Fact("Version", str(content["version"]), typed=False), Fact("Items", str(len(accepted)), typed=False)]
    if content.get("agreed_by"):
        facts.append(Fact("Agreed by", content["agreed_by"]))
    return Message(
        subject="agreed",
        label=f"Plan v{content['version']} agreed",
        headline=content["title"],
        workshop=content["title"],
        workshop_url=board_url(workshop_id),
        facts=tuple(facts),
        entries=entries,
        more=len(accepted) - len(entries),
        link_label="Open the plan",
        link_url=board_url(workshop_id),
    )


def item_blocked(
    workshop_id: str, workshop: str, *, title: str, owners: Sequence[str], note: str, by: str, due: str | None
) -> Message:
    """Protocol §9: an item blocked: its title, owners, the note, and where to offer help."""
    facts = [Fact("Owners", names(owners))]
    if by:
        facts.append(Fact("Reported by", by))
    if due:
        facts.append(Fact("Due", day(due), typed=False))
    return Message(
        subject="blocked",
        label="Blocked",
        headline=title,
        workshop=workshop,
        workshop_url=board_url(workshop_id),
        text=note,
        facts=tuple(facts),
        link_label="Offer help",
        link_url=help_url(workshop_id),
    )


def checkin_recorded(workshop_id: str, workshop: str, checkin: Mapping[str, Any], *, by: str) -> Message:
    """Protocol §9: a check-in, with how many accepted items are in each state."""
    counts = checkin.get("counts") or {}
    facts = [Fact(label, str(counts.get(key, 0)), typed=False) for key, label in COUNT_LABELS]
    if by:
        facts.append(Fact("Recorded by", by))
    return Message(
        subject="checkin",
        label=f"Check-in #{checkin['number']}",
        headline=workshop,
        workshop=workshop,
        workshop_url=board_url(workshop_id),
        text=checkin.get("note") or "",
        facts=tuple(facts),
        link_label="Open the board",
        link_url=board_url(workshop_id),
    )


def step_started(workshop_id: str, workshop: str, agenda: Sequence[Mapping[str, Any]], index: int) -> Message:
    """Protocol §9: the agenda step that starts: its title, time box and instructions."""
    step = agenda[index]
    facts = [Fact("Step", f"{index + 1} of {len(agenda)}", typed=False)]
    if step.get("minutes"):
        facts.append(Fact("Time", f"{step['minutes']} min", typed=False))
    if index + 1 < len(agenda):
        facts.append(Fact("Next", agenda[index + 1]["title"]))
    return Message(
        subject="step",
        label="Now",
        headline=step["title"],
        workshop=workshop,
        workshop_url=board_url(workshop_id),
        text=step.get("instructions") or "",
        facts=tuple(facts),
        link_label="Join the board",
        link_url=board_url(workshop_id),
    )


def connected(workshop_id: str, workshop: str) -> Message:
    """The settings page's "send a test": what the room will hear from, and that it works."""
    return Message(
        subject="test",
        label="Connected to Rallypoint",
        headline=workshop,
        workshop=workshop,
        workshop_url=board_url(workshop_id),
        text="This channel will hear when the plan is agreed, an item is blocked, a check-in is recorded"
        " or an agenda step starts, as chosen in the workshop's settings.",
        link_label="Open the board",
        link_url=board_url(workshop_id),
    )
