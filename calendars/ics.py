"""A member's dated commitments as an iCalendar feed (RFC 5545, built with the icalendar library).

What goes in: one all-day event per accepted item with a due date in the **latest agreed plan
version** that the member owns. The title and the due date are the version's, as it was frozen
when it was agreed (planning.plan.current_plan, kept in PlanVersion.content); a plan being
reopened shows the version still in force until the next agreement. A frozen version names its
owners by name only, and names are neither unique nor fixed, so who owns an item is read from
the board's claims: in `agreed`, when nothing on the board can change, they are exactly the
version's; while the plan is reopened, an item the member gave up drops out at once, and one
they took on joins at the next agreement. Progress, which lives on after an agreement (protocol
§7), is read from the board as it is now.

Each event:
- `UID` `item-<item id>@<SITE_URL host>`: the item's id is kept from version to version, so a
  calendar app updates the event in place after a reopen and a new agreement instead of adding
  a second one;
- `DTSTART;VALUE=DATE` the due date, `DTEND` the day after (all-day, RFC 5545 §3.6.1), `TRANSP`
  transparent (a deadline does not make anyone busy);
- `SUMMARY` the title, as typed; `DESCRIPTION` the progress ("On track: <note>", or "No progress
  reported yet") and links to the board and to My commitments; `URL` the board;
- `SEQUENCE` the plan version that put it there (it only grows, as RFC 5545 asks);
- `LAST-MODIFIED` and `DTSTAMP` when the event last changed: the version's agreement or the
  item's latest progress report, whichever is later. The feed has no METHOD, so DTSTAMP is that
  time (RFC 5545 §3.8.7.2), and the same data gives the same bytes (the feed's ETag).

The calendar: `PRODID`, `VERSION:2.0`, `CALSCALE:GREGORIAN`, the workshop's goal as `NAME`
(RFC 7986) and `X-WR-CALNAME`, and `REFRESH-INTERVAL` / `X-PUBLISHED-TTL` of an hour.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event, vDuration, vText

from goals.models import Member
from planning.mine import STATE_LABELS
from planning.models import Item, ItemStatus, Ownership, PlanVersion

PRODID = "-//Rallypoint//Calendar feed//EN"
# How often calendar apps should fetch the feed again: progress changes day to day, due dates
# only at an agreement; an hour keeps a phone current without polling a server for nothing.
REFRESH = timedelta(hours=1)
NO_PROGRESS = "No progress reported yet"


@dataclass(frozen=True)
class DueItem:
    """One event of the feed."""

    id: int
    title: str
    due: date
    lane: str
    version: int
    state: str
    note: str
    modified: datetime


def due_items(member: Member) -> list[DueItem]:
    """The member's dated commitments in the latest agreed version, by due date; three queries."""
    version = (
        PlanVersion.objects.filter(workshop_id=member.workshop_id)
        .order_by("-number")
        .only("number", "agreed_at", "content")
        .first()
    )
    if version is None:
        return []
    owned = set(Ownership.objects.filter(member=member).values_list("item_id", flat=True))
    frozen: dict[int, tuple[dict[str, Any], str]] = {
        item["id"]: (item, lane["title"])
        for lane in version.content["lanes"]
        for item in lane["items"]
        if item["status"] == ItemStatus.ACCEPTED and item["due"] and item["id"] in owned
    }
    if not frozen:
        return []
    progress = Item.objects.filter(workshop_id=member.workshop_id, id__in=frozen).values_list(
        "id", "progress_state", "progress_note", "progress_at"
    )
    found = []
    for item_id, state, note, at in progress:
        item, lane = frozen[item_id]
        found.append(
            DueItem(
                id=item_id,
                title=item["title"],
                due=date.fromisoformat(item["due"]),
                lane=lane,
                version=version.number,
                state=state or "",
                note=note or "",
                modified=max(version.agreed_at, at) if at else version.agreed_at,
            )
        )
    found.sort(key=lambda due: (due.due, due.id))
    return found


def progress_text(item: DueItem) -> str:
    label = STATE_LABELS.get(item.state)
    if label is None:
        return NO_PROGRESS
    return f"{label}: {item.note}" if item.note else label


def uid_host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "rallypoint"


def member_calendar(member: Member) -> bytes:
    """The member's feed, as the bytes of a VCALENDAR."""
    workshop = member.workshop
    board = settings.SITE_URL + reverse("board", args=[workshop.id])
    mine = settings.SITE_URL + reverse("mine", args=[workshop.id])
    host = uid_host()

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # vText, so that the title is escaped as TEXT (commas, semicolons, newlines) whatever type the
    # library gives these properties.
    calendar.add("name", vText(workshop.title))
    calendar.add("x-wr-calname", vText(workshop.title))
    calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", vDuration(REFRESH))
    for item in due_items(member):
        event = Event()
        event.add("uid", f"item-{item.id}@{host}")
        event.add("dtstamp", item.modified)
        event.add("last-modified", item.modified)
        event.add("sequence", item.version)
        event.add("dtstart", item.due)
        event.add("dtend", item.due + timedelta(days=1))
        event.add("transp", "TRANSPARENT")
        event.add("summary", item.title)
        event.add(
            "description",
            f"{progress_text(item)}\n\nLane: {item.lane}\nBoard: {board}\nReport progress: {mine}",
        )
        event.add("url", board)
        calendar.add_component(event)
    return calendar.to_ical()
