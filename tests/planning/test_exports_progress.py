"""Exports after the agreement (protocol §7): each accepted item's progress and helpers as of the
export, the check-in history, and from version 2 on what changed since the version before.

The board is arranged through the ops, as in test_exports.py, whose fixtures and readers these
tests share: agree, report progress, offer help, record check-ins, reopen, agree again.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from goals.models import Role
from planning.exports.as_markdown import render_markdown
from planning.exports.as_pdf import render_pdf
from planning.exports.document import plan_document
from planning.models import Item
from tests.planning.helpers import add_item, send
from tests.planning.test_exports import (  # noqa: F401 (the *_fixture are fixtures: browser, team, plan)
    CHANGES_SINCE_1,
    DRAFT,
    Pdf,
    accept,
    agree,
    browser_fixture,
    edit,
    fetch,
    flat,
    frozen_plan,
    markdown_line_of,
    plan_fixture,
    raw_marks,
    read_csv,
    reopen,
    spreadsheet_safe,
    team_fixture,
    unescaped,
)

STATE_WORDS = ["Done", "On track", "At risk", "Blocked", "No update"]
PROGRESS_COLUMNS = ["progress_state", "progress_note", "progress_by", "progress_at", "helpers"]
HOSTILE_NOTE = '=HYPERLINK("http://x") <script>alert(1)</script> **bold** | pipe\n# not a heading'
PROOFREAD = "I can proofread it"
HOSTILE_HELP = "<i>Nights</i> | **only** =1+1\n# not a heading"
HOSTILE_CHECKIN = "@SUM(A1) <b>stuck</b> [link](http://x) & more\n- not a bullet"


def progress(team, actor, item_id, state, note=None):
    fields = {} if note is None else {"note": note}
    send(team.workshop, actor, "item.progress", item=item_id, state=state, **fields)


def help_with(team, actor, item_id, offer=True, note=None):
    fields = {} if note is None else {"note": note}
    send(team.workshop, actor, "item.help", item=item_id, offer=offer, **fields)


def checkin(team, note=None):
    fields = {} if note is None else {"note": note}
    return send(team.workshop, team.facilitator, "checkin.record", **fields).events[0].data["checkin"]


def day(item_id):
    """The day an item's progress was reported, as the exports print it: "5 Dec 2026"."""
    at = Item.objects.get(pk=item_id).progress_at.astimezone(UTC)
    return f"{at.day} {at:%b %Y}"


@pytest.fixture
def tracked(plan):
    """Version 1 of the small plan, a week on: the welcome email at risk (Mia, with a hostile note)
    with Tess's help and the leader's (who can proofread), activation metrics done (Fay); two check-ins."""
    agree(plan)
    ids = plan.ids
    progress(plan, plan.member, ids.email, "on_track")
    first = checkin(plan, "Week one: all moving.")
    progress(plan, plan.member, ids.email, "at_risk", HOSTILE_NOTE)
    progress(plan, plan.facilitator, ids.metrics, "done", "Live in the dashboard.")
    help_with(plan, plan.target, ids.email)
    help_with(plan, plan.leader, ids.email, note=PROOFREAD)
    help_with(plan, plan.member, ids.metrics)
    second = checkin(plan, HOSTILE_CHECKIN)
    plan.checkins = [first, second]
    return plan


def test_the_markdown_carries_progress_helpers_and_check_ins(tracked):
    ids = tracked.ids
    markdown = fetch(tracked.clients["member"], tracked.workshop, "md").decode()

    summary = markdown.split("## Summary\n\n", 1)[1].split("## Check-ins", 1)[0]
    assert "- Progress: 1 of 2 done · 1 at risk\n" in summary
    attention = [line for line in summary.splitlines() if line.startswith("| **")]
    assert len(attention) == 1
    assert attention[0].startswith("| **At risk** | Write the welcome email | Mia, Tess |")
    assert "| Needs attention | Item | Owners | Update |" in summary

    header = "| Item | Owners | Due | Votes | Notes | Progress | Update | Help |"
    assert markdown.count(header) == 2, "the lanes with accepted items"
    email = next(line for line in markdown.splitlines() if line.startswith("| Write the welcome email | Mia, Tess"))
    cells = [unescaped(cell.strip()) for cell in re.split(r"(?<!\\)\|", email)[1:-1]]
    assert cells[5:] == [
        "At risk",
        f"{flat(HOSTILE_NOTE)} (Mia, {day(ids.email)})",
        f"Tess, {tracked.leader.name} ({PROOFREAD})",
    ], "each helper's name, with how they can help"
    assert "| Measure activation weekly | Fay | 15 Apr 2030 | 2 | — | Done | Live in the dashboard. (Fay, " in markdown
    assert raw_marks(markdown_line_of(markdown, f"{HOSTILE_NOTE} (Mia, {day(ids.email)})")) == []
    assert "<script>" not in markdown

    table = markdown.split("## Check-ins\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert (
        table[0] == "| Check-in | When | By | Plan version | Done | On track | At risk | Blocked | No update | Note |"
    )
    first, second = (unescaped(row) for row in table[2:])
    assert first.startswith("| 1 | ")
    assert first.endswith("| Fay | 1 | 0 | 1 | 0 | 0 | 1 | Week one: all moving. |")
    assert second.endswith(f"| Fay | 1 | 1 | 0 | 1 | 0 | 0 | {flat(HOSTILE_CHECKIN)} |")
    assert raw_marks(markdown_line_of(markdown, HOSTILE_CHECKIN)) == [], "the check-in's note is escaped"
    assert markdown.index("## Summary") < markdown.index("## Check-ins") < markdown.index("## The plan")


def test_the_pdf_carries_progress_helpers_and_check_ins(tracked):
    ids = tracked.ids
    pdf = Pdf(fetch(tracked.clients["observer"], tracked.workshop, "pdf"))

    box = pdf.section("Plan version 1, agreed on", "Check-ins")
    assert "PROGRESS 1 of 2 done · 1 at risk" in box
    assert "Done 1 On track 0 At risk 1 Blocked 0 No update 0" in box, "the bar's legend, with words"
    attention = box.split("NEEDS ATTENTION", 1)[1]
    assert attention.startswith(" At risk Write the welcome email Mia, Tess =HYPERLINK")
    assert "Measure activation weekly" not in attention.split("WHO OWNS WHAT")[0]
    assert "NEEDS ATTENTION" in flat(pdf.pages[0]), "what is stuck is on the first page"

    checkins = pdf.section("Check-ins", "Why it matters")
    assert "Done On track At risk Blocked No update Accepted items by state at each check-in" in checkins
    table = checkins.split("Check-in By Done On track At risk Blocked No update Note ", 1)[1]
    moments = [datetime.fromisoformat(entry["at"]).astimezone(UTC) for entry in tracked.checkins]
    when = [f"{at.day} {at:%b %Y, %H:%M} UTC" for at in moments]
    assert table.startswith(f"#1 {when[0]} Plan version 1 Fay 0 1 0 0 1 Week one: all moving. ")
    assert f"#2 {when[1]} Plan version 1 Fay 1 0 1 0 0 {flat(HOSTILE_CHECKIN)}" in table

    lanes = pdf.section("The plan, lane by lane", "Not taken")
    assert "Item Progress Owners Due Votes" in lanes
    assert (
        f"Write the welcome email Three mails, one a day. Update: {flat(HOSTILE_NOTE)}"
        f" Help: Tess, {tracked.leader.name} ({PROOFREAD}) At risk Mia {day(ids.email)} Mia, Tess 1 Mar 2030 4"
    ) in lanes
    assert f"Measure activation weekly Update: Live in the dashboard. Help: Mia Done Fay {day(ids.metrics)}" in lanes
    assert "Update" not in pdf.section("Not taken", "Participants"), "items not taken carry no progress"


def test_the_csv_carries_progress_and_helpers_in_columns_of_its_one_table(tracked):
    ids = tracked.ids
    rows = read_csv(fetch(tracked.clients["member"], tracked.workshop, "csv"))
    assert len(rows) == 4, "still one row per item: the check-ins are not rows"
    by_title = {row["title"]: row for row in rows}
    email = Item.objects.get(pk=ids.email)
    assert [by_title["Write the welcome email"][column] for column in PROGRESS_COLUMNS] == [
        "at_risk",
        spreadsheet_safe(HOSTILE_NOTE),
        "Mia",
        email.progress_at.isoformat(),
        f"Tess; {tracked.leader.name}",
    ]
    assert datetime.fromisoformat(by_title["Write the welcome email"]["progress_at"]) == email.progress_at
    metrics = by_title["Measure activation weekly"]
    assert (metrics["progress_state"], metrics["progress_note"], metrics["progress_by"], metrics["helpers"]) == (
        "done",
        "Live in the dashboard.",
        "Fay",
        "Mia",
    )
    for title in ("Record a product tour", "Rewrite the signup form"):
        assert [by_title[title][column] for column in PROGRESS_COLUMNS] == [""] * 5


def test_hostile_names_and_notes_read_as_typed_in_every_format(tracked, browser):
    names = ["<b>Bold</b> & co", "=1+2", "Катя | Zoë"]
    for name in names:
        help_with(tracked, browser(Role.MEMBER, name)[1], tracked.ids.metrics)
    help_with(tracked, browser(Role.MEMBER, "Hana")[1], tracked.ids.metrics, note=HOSTILE_HELP)
    client, workshop = tracked.clients["leader"], tracked.workshop

    pdf = Pdf(fetch(client, workshop, "pdf"))
    assert f"Help: Mia, {', '.join(names)}, Hana ({flat(HOSTILE_HELP)})" in pdf
    assert HOSTILE_NOTE in pdf
    assert HOSTILE_CHECKIN in pdf

    markdown = fetch(client, workshop, "md").decode()
    helpers = markdown_line_of(markdown, ", ".join(["Mia", *names, f"Hana ({HOSTILE_HELP})"]))
    assert raw_marks(helpers) == []
    assert re.search(r"(?<!\\)<", markdown) is None, "raw HTML is possible"

    metrics = next(
        row for row in read_csv(fetch(client, workshop, "csv")) if row["title"] == "Measure activation weekly"
    )
    assert metrics["helpers"] == "; ".join(["Mia", *names, "Hana"]), "the CSV's helpers are names"
    email = next(row for row in read_csv(fetch(client, workshop, "csv")) if row["title"] == "Write the welcome email")
    assert email["progress_note"].startswith("'="), "a note that starts a formula is defused"


@pytest.fixture
def replanned_with_progress(tracked):
    """The tracked version 1, then version 2 (the changes of test_exports' `replanned`): metrics
    dropped, the help video (accepted in version 1, with progress) deleted, the welcome email kept
    with its progress; a third check-in under version 2 with the new item on track."""
    plan, workshop = tracked, tracked.workshop
    reopen(plan)
    video = add_item(workshop, plan.member, plan.lanes[2], "Record a help video", due="2030-02-02")
    accept(plan, video, plan.facilitator)
    send(workshop, plan.facilitator, "phase.set", phase="agreed")  # version 2: with the video
    progress(plan, plan.facilitator, video, "blocked", "No microphone.")
    reopen(plan)
    accept(plan, plan.ids.tour, plan.member)
    interviews = add_item(workshop, plan.target, plan.lanes[2], "Interview five churned customers")
    accept(plan, interviews, plan.target)
    send(workshop, plan.facilitator, "item.status", item=plan.ids.metrics, status="dropped")
    send(workshop, plan.facilitator, "item.delete", item=video)
    send(workshop, plan.target, "item.unclaim", item=plan.ids.email)
    edit(plan, plan.ids.email, due="2030-03-15")
    agree(plan, plan.leader)  # version 3
    progress(plan, plan.target, interviews, "on_track", "Two booked.")
    plan.checkins.append(checkin(plan, "Version 3 under way."))
    plan.video, plan.interviews = video, interviews
    return plan


def test_a_new_version_says_what_changed_and_keeps_the_progress_of_items_that_stayed(replanned_with_progress):
    plan = replanned_with_progress
    client, workshop = plan.clients["member"], plan.workshop
    markdown = fetch(client, workshop, "md").decode()
    changes = markdown.split("## Changed since version 2\n\n", 1)[1].split("\n\n", 1)[0]
    assert changes.splitlines()[2:] == [f"| {' | '.join(change)} |" for change in CHANGES_SINCE_1]

    rows = {row["title"]: row for row in read_csv(fetch(client, workshop, "csv"))}
    email = rows["Write the welcome email"]
    assert (email["plan_version"], email["progress_state"], email["progress_by"]) == ("3", "at_risk", "Mia")
    assert email["helpers"] == f"Tess; {plan.leader.name}", "helpers stay with an item that stays accepted"
    assert rows["Interview five churned customers"]["progress_state"] == "on_track"
    dropped = rows["Measure activation weekly"]
    assert (dropped["status"], dropped["progress_state"], dropped["helpers"]) == ("dropped", "", "")

    pdf = Pdf(fetch(client, workshop, "pdf"))
    assert "PROGRESS 0 of 3 done · 1 at risk · 1 on track · 1 no update" in pdf
    table = pdf.section("Check-ins", "Why it matters")
    assert "#3" in table
    assert "Plan version 3 Fay 0 1 1 0 1 Version 3 under way." in table
    assert "#2" in table
    assert "Plan version 1 Fay 1 0 1 0 0" in table
    assert "Version 3" in table.split("Check-in By")[0], "the chart marks where a new version was agreed"
    assert "Write the welcome email Three mails, one a day. Update:" in pdf.section("The plan, lane by lane")


def test_an_earlier_version_shows_its_items_progress_as_of_the_export(replanned_with_progress):
    plan = replanned_with_progress
    client, workshop = plan.clients["member"], plan.workshop
    progress(plan, plan.member, plan.ids.email, "done", "Sent at last.")

    rows = {row["title"]: row for row in read_csv(fetch(client, workshop, "csv", 1))}
    assert {row["plan_version"] for row in rows.values()} == {"1"}
    email = rows["Write the welcome email"]
    assert (email["progress_state"], email["progress_note"]) == ("done", "Sent at last."), "as of now, not frozen"
    assert email["owners"] == "Mia; Tess", "the plan itself stays as agreed"
    metrics = rows["Measure activation weekly"]
    assert (metrics["status"], metrics["progress_state"]) == ("accepted", ""), "dropped since: its progress went"

    second = {row["title"]: row for row in read_csv(fetch(client, workshop, "csv", 2))}
    video = second["Record a help video"]
    assert (video["status"], video["progress_state"], video["helpers"]) == ("accepted", "", ""), "deleted since"

    markdown = fetch(client, workshop, "md", 1).decode()
    assert "Changed since" not in markdown
    assert "- Progress: 1 of 2 done · 1 no update\n" in markdown
    assert markdown.count("\n| 3 | ") == 1, "every check-in so far, those of later versions too"
    pdf = Pdf(fetch(client, workshop, "pdf", 2))
    assert "Record a help video No update" in pdf
    assert "#3" in pdf.section("Check-ins", "Why it matters")


def test_drafts_carry_no_progress(plan):
    client = plan.clients["facilitator"]
    pdf = Pdf(fetch(client, plan.workshop, "pdf"))
    assert DRAFT in pdf
    for absent in ("PROGRESS", "NEEDS ATTENTION", "Check-ins", "No update", "Item Progress"):
        assert absent not in pdf.text, absent
    markdown = fetch(client, plan.workshop, "md").decode()
    assert "Progress" not in markdown
    assert "## Check-ins" not in markdown
    rows = read_csv(fetch(client, plan.workshop, "csv"))
    assert all(row[column] == "" for row in rows for column in PROGRESS_COLUMNS)


def test_an_agreed_plan_without_check_ins_says_so(plan):
    agree(plan)
    client = plan.clients["leader"]
    assert "## Check-ins\n\nNo check-in yet.\n" in fetch(client, plan.workshop, "md").decode()
    pdf = Pdf(fetch(client, plan.workshop, "pdf"))
    assert "Check-ins No check-in yet." in pdf
    assert "PROGRESS 0 of 2 done · 2 no update" in pdf


def test_more_check_ins_and_helpers_cost_no_more_queries(tracked):
    client, workshop = tracked.clients["leader"], tracked.workshop

    def queries():
        with CaptureQueriesContext(connection) as captured:
            fetch(client, workshop, "md")
        return len(captured)

    before = queries()
    for _ in range(3):
        checkin(tracked)
    help_with(tracked, tracked.facilitator, tracked.ids.email)
    progress(tracked, tracked.target, tracked.ids.email, "blocked")
    assert queries() == before


# The PDF's layout of the history, with no database


def live(content, checkins, states=()):
    """What planning.plan.plan_progress reads, for frozen content: each item's state in turn."""
    items = {}
    for number, item in enumerate(item for lane in content["lanes"] for item in lane["items"]):
        state = states[number % len(states)] if states else None
        report = {"state": state, "note": f"Note {number}", "by": "Fay", "at": "2030-01-02T10:00:00+00:00"}
        items[item["id"]] = {"progress": report if state else None, "helpers": ["Mia"] if number % 2 else []}
    return {"items": items, "checkins": checkins}


def history(count, *, note="", total=12):
    start = datetime(2030, 1, 1, 9, tzinfo=UTC)
    return [
        {
            "number": number + 1,
            "at": (start + timedelta(days=7 * number)).isoformat(),
            "by": "Fay",
            "note": note or f"Check-in note {number + 1}",
            "counts": {"done": number % total, "on_track": 2, "at_risk": 1, "blocked": 0, "none": 0},
            "version": 1 + number // 20,
        }
        for number in range(count)
    ]


def test_a_long_history_and_the_longest_notes_print_in_full():
    content = frozen_plan([(f"Item {number:02}", "") for number in range(12)])
    long_note = ("Катя, Zoë and Αλέξης agree; " * 80)[:2000].strip()
    checkins = history(60, total=12) + history(1, note=long_note)
    pdf = Pdf(render_pdf(plan_document(content, live=live(content, checkins, ["done", "blocked", "at_risk"]))))
    for number, page in enumerate(pdf.pages, start=1):
        assert f"Page {number} of {len(pdf.pages)}" in page
    assert all(f"Check-in note {number}" in pdf for number in range(1, 61))
    assert flat(long_note) in pdf
    assert "Note of check-in #1" in pdf, "a note too tall for its row goes on under the table"
    assert "and 2 more: see the plan, lane by lane" in pdf, "the summary lists six items that need attention"
    markdown = render_markdown(plan_document(content, live=live(content, checkins)))
    table = markdown.split("## Check-ins\n\n", 1)[1].split("\n\n", 1)[0]
    assert len(table.splitlines()) == 2 + 61
    assert flat(long_note) in unescaped(table)
