"""Dates as the PDF and Markdown print them: one way, in English and UTC, whatever the server's locale."""

from __future__ import annotations

from datetime import UTC, date, datetime

# English abbreviations, not strftime's %b: that follows the process's locale, and a plan printed
# by a server in another locale would read differently.
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def human_date(value: date | str | None) -> str:
    """A date as "5 Dec 2026": day, month as a word, year, which no reader takes for another date
    (05/12 is May in one country and December in the next); "" for no date."""
    if value is None or value == "":
        return ""
    day = date.fromisoformat(value) if isinstance(value, str) else value
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def human_datetime(value: datetime) -> str:
    """A moment as "5 Dec 2026, 14:03 UTC": in UTC, so that every reader sees the same time."""
    moment = value.astimezone(UTC) if value.tzinfo else value
    return f"{human_date(moment.date())}, {moment:%H:%M} UTC"
