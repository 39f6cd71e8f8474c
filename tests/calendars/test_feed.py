"""`GET /calendar/<token>.ics`: the member's dated commitments as an RFC 5545 calendar.

Each feed is parsed back with icalendar and held to what calendar apps need: the calendar's
required properties, one all-day event (DTSTART;VALUE=DATE, DTEND the day after) per accepted
item the member owns with a due date in the latest agreed version, and nothing else: not
others' items, not undated ones, not proposed or dropped ones, not the draft of a reopened plan.
An item's UID stays the same from one plan version to the next.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar

from goals.models import Workshop
from planning.models import Item
from tests.calendars.conftest import SITE, browser_of, events_of, fetch, new_feed, parsed
from tests.planning.helpers import add_item, send, set_phase

pytestmark = pytest.mark.django_db

DUE = date(2027, 3, 15)


def agree(room, owned: dict[str, tuple]) -> dict[str, int]:
    """In `plan`: each of `owned` {title: (owner, due or None, status)} added and assigned, then the
    plan agreed by the leader. Returns title -> item id."""
    set_phase(room.workshop, "plan")
    ids = {}
    for title, (owner, due, status) in owned.items():
        fields = {"due": due.isoformat()} if due else {}
        ids[title] = add_item(room.workshop, room.leader, room.lanes[0], title=title, **fields)
        if owner is not None:
            send(room.workshop, room.leader, "item.assign", item=ids[title], member=owner.id)
        send(room.workshop, room.leader, "item.status", item=ids[title], status=status)
    send(room.workshop, room.leader, "phase.set", phase="agreed")
    return ids


@pytest.fixture
def plan(room):
    return agree(
        room,
        {
            "Fix the CSV import": (room.member, DUE, "accepted"),
            "Interview five customers": (room.member, DUE + timedelta(days=10), "accepted"),
            "Write the help page": (room.member, None, "accepted"),
            "Tess's item": (room.target, DUE, "accepted"),
            "Maybe later": (room.member, DUE, "proposed"),
            "Not doing this": (room.member, DUE, "dropped"),
        },
    )


def test_the_calendar_has_its_required_properties(room, plan):
    url = new_feed(browser_of(room.member), room.workshop)
    response = fetch(url)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Cache-Control"].startswith("private")
    assert "Set-Cookie" not in response
    assert response.content.startswith(b"BEGIN:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in response.content.split(b"\r\n")), "lines are folded at 75 octets"
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["version"]) == "2.0"
    assert str(calendar["prodid"]).startswith("-//Rallypoint//")
    assert str(calendar["x-wr-calname"]) == room.workshop.title
    assert calendar["refresh-interval"].params["VALUE"] == "DURATION"
    assert calendar["refresh-interval"].to_ical() == b"PT1H"
    assert calendar["x-published-ttl"].to_ical() == b"PT1H"


def test_one_all_day_event_per_owned_accepted_dated_item(room, plan):
    events = events_of(parsed(new_feed(browser_of(room.member), room.workshop)))

    assert sorted(events) == ["Fix the CSV import", "Interview five customers"]
    event = events["Fix the CSV import"]
    assert event["dtstart"].params["VALUE"] == "DATE"
    assert event.decoded("dtstart") == DUE
    assert event["dtend"].params["VALUE"] == "DATE"
    assert event.decoded("dtend") == DUE + timedelta(days=1)
    assert events["Interview five customers"].decoded("dtstart") == DUE + timedelta(days=10)
    for required in ("uid", "dtstamp", "last-modified", "sequence", "description", "url"):
        assert required in event, required
    assert str(event["uid"]) == f"item-{plan['Fix the CSV import']}@rallypoint.example.org"
    assert event["sequence"] == 1
    assert str(event["url"]) == f"{SITE}/w/{room.workshop.id}/"
    assert event.decoded("dtstamp").utcoffset() == timedelta(0)
    assert isinstance(event.decoded("last-modified"), datetime)
    description = str(event["description"])
    assert "No progress reported yet" in description
    assert f"{SITE}/w/{room.workshop.id}/" in description


def test_each_member_sees_only_their_own_items_and_observers_none(room, plan):
    tess = events_of(parsed(new_feed(browser_of(room.target), room.workshop)))
    assert list(tess) == ["Tess's item"]
    assert events_of(parsed(new_feed(browser_of(room.observer), room.workshop))) == {}
    assert events_of(parsed(new_feed(browser_of(room.leader), room.workshop))) == {}


def test_before_the_first_agreement_the_calendar_is_empty(room):
    set_phase(room.workshop, "plan")
    item = add_item(room.workshop, room.leader, room.lanes[0], title="Draft", due=DUE.isoformat())
    send(room.workshop, room.leader, "item.assign", item=item, member=room.member.id)
    send(room.workshop, room.leader, "item.status", item=item, status="accepted")

    calendar = parsed(new_feed(browser_of(room.member), room.workshop))

    assert calendar.walk("VEVENT") == []
    assert str(calendar["version"]) == "2.0"


def test_the_description_carries_the_progress_as_reported(room, plan):
    url = new_feed(browser_of(room.member), room.workshop)
    before = events_of(parsed(url))["Fix the CSV import"]
    item = plan["Fix the CSV import"]

    send(room.workshop, room.member, "item.progress", item=item, state="at_risk", note="Waiting on legal")

    event = events_of(parsed(url))["Fix the CSV import"]
    assert "At risk: Waiting on legal" in str(event["description"])
    assert "No progress reported yet" not in str(event["description"])
    assert event.decoded("last-modified") >= before.decoded("last-modified")
    assert event["sequence"] == 1
    send(room.workshop, room.member, "item.progress", item=item, state="done")
    assert "Done" in str(events_of(parsed(url))["Fix the CSV import"]["description"])


def test_the_uid_stays_across_a_reopen_and_a_second_agreement(room, plan):
    url = new_feed(browser_of(room.member), room.workshop)
    first = events_of(parsed(url))
    item = plan["Fix the CSV import"]

    send(room.workshop, room.leader, "phase.set", phase="plan")
    send(room.workshop, room.leader, "item.edit", item=item, version=_version(item), title="Fix the CSV import, v2")
    send(room.workshop, room.leader, "item.edit", item=item, version=_version(item), due="2027-04-01")
    added = add_item(room.workshop, room.leader, room.lanes[0], title="Brand new", due=DUE.isoformat())
    send(room.workshop, room.leader, "item.assign", item=added, member=room.member.id)
    send(room.workshop, room.leader, "item.status", item=added, status="accepted")

    # Reopened: the calendar is still version 1, as agreed.
    assert events_of(parsed(url)) == first

    send(room.workshop, room.leader, "phase.set", phase="agreed")
    second = events_of(parsed(url))

    assert sorted(second) == ["Brand new", "Fix the CSV import, v2", "Interview five customers"]
    moved = second["Fix the CSV import, v2"]
    assert moved["uid"] == first["Fix the CSV import"]["uid"]
    assert moved.decoded("dtstart") == date(2027, 4, 1)
    assert moved["sequence"] == 2
    assert second["Interview five customers"]["uid"] == first["Interview five customers"]["uid"]
    assert len({str(event["uid"]) for event in second.values()}) == 3


def test_an_item_given_up_or_dropped_leaves_the_calendar_at_the_next_agreement(room, plan):
    url = new_feed(browser_of(room.member), room.workshop)
    send(room.workshop, room.leader, "phase.set", phase="plan")
    send(room.workshop, room.leader, "item.status", item=plan["Interview five customers"], status="dropped")
    send(room.workshop, room.leader, "item.unassign", item=plan["Fix the CSV import"], member=room.member.id)
    send(room.workshop, room.leader, "item.assign", item=plan["Fix the CSV import"], member=room.target.id)
    send(room.workshop, room.leader, "phase.set", phase="agreed")

    assert events_of(parsed(url)) == {}
    assert sorted(events_of(parsed(new_feed(browser_of(room.target), room.workshop)))) == [
        "Fix the CSV import",
        "Tess's item",
    ]


def unescaped(value) -> str:
    """A TEXT value's escapes undone (RFC 5545 §3.3.11), for properties the parser leaves as written."""
    return re.sub(r"\\([\\;,nN])", lambda found: "\n" if found[1] in "nN" else found[1], str(value))


HOSTILE = 'Ship <script>alert("x")</script>, then; rest\\nope\nsecond line: Ünïcödé ✓ ' + "long " * 25


def test_hostile_titles_and_notes_round_trip_as_typed(room):
    Workshop.objects.filter(pk=room.workshop.pk).update(title="Goal, with; a comma\nand a line")
    ids = agree(room, {HOSTILE.strip(): (room.member, DUE, "accepted")})
    note = "Blocked by <b>legal</b>; see, the thread\r\n\\ end"
    send(room.workshop, room.member, "item.progress", item=ids[HOSTILE.strip()], state="blocked", note=note)
    url = new_feed(browser_of(room.member), room.workshop)

    response = fetch(url)
    calendar = Calendar.from_ical(response.content)
    (event,) = calendar.walk("VEVENT")

    assert str(event["summary"]) == HOSTILE.strip()
    # TEXT has one line break (RFC 5545 §3.3.11): a typed CRLF comes back as it.
    assert f"Blocked: {note.replace(chr(13), '')}" in str(event["description"])
    # X- properties come back from the parser as they were written: unescape them as TEXT.
    assert unescaped(calendar["x-wr-calname"]) == "Goal, with; a comma\nand a line"
    assert b"BEGIN:VEVENT" in response.content
    assert response.content.count(b"BEGIN:VEVENT") == 1, "a newline in a title starts no component"


def test_an_unchanged_feed_answers_304_to_its_etag(room, plan):
    url = new_feed(browser_of(room.member), room.workshop)
    first = fetch(url)
    assert first["ETag"]

    again = fetch(url, HTTP_IF_NONE_MATCH=first["ETag"])

    assert again.status_code == 304
    assert again.content == b""
    send(room.workshop, room.member, "item.progress", item=plan["Fix the CSV import"], state="on_track")
    assert fetch(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200


def test_the_feed_costs_a_fixed_number_of_queries(room):
    owned = {f"Item {number}": (room.member, DUE + timedelta(days=number), "accepted") for number in range(12)}
    agree(room, owned)
    url = new_feed(browser_of(room.member), room.workshop)

    with CaptureQueriesContext(connection) as queries:
        calendar = parsed(url)

    assert len(calendar.walk("VEVENT")) == 12
    assert len(queries) <= 4, [query["sql"] for query in queries]


def _version(item_id: int) -> int:
    return Item.objects.get(pk=item_id).version
