"""Plan exports (protocol §6, the URLs and rights of §3): PDF, Markdown and CSV of a plan.

Everything is fetched over HTTP by the leader's or a guest's browser (a test
client with a real session); the board is arranged through the ops of
`room.protocol.dispatch`, as sockets would, except where the scale test
needs bulk rows.
"""

from __future__ import annotations

import copy
import csv
import io
import itertools
import logging
import re
import secrets
from html.parser import HTMLParser
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt
from pypdf import PdfReader

from goals.invites import current_member_invite, invite_create, token_for
from goals.models import Member, Phase, Role
from planning.exports import as_csv
from planning.exports.as_markdown import one_line, render_markdown
from planning.exports.as_pdf import render_pdf
from planning.exports.changes import ItemChange, plan_changes
from planning.exports.document import plan_document
from planning.models import Item, Ownership, PlanVersion, Vote
from room.workshops import workshop_create
from tests.goals.conftest import join_over_http, logged_in, make_user
from tests.planning.helpers import add_item, lanes_of, send, set_phase

FORMATS = ("pdf", "md", "csv")
CONTENT_TYPES = {"pdf": "application/pdf", "md": "text/markdown", "csv": "text/csv"}
DRAFT = "Draft — not yet agreed"
BOM = b"\xef\xbb\xbf"
# The CSV's header is an interface: spreadsheets and scripts pick columns by these names.
COLUMNS = [
    "plan_version",
    "status",
    "lane",
    "position",
    "title",
    "owners",
    "due",
    "votes",
    "criterion",
    "criterion_text",
    "notes",
    "author",
    "progress_state",
    "progress_note",
    "progress_by",
    "progress_at",
    "helpers",
    "estimate",
    "stack",
]
A4_POINTS = (595.28, 841.89)

_numbers = itertools.count(1)


# Reading the exports


def export_url(workshop, extension, version=None):
    url = f"/w/{workshop.id}/export/plan.{extension}"
    return url if version is None else f"{url}?version={version}"


def fetch(client, workshop, extension, version=None):
    """An export that must be served: 200 with the format's content type."""
    response = client.get(export_url(workshop, extension, version))
    assert response.status_code == 200, (extension, version, response.status_code)
    assert response["Content-Type"].startswith(CONTENT_TYPES[extension])
    return response.content


def flat(text):
    """Text with every run of whitespace made one space: how wrapped lines compare with what was typed."""
    return " ".join(text.split())


def human_moment(moment):
    """An agreement's time as the PDF and Markdown print it: "5 Dec 2026, 14:03 UTC"."""
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


def dense(text):
    """Text without any whitespace, for a word too long for one line, which the PDF breaks anywhere."""
    return "".join(text.split())


PAGE_FURNITURE = re.compile(rf"^({DRAFT.upper()}|({DRAFT}|Plan version \d+) Page \d+ of \d+)$", re.MULTILINE)


class Pdf:
    """A PDF export as pypdf reads it: pages, their text and the document info."""

    def __init__(self, content: bytes) -> None:
        assert content.startswith(b"%PDF-")
        self.reader = PdfReader(io.BytesIO(content))
        self.pages = [page.extract_text() for page in self.reader.pages]
        # The text without each page's header and footer, which break a paragraph running over pages.
        self.text = flat("\n".join(PAGE_FURNITURE.sub("", page) for page in self.pages))
        self.metadata = self.reader.metadata

    def __contains__(self, typed: str) -> bool:
        return flat(typed) in self.text

    def section(self, start: str, end: str | None = None) -> str:
        """The extracted text from one heading up to the next one given."""
        after = self.text.split(start, 1)[1]
        return after.split(end, 1)[0] if end else after


def read_csv(content: bytes):
    """The rows of a CSV export as dicts, after checking the byte order mark and the header."""
    assert content.startswith(BOM), "the CSV must start with a UTF-8 byte order mark"
    text = content.decode("utf-8")[1:]
    assert "\ufeff" not in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0] == COLUMNS == as_csv.COLUMNS
    assert all(len(row) == len(COLUMNS) for row in rows), "every row has every column"
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows[1:]]


def spreadsheet_safe(typed):
    """What a CSV cell holds for typed text: the text, with an apostrophe before a formula."""
    return f"'{typed}" if typed[:1] in ("=", "+", "-", "@", "\t", "\r") else typed


# CommonMark: a backslash before ASCII punctuation stands for that character.
_MARKDOWN_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")


def unescaped(markdown):
    return _MARKDOWN_ESCAPE.sub(r"\1", markdown)


def raw_marks(markdown_text):
    """The characters of `markdown_text` that act as markup: not escaped by a backslash."""
    marks = []
    escaped = False
    for char in markdown_text:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char in "*_`[]<>|~&":
            marks.append(char)
    return marks


def markdown_line_of(markdown, typed):
    """The one line of the Markdown whose text, unescaped, is `typed` (in a table cell, on one line)."""
    for line in markdown.splitlines():
        for part in re.split(r"(?<!\\)\|", line):
            if unescaped(part.strip()) == flat(typed):
                return part.strip()
    raise AssertionError(f"{typed!r} does not read as typed anywhere in the Markdown")


# People and the plan


@pytest.fixture(name="browser")
def browser_fixture(workshop, leader):
    """A guest's browser that joined through the invite link; facilitators are promoted by the leader."""

    def join(role=Role.MEMBER, name=None):
        if role == Role.OBSERVER:
            invite = invite_create(workshop=workshop, created_by=leader, role=Role.OBSERVER)
        else:
            invite = current_member_invite(workshop)
        client = Client()
        member = join_over_http(client, token_for(invite), name or f"Guest {next(_numbers)}")
        if role == Role.FACILITATOR:
            send(workshop, leader, "member.role", member=member.id, role=Role.FACILITATOR)
            member.refresh_from_db()
        assert member.role == role
        return client, member

    return join


@pytest.fixture(name="team")
def team_fixture(workshop, leader, leader_user, browser):
    """The leader's browser and the guests': Fay facilitates, Mia and Tess are members, Otto observes."""
    people = {"leader": (logged_in(leader_user), leader)}
    for key, role, name in [
        ("facilitator", Role.FACILITATOR, "Fay"),
        ("member", Role.MEMBER, "Mia"),
        ("target", Role.MEMBER, "Tess"),
        ("observer", Role.OBSERVER, "Otto"),
    ]:
        people[key] = browser(role, name)
    return SimpleNamespace(
        workshop=workshop,
        lanes=lanes_of(workshop),
        clients={key: client for key, (client, _) in people.items()},
        **{key: member for key, (_, member) in people.items()},
    )


@pytest.fixture
def outsiders(db):
    """Someone anonymous, a guest and a leader of another workshop: none may learn that this one exists."""
    other = workshop_create(user=make_user(), title="Another team's goal")
    guest = Client()
    join_over_http(guest, token_for(current_member_invite(other)), "Somebody else")
    return {"anonymous": Client(), "guest elsewhere": guest, "leader elsewhere": logged_in(other.created_by)}


def agree(team, actor=None):
    outcome = send(team.workshop, actor or team.facilitator, "phase.set", phase="agreed")
    assert outcome.events[0].data["phase"] == "agreed"
    return PlanVersion.objects.get(workshop=team.workshop, number=outcome.events[0].data["plan_version"])


def accept(team, item_id, *owners):
    send(team.workshop, team.facilitator, "item.status", item=item_id, status="accepted")
    for owner in owners:
        send(team.workshop, owner, "item.claim", item=item_id)


def vote(team, voter, item_id, dots=1):
    phase = team.workshop.phase
    set_phase(team.workshop, Phase.VOTE)
    for _ in range(dots):
        send(team.workshop, voter, "vote.cast", item=item_id)
    set_phase(team.workshop, phase)


@pytest.fixture(name="plan")
def plan_fixture(team):
    """A small plan: accepted items in Now and Next serving criterion 1, one proposed, one dropped;
    criterion 2 ("Support tickets halved") served by nothing."""
    workshop = team.workshop
    now, nxt, later = team.lanes
    set_phase(workshop, Phase.PLAN)
    ids = SimpleNamespace(
        email=add_item(
            workshop,
            team.member,
            now,
            "Write the welcome email",
            notes="Three mails, one a day.",
            due="2030-03-01",
            criterion=0,
        ),
        tour=add_item(workshop, team.member, now, "Record a product tour", notes="Maybe later."),
        metrics=add_item(workshop, team.target, nxt, "Measure activation weekly", due="2030-04-15", criterion=0),
        rewrite=add_item(workshop, team.target, later, "Rewrite the signup form"),
    )
    vote(team, team.member, ids.email, dots=3)
    vote(team, team.target, ids.email, dots=1)
    vote(team, team.target, ids.metrics, dots=2)
    accept(team, ids.email, team.member, team.target)
    accept(team, ids.metrics, team.facilitator)
    send(workshop, team.facilitator, "item.status", item=ids.rewrite, status="dropped")
    team.ids = ids
    return team


def take_confidence(team, *scores):
    send(team.workshop, team.facilitator, "confidence.open")
    for person, score in zip([team.member, team.target, team.facilitator], scores, strict=False):
        send(team.workshop, person, "confidence.answer", score=score)
    send(team.workshop, team.facilitator, "confidence.close")


# Who may export (protocol §3)


@pytest.mark.parametrize("who", ["leader", "facilitator"])
def test_the_leader_and_facilitators_export_every_format(plan, who):
    for label in ("draft", "v1"):
        if label == "v1":
            agree(plan)
        for extension in FORMATS:
            response = plan.clients[who].get(export_url(plan.workshop, extension))
            assert response.status_code == 200
            assert response["Content-Type"].startswith(CONTENT_TYPES[extension])
            disposition = "inline" if extension == "pdf" else "attachment"
            filename = f"ship-the-new-onboarding-by-march-plan-{label}.{extension}"
            assert response["Content-Disposition"] == f'{disposition}; filename="{filename}"'
            assert response["Cache-Control"] == "private, no-store"


def test_members_and_observers_may_not_export_the_draft(plan):
    for who in ("member", "target", "observer"):
        for extension in FORMATS:
            for version in (None, 1):
                response = plan.clients[who].get(export_url(plan.workshop, extension, version))
                assert response.status_code == 403, (who, extension, version)
                assert b"Write the welcome email" not in response.content
                assert b"The plan is not agreed yet" in response.content


@pytest.mark.parametrize("who", ["member", "observer"])
def test_members_and_observers_take_every_agreed_version_home(plan, who):
    client, workshop = plan.clients[who], plan.workshop
    agree(plan)
    send(workshop, plan.facilitator, "phase.set", phase="plan")
    send(workshop, plan.member, "item.edit", item=plan.ids.email, version=1, title="Write two welcome emails")
    # Reopened: the board is the draft of version 2, and a member's export is still version 1.
    for extension in FORMATS:
        response = client.get(export_url(workshop, extension))
        assert response.status_code == 200
        assert response["Content-Type"].startswith(CONTENT_TYPES[extension])
        assert response["Content-Disposition"].endswith(f'-plan-v1.{extension}"')
        assert response["Cache-Control"] == "private, no-store"
    assert "Write two welcome emails" not in fetch(client, workshop, "md").decode()
    agree(plan)
    assert "Write two welcome emails" in fetch(client, workshop, "md").decode()
    assert "Write two welcome emails" not in fetch(client, workshop, "md", 1).decode()
    assert "Plan version 1" in Pdf(fetch(client, workshop, "pdf", 1)).pages[0]
    assert client.get(export_url(workshop, "csv", 3)).status_code == 404


def test_non_members_and_anonymous_visitors_get_404(plan, outsiders):
    for agreed in (False, True):
        if agreed:
            agree(plan)
        for name, client in outsiders.items():
            for extension in FORMATS:
                for version in (None, 1):
                    response = client.get(export_url(plan.workshop, extension, version))
                    assert response.status_code == 404, (name, extension, version)
                    assert plan.workshop.title.encode() not in response.content


def test_an_unknown_format_is_404(plan):
    for extension in ("txt", "PDF", "html", "pdf.zip", "docx", "json", "md5"):
        assert plan.clients["leader"].get(export_url(plan.workshop, extension)).status_code == 404, extension


def test_a_version_that_does_not_exist_is_404(plan):
    client = plan.clients["leader"]
    for extension in FORMATS:
        assert client.get(export_url(plan.workshop, extension, "1")).status_code == 404, "nothing agreed yet"
    agree(plan)
    typed = ("2", "abc", "0", "-1", "-0", "", "1.0", "1e0", "%201", "1%00", "99999999999999999999", "²", "①", "١")
    for version in typed:
        for extension in FORMATS:
            response = client.get(export_url(plan.workshop, extension, version))
            assert response.status_code == 404, (extension, version)


def test_exports_answer_get_and_head_only(plan):
    client = plan.clients["leader"]
    for extension in FORMATS:
        assert client.head(export_url(plan.workshop, extension)).status_code == 200
        assert client.post(export_url(plan.workshop, extension)).status_code == 405
    assert client.post(f"/api/w/{plan.workshop.id}/plans").status_code == 405


# Before the first agreement: the board as a draft


def test_before_the_first_agreement_every_export_is_a_draft(plan):
    client, workshop = plan.clients["facilitator"], plan.workshop

    pdf = Pdf(fetch(client, workshop, "pdf"))
    assert DRAFT in pdf
    assert all(DRAFT.upper() in page and DRAFT in page for page in pdf.pages), "every page says it is a draft"
    assert "Plan version" not in pdf.text
    assert pdf.metadata.title == workshop.title

    markdown = fetch(client, workshop, "md").decode()
    assert markdown.startswith(f"# {workshop.title}\n")
    assert f"**{DRAFT}**" in markdown

    rows = read_csv(fetch(client, workshop, "csv"))
    assert len(rows) == 4
    assert {row["plan_version"] for row in rows} == {"draft"}


def test_the_draft_shows_the_board_as_it_is_now(plan):
    send(plan.workshop, plan.member, "item.edit", item=plan.ids.email, version=1, title="Write two welcome emails")
    pdf = Pdf(fetch(plan.clients["leader"], plan.workshop, "pdf"))
    assert "Write two welcome emails" in pdf
    assert "Write the welcome email" not in pdf


def test_a_draft_exported_while_voting_keeps_the_tallies_hidden(plan):
    """Protocol §2: while the phase is vote nobody, facilitators included, sees where the dots are."""
    set_phase(plan.workshop, Phase.VOTE)
    client = plan.clients["facilitator"]
    rows = read_csv(fetch(client, plan.workshop, "csv"))
    assert {row["votes"] for row in rows} == {""}, "the CSV shows tallies during the vote"
    markdown = fetch(client, plan.workshop, "md").decode()
    email_row = next(line for line in markdown.splitlines() if line.startswith("| Write the welcome email"))
    assert "| 4 |" not in email_row, "the Markdown shows the welcome email's 4 dots during the vote"
    pdf = Pdf(fetch(client, plan.workshop, "pdf"))
    assert "Mia, Tess 1 Mar 2030 hidden" in pdf, pdf.text
    assert "1 Mar 2030 4" not in pdf.text, "the PDF shows the welcome email's 4 dots during the vote"

    set_phase(plan.workshop, Phase.PLAN)  # leaving the vote reveals them
    rows = read_csv(fetch(client, plan.workshop, "csv"))
    assert [row["votes"] for row in rows] == ["4", "0", "2", "0"]


# The agreed plan


def test_the_agreed_pdf_holds_the_whole_plan(plan):
    take_confidence(plan, 4, 3)
    version = agree(plan)
    pdf = Pdf(fetch(plan.clients["leader"], plan.workshop, "pdf"))

    assert DRAFT not in pdf.text
    assert plan.workshop.title in pdf
    assert plan.workshop.why in pdf
    agreed_at = human_moment(version.agreed_at)
    assert f"Plan version 1, agreed on {agreed_at} by Fay" in pdf

    criteria = pdf.section("Success criteria", "The plan, lane by lane")
    first, second = criteria.split("2. Support tickets halved")
    assert first.startswith(" 1. Activation above 60%")
    assert "Write the welcome email" in first
    assert "Measure activation weekly" in first
    assert "Not served by any accepted item" not in first
    assert "Not served by any accepted item" in second

    lanes = pdf.section("The plan, lane by lane", "Not taken")
    now, rest = lanes.split(" Next ", 1)
    # Notes under the title, then progress (none reported yet), owners, due date and votes.
    assert "Write the welcome email Three mails, one a day. No update Mia, Tess 1 Mar 2030 4" in now
    assert "Measure activation weekly No update Fay 15 Apr 2030 2" in rest.split(" Later ")[0]
    assert "No accepted items." in rest.split(" Later ")[1]
    for not_taken in ("Record a product tour", "Rewrite the signup form"):
        assert not_taken not in lanes

    not_taken = pdf.section("Not taken", "Participants")
    assert "Record a product tour Maybe later. Now Proposed 0" in not_taken
    assert "Rewrite the signup form Later Dropped 0" in not_taken
    assert not_taken.index("Record a product tour") < not_taken.index("Rewrite the signup form")

    participants = pdf.section("Participants", "Confidence")
    expected = [(plan.leader.name, "Leader"), ("Fay", "Facilitator"), ("Mia", "Member")]
    expected += [("Tess", "Member"), ("Otto", "Observer")]
    listed = " ".join(f"{name} {role}" for name, role in expected)
    assert participants.strip().startswith(f"Name Role {listed}")

    confidence = pdf.section("Confidence")
    assert "Mean 3.5 of 5 from 2 answers." in confidence


def test_a_plan_without_a_confidence_check_has_no_confidence_section(plan):
    agree(plan)
    client = plan.clients["leader"]
    pdf = Pdf(fetch(client, plan.workshop, "pdf"))
    assert "Confidence" not in pdf.text
    assert "Mean" not in pdf.text
    assert "## Confidence" not in fetch(client, plan.workshop, "md").decode()


def reopen(team):
    send(team.workshop, team.facilitator, "phase.set", phase="plan")


def test_a_confidence_result_stays_with_the_version_it_was_taken_for(plan):
    """Protocol §2: after a reopen, version 2 carries only a check taken for it."""
    client, workshop = plan.clients["leader"], plan.workshop
    take_confidence(plan, 4, 3)
    first = agree(plan)
    reopen(plan)
    second = agree(plan)
    assert first.content["confidence"] == {"histogram": [0, 0, 0, 1, 1, 0], "mean": 3.5}
    assert second.content["confidence"] is None, "version 2 presented version 1's result as its own"
    assert "## Confidence" in fetch(client, workshop, "md", 1).decode()
    assert "## Confidence" not in fetch(client, workshop, "md", 2).decode()

    reopen(plan)
    take_confidence(plan, 1)
    third = agree(plan)
    assert third.content["confidence"] == {"histogram": [0, 1, 0, 0, 0, 0], "mean": 1.0}
    assert PlanVersion.objects.get(pk=first.pk).content == first.content, "version 1 never changes"
    assert "Mean: 1 of 5 from 1 answers." in fetch(client, workshop, "md").decode()


def test_a_check_left_open_at_a_reopen_is_not_carried_into_the_next_version(plan):
    take_confidence(plan, 5, 5)
    agree(plan)
    reopen(plan)
    send(plan.workshop, plan.facilitator, "confidence.open")
    send(plan.workshop, plan.member, "confidence.answer", score=2)
    agree(plan)  # with the check still open: no result for version 2
    reopen(plan)
    assert agree(plan).content["confidence"] is None


def test_a_check_still_open_when_agreeing_is_not_a_result(plan):
    send(plan.workshop, plan.facilitator, "confidence.open")
    send(plan.workshop, plan.member, "confidence.answer", score=5)
    agree(plan)
    assert "Confidence" not in Pdf(fetch(plan.clients["leader"], plan.workshop, "pdf")).text


def test_the_pdf_is_a4_titled_with_the_goal_and_numbered(plan):
    agree(plan)
    pdf = Pdf(fetch(plan.clients["leader"], plan.workshop, "pdf"))
    assert pdf.metadata.title == plan.workshop.title
    for page in pdf.reader.pages:
        box = page.mediabox
        assert (float(box.left), float(box.bottom)) == (0, 0)
        assert (float(box.width), float(box.height)) == pytest.approx(A4_POINTS, abs=0.5)
    total = len(pdf.pages)
    for number, page in enumerate(pdf.pages, start=1):
        assert f"Page {number} of {total}" in page
        assert "Plan version 1" in page


def test_the_agreed_markdown_holds_the_whole_plan(plan):
    take_confidence(plan, 5, 2, 2)
    version = agree(plan)
    markdown = fetch(plan.clients["leader"], plan.workshop, "md").decode()

    assert markdown.startswith("# Ship the new onboarding by March\n")
    assert f"**Plan version 1, agreed on {human_moment(version.agreed_at)} by Fay**" in markdown
    assert "New customers churn in week one." in markdown
    assert "   - served by: Write the welcome email\n   - served by: Measure activation weekly\n" in markdown
    assert "2\\. Support tickets halved\n   - **Not served by any accepted item.**" in markdown
    assert "| Write the welcome email | Mia, Tess | 1 Mar 2030 | 4 | Three mails, one a day. |" in markdown
    assert "| Measure activation weekly | Fay | 15 Apr 2030 | 2 | — |" in markdown
    assert "| Record a product tour | Now | proposed | — | — | 0 | Maybe later. |" in markdown
    assert "| Rewrite the signup form | Later | dropped | — | — | 0 | — |" in markdown
    assert f"- {plan.leader.name} (leader)\n- Fay (facilitator)\n- Mia (member)\n" in markdown
    assert "Mean: 3 of 5 from 3 answers." in markdown


def test_each_success_criterion_starts_its_own_block_in_the_markdown(plan):
    """A line after a list item is a lazy continuation of it (CommonMark 5.2): without a blank
    line, "2. Support tickets halved" would render inside criterion 1's last "served by" bullet."""
    agree(plan)
    lines = fetch(plan.clients["leader"], plan.workshop, "md").decode().splitlines()
    numbered = [index for index, line in enumerate(lines) if re.match(r"\d+\\\. ", line)]
    assert len(numbered) == 2
    for index in numbered:
        assert lines[index - 1] == "", f"no blank line before {lines[index]!r}"


def test_the_agreed_csv_has_one_row_per_item_in_board_order(plan):
    agree(plan)
    rows = read_csv(fetch(plan.clients["leader"], plan.workshop, "csv"))
    assert [
        (row["plan_version"], row["status"], row["lane"], row["position"], row["title"], row["owners"]) for row in rows
    ] == [
        ("1", "accepted", "Now", "0", "Write the welcome email", "Mia; Tess"),
        ("1", "proposed", "Now", "1", "Record a product tour", ""),
        ("1", "accepted", "Next", "0", "Measure activation weekly", "Fay"),
        ("1", "dropped", "Later", "0", "Rewrite the signup form", ""),
    ]
    email = rows[0]
    assert (email["due"], email["votes"], email["criterion"], email["criterion_text"]) == (
        "2030-03-01",
        "4",
        "1",
        "Activation above 60%",
    )
    assert (email["notes"], email["author"]) == ("Three mails, one a day.", "Mia")
    assert (rows[1]["due"], rows[1]["criterion"], rows[1]["criterion_text"]) == ("", "", "")


# Versions


def test_each_agreement_is_a_version_that_never_changes(plan):
    client, workshop = plan.clients["leader"], plan.workshop
    agree(plan)
    v1_markdown = fetch(client, workshop, "md")
    v1_csv = fetch(client, workshop, "csv", 1)

    send(workshop, plan.leader, "phase.set", phase="plan")
    send(workshop, plan.member, "item.edit", item=plan.ids.email, version=1, title="Write two welcome emails")
    added = add_item(workshop, plan.target, plan.lanes[2], "Interview five churned customers", criterion=1)
    accept(plan, added, plan.target)
    accept(plan, plan.ids.tour, plan.member)
    send(workshop, plan.target, "item.claim", item=plan.ids.metrics)
    # While reopened, the export is still the agreed version 1.
    assert fetch(client, workshop, "md") == v1_markdown
    v2 = agree(plan, plan.leader)

    latest = Pdf(fetch(client, workshop, "pdf"))
    assert "Plan version 2" in latest
    assert f"by {plan.leader.name}" in latest
    assert "Write two welcome emails" in latest
    assert "Interview five churned customers" in latest
    assert "Write the welcome email" not in latest.text
    assert "Not served by any accepted item" not in latest.text
    assert all("Plan version 2" in page for page in latest.pages)

    first = Pdf(fetch(client, workshop, "pdf", 1))
    assert "Plan version 1, agreed on" in first
    assert "by Fay" in first
    assert "Write the welcome email" in first
    assert "Write two welcome emails" not in first
    assert "Interview five churned customers" not in first
    assert "Record a product tour Maybe later. Now Proposed" in first
    assert "Plan version 2" not in first.text
    assert all("Plan version 1" in page for page in first.pages)

    assert fetch(client, workshop, "md", 1) == v1_markdown, "version 1 changed after version 2 was agreed"
    assert fetch(client, workshop, "csv", 1) == v1_csv
    assert fetch(client, workshop, "md", 2) == fetch(client, workshop, "md")
    rows = read_csv(fetch(client, workshop, "csv"))
    assert {row["plan_version"] for row in rows} == {"2"}
    assert [row["owners"] for row in rows if row["title"] == "Measure activation weekly"] == ["Fay; Tess"]
    assert v2.number == 2


def test_the_versions_are_listed_newest_first_with_working_links(plan):
    client, workshop = plan.clients["facilitator"], plan.workshop
    assert client.get(f"/api/w/{workshop.id}/plans").json() == []
    first = agree(plan)
    send(workshop, plan.facilitator, "phase.set", phase="plan")
    second = agree(plan, plan.leader)

    response = client.get(f"/api/w/{workshop.id}/plans")
    assert response.status_code == 200
    listed = response.json()
    assert [entry["number"] for entry in listed] == [2, 1]
    assert [entry["agreed_at"] for entry in listed] == [second.agreed_at.isoformat(), first.agreed_at.isoformat()]
    assert [entry["agreed_by"] for entry in listed] == [plan.leader.name, "Fay"]
    for entry in listed:
        assert set(entry["exports"]) == set(FORMATS)
        for extension, link in entry["exports"].items():
            assert link == f"/w/{workshop.id}/export/plan.{extension}?version={entry['number']}"
            response = client.get(link)
            assert response.status_code == 200
            assert f"-plan-v{entry['number']}.{extension}" in response["Content-Disposition"]
        assert f"Plan version {entry['number']}" in Pdf(client.get(entry["exports"]["pdf"]).content).pages[0]


def test_every_member_lists_the_agreed_versions(plan, outsiders):
    url = f"/api/w/{plan.workshop.id}/plans"
    for who in ("member", "observer"):
        assert plan.clients[who].get(url).json() == [], "no version yet, and the draft is not listed"
    agree(plan)
    listed = plan.clients["leader"].get(url).json()
    for who in ("member", "observer"):
        response = plan.clients[who].get(url)
        assert response.status_code == 200
        assert response.json() == listed
        assert [entry["number"] for entry in listed] == [1]
    for name, client in outsiders.items():
        response = client.get(url)
        assert response.status_code == 404, name
        assert plan.workshop.title not in response.content.decode()


# The one-pager before the detail: the summary, one date format, what changed since the last version


def edit(team, item_id, **fields):
    """An item.edit with the item's current version, by a facilitator."""
    version = Item.objects.get(pk=item_id).version
    send(team.workshop, team.facilitator, "item.edit", item=item_id, version=version, **fields)


@pytest.fixture
def busy(plan):
    """The small plan with five more accepted items: Mia owns four items, Fay and Tess two each;
    six due dates (two on 1 March), one item with none; criterion 2 still served by nothing."""
    now, nxt, later = plan.lanes
    extras = [
        (later, "Book the launch webinar", "2030-01-20", plan.member),
        (nxt, "Price the new plans", "2030-03-01", plan.member),
        (now, "Draft the FAQ", "2030-06-30", plan.target),
        (now, "Call ten customers", "2030-05-05", plan.member),
        (later, "Clean up the backlog", None, plan.facilitator),
    ]
    for lane, title, due, owner in extras:
        accept(plan, add_item(plan.workshop, plan.member, lane, title, due=due), owner)
    return plan


def test_the_summary_counts_owners_load_first_due_dates_and_coverage(busy):
    take_confidence(busy, 4, 3)
    agree(busy)
    client = busy.clients["leader"]

    markdown = fetch(client, busy.workshop, "md").decode()
    summary = markdown.split("## Summary\n\n", 1)[1].split("## Check-ins", 1)[0]
    assert summary == (
        "- **7 accepted items**, 3 owners\n"
        "- Progress: 0 of 7 done · 7 no update\n"
        "- 1 of 2 criteria served\n"
        "   - **Not served by any accepted item:** 2\\. Support tickets halved\n"
        "- Confidence: mean 3.5 of 5 from 2 answers\n"
        "\n"
        "| Owner | Accepted items |\n"
        "| --- | ---: |\n"
        "| Mia | 4 |\n"
        "| Fay | 2 |\n"
        "| Tess | 2 |\n"
        "\n"
        "| Due first | Item | Owners |\n"
        "| --- | --- | --- |\n"
        "| 20 Jan 2030 | Book the launch webinar | Mia |\n"
        "| 1 Mar 2030 | Write the welcome email | Mia, Tess |\n"
        "| 1 Mar 2030 | Price the new plans | Mia |\n"
        "| 15 Apr 2030 | Measure activation weekly | Fay |\n"
        "| 5 May 2030 | Call ten customers | Mia |\n"
        "\n"
        "1 more due later, 1 without a due date.\n"
        "\n"
    ), "owners most first (ties by name), due dates soonest first (ties in board order)"
    assert markdown.index("## Summary") < markdown.index("## Why it matters") < markdown.index("## The plan")

    pdf = Pdf(fetch(client, busy.workshop, "pdf"))
    first_page = flat(pdf.pages[0])
    box = pdf.section("Plan version 1, agreed on", "Why it matters")
    assert "7 accepted items 3 owners 1 of 2 criteria served 3.5 of 5 confidence (2 answers)" in box
    assert "PROGRESS 0 of 7 done · 7 no update" in box
    assert "NEEDS ATTENTION Nothing is blocked or at risk." in box
    assert "WHO OWNS WHAT DUE FIRST Mia 4 items Fay 2 items Tess 2 items" in box
    due_first = [
        "20 Jan 2030 Book the launch webinar",
        "1 Mar 2030 Write the welcome email",
        "1 Mar 2030 Price the new plans",
        "15 Apr 2030 Measure activation weekly",
        "5 May 2030 Call ten customers",
        "1 more due later, 1 without a due date.",
    ]
    assert " ".join(due_first) in box
    assert "Not served by any accepted item: 2. Support tickets halved" in box
    assert "WHO OWNS WHAT" in first_page, "the summary is on the first page"
    assert first_page.index("WHO OWNS WHAT") < first_page.index("Why it matters")


def test_a_draft_summary_counts_accepted_items_nobody_owns_yet(plan):
    accept(plan, add_item(plan.workshop, plan.member, plan.lanes[2], "Nobody's item", criterion=1))
    client = plan.clients["facilitator"]
    markdown = fetch(client, plan.workshop, "md").decode()
    assert "- **3 accepted items**, 3 owners\n- **1 accepted item without an owner yet**\n" in markdown
    assert "- 2 of 2 criteria served\n" in markdown
    assert "Changed since" not in markdown, "nothing was agreed before this draft"
    box = Pdf(fetch(client, plan.workshop, "pdf")).section(DRAFT, "Why it matters")
    assert "3 accepted items 3 owners 2 of 2 criteria served" in box
    assert "1 accepted item without an owner yet." in box
    assert "Not served by any accepted item" not in box


MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
HUMAN_DATE = rf"(?:[1-9]|[12][0-9]|3[01]) (?:{MONTHS}) 2[0-9]{{3}}"
# Anything that reads as a date or a time of day: the human form or any other.
DATE_LIKE = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d{1,2}:\d{2}\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\.? [A-Z][a-z]+\.? \d{4}\b|\b[A-Z][a-z]+\.? \d{1,2},? \d{4}\b"
)
HUMAN = re.compile(rf"{HUMAN_DATE}, [0-2][0-9]:[0-5][0-9] UTC|{HUMAN_DATE}")


def dates_in(text):
    """Every date or time in `text`, each as a human date, a human date and time, or as it is."""
    return HUMAN.findall(text), DATE_LIKE.findall(HUMAN.sub(" ", text))


def test_dates_read_one_way_in_the_pdf_and_markdown_and_stay_iso_in_the_csv(plan):
    agree(plan)
    send(plan.workshop, plan.facilitator, "phase.set", phase="plan")
    edit(plan, plan.ids.email, due="2030-03-15")
    version = agree(plan)
    client = plan.clients["leader"]
    agreed = human_moment(version.agreed_at)
    assert re.fullmatch(rf"{HUMAN_DATE}, \d\d:\d\d UTC", agreed)

    for label, text in [
        ("pdf", Pdf(fetch(client, plan.workshop, "pdf")).text),
        ("md", unescaped(fetch(client, plan.workshop, "md").decode())),
    ]:
        human, other = dates_in(text)
        assert other == [], f"{label}: dates not in the one format: {other}"
        assert agreed in human, label
        for due in ("15 Mar 2030", "1 Mar 2030", "15 Apr 2030"):
            assert due in human, (label, due)  # 1 March: before, in the change of due date

    rows = read_csv(fetch(client, plan.workshop, "csv"))
    assert {row["title"]: row["due"] for row in rows if row["due"]} == {
        "Write the welcome email": "2030-03-15",
        "Measure activation weekly": "2030-04-15",
    }


@pytest.fixture
def replanned(plan):
    """Version 1 of the small plan with a help video accepted too; then, reopened for version 2:
    the product tour accepted and a new item added and accepted; activation metrics dropped and
    the help video deleted; Tess off the welcome email, whose due date moves to 15 March."""
    workshop = plan.workshop
    video = add_item(workshop, plan.member, plan.lanes[2], "Record a help video", due="2030-02-02")
    accept(plan, video, plan.facilitator)
    agree(plan)
    send(workshop, plan.facilitator, "phase.set", phase="plan")
    accept(plan, plan.ids.tour, plan.member)
    accept(plan, add_item(workshop, plan.target, plan.lanes[2], "Interview five churned customers"), plan.target)
    send(workshop, plan.facilitator, "item.status", item=plan.ids.metrics, status="dropped")
    send(workshop, plan.facilitator, "item.delete", item=video)
    send(workshop, plan.target, "item.unclaim", item=plan.ids.email)
    edit(plan, plan.ids.email, due="2030-03-15")
    agree(plan, plan.leader)
    return plan


CHANGES_SINCE_1 = [
    ("Added", "Record a product tour", "Proposed", "Accepted, in Now"),
    ("Added", "Interview five churned customers", "Not on the board", "Accepted, in Later"),
    ("Dropped", "Measure activation weekly", "Accepted", "Dropped"),
    ("Dropped", "Record a help video", "Accepted", "Deleted from the board"),
    ("Owners", "Write the welcome email", "Mia, Tess", "Mia"),
    ("Due date", "Write the welcome email", "1 Mar 2030", "15 Mar 2030"),
]


def test_version_2_says_what_changed_since_version_1(replanned):
    client, workshop = replanned.clients["leader"], replanned.workshop
    markdown = fetch(client, workshop, "md").decode()
    table = markdown.split("## Changed since version 1\n\n", 1)[1].split("\n\n", 1)[0]
    assert table.splitlines() == [
        "| Change | Item | Version 1 | Version 2 |",
        "| --- | --- | --- | --- |",
        *(f"| {' | '.join(change)} |" for change in CHANGES_SINCE_1),
    ]
    assert markdown.index("## Summary") < markdown.index("## Changed since version 1") < markdown.index("## The plan")
    assert fetch(client, workshop, "md", 2).decode() == markdown

    pdf = Pdf(fetch(client, workshop, "pdf"))
    section = pdf.section("Changed since version 1", "Check-ins")
    assert section.strip() == "Change Item Version 1 Version 2 " + " ".join(" ".join(row) for row in CHANGES_SINCE_1)
    assert "Changed since version 1" in flat(pdf.pages[0])


def test_version_1_has_no_changes_section_after_version_2_is_agreed(replanned):
    client, workshop = replanned.clients["leader"], replanned.workshop
    pdf = Pdf(fetch(client, workshop, "pdf", 1))
    assert "Plan version 1" in pdf
    assert "Changed since" not in pdf.text
    assert "Changed since" not in fetch(client, workshop, "md", 1).decode()
    assert set(read_csv(fetch(client, workshop, "csv", 1))[0]) == set(COLUMNS), "the CSV gains no column"


def test_a_version_agreed_again_unchanged_says_nothing_changed(plan):
    agree(plan)
    send(plan.workshop, plan.facilitator, "phase.set", phase="plan")
    send(plan.workshop, plan.member, "item.edit", item=plan.ids.email, version=1, title="Write two welcome emails")
    send(plan.workshop, plan.member, "item.move", item=plan.ids.metrics, lane=plan.lanes[2].id, index=0)
    agree(plan)
    client = plan.clients["leader"]
    nothing = "Nothing in the accepted plan changed since version 1."
    assert f"## Changed since version 1\n\n{nothing}\n" in fetch(client, plan.workshop, "md").decode()
    assert f"Changed since version 1 {nothing}" in Pdf(fetch(client, plan.workshop, "pdf"))


def test_the_previous_version_costs_no_extra_query(replanned):
    """Version N and N-1 come in one query."""
    client, workshop = replanned.clients["leader"], replanned.workshop
    counts = {}
    for version in (1, 2, None):
        with CaptureQueriesContext(connection) as queries:
            fetch(client, workshop, "md", version)
        counts[version] = len(queries)
    assert counts[1] == counts[2] == counts[None]


def v1_content():
    """Two accepted items and a proposed one, as agreed in version 1."""
    content = frozen_plan([("Kept", ""), ("Renamed and moved", ""), ("Will be dropped", "")])
    content["lanes"].append({"title": "Later", "items": []})
    first, _, third = content["lanes"][0]["items"]
    first.update(owners=["Fay", "Mia"], due="2030-01-05")
    third.update(owners=["Mia"])
    return content


def test_changes_are_by_item_id_and_ignore_renames_moves_and_owner_order():
    before = v1_content()
    after = copy.deepcopy(before)
    after.update(version=None, agreed_at=None, agreed_by=None)
    first, second, third = after["lanes"][0]["items"]
    first["owners"] = ["Mia", "Fay"]  # the same people, claimed in another order
    second["title"] = "A new name"
    after["lanes"][0]["items"].remove(second)
    after["lanes"][1]["items"].append({**second, "lane": "Later"})
    third["status"] = "proposed"
    assert list(plan_changes(before, after)) == [
        ItemChange("dropped", third["id"], "Will be dropped", "Now", "accepted", "proposed")
    ]
    assert not plan_changes(before, copy.deepcopy(before))


def test_a_draft_after_version_1_can_show_what_changed_since_it():
    """The document compares a draft with the last agreed version too (a facilitator replanning)."""
    before = v1_content()
    after = copy.deepcopy(before)
    after.update(version=None, agreed_at=None, agreed_by=None)
    after["lanes"][0]["items"][0]["due"] = None
    document = plan_document(after, before)
    pdf = Pdf(render_pdf(document))
    assert "Changed since version 1 Change Item Version 1 Draft Due date Kept 5 Jan 2030 No due date" in pdf
    assert "| Due date | Kept | 5 Jan 2030 | No due date |" in render_markdown(document)
    assert "Changed since" not in Pdf(render_pdf(plan_document(before))).text


# Hostile and non-Latin text

NAMES = ["Zoë Müller", "Αλέξης", "Катя", "<b>Bold</b> & co", "=1+2", "-Dash"]
NON_LATIN = ["Zoë Müller", "Αλέξης", "Катя", "Señor Niño ñandú", "Ελληνικά γράμματα", "Кириллица ёлка"]
HOSTILE_TITLES = [
    "Señor Niño ñandú <script>alert(1)</script>",
    "Ελληνικά γράμματα",
    "Кириллица ёлка",
    "<b>bold</b> **bold** _em_ `code` ~~gone~~ [link](http://x) | pipes |",
    "# heading at line start",
    "1. list at line start",
    '=HYPERLINK("http://x")',
    "+1",
    "-1",
    "@SUM(A1)",
    "AT&T &amp; &lt;b&gt; &#60;i&#62; \\*not emphasis\\*",
    "X" * 200,
]
NOTES = 'He said "yes, please", then\nno.\n# not a heading\n1. not a list\n- not a bullet\n> not a quote, \\ <i>'
LONG_NOTES = ("Катя, Zoë and Αλέξης agree; " * 200)[:4000].strip()


@pytest.fixture
def hostile(team, browser):
    """A plan typed by people with hard names, full of markup, formulas and long text."""
    workshop = team.workshop
    people = [browser(Role.MEMBER, name)[1] for name in NAMES]
    send(
        workshop,
        team.leader,
        "goal.edit",
        title="# Retro <script>x</script> #",
        why="# heading\n1. list\n- bullet\n+ plus\n===\n> quote **bold** [x](y)",
        success_criteria=["Zoë's **criterion** | one", "=SUM(1;2)"],
    )
    send(team.workshop, team.facilitator, "lane.rename", lane=team.lanes[1].id, title="@Next | <i>lane</i>")
    set_phase(workshop, Phase.PLAN)
    ids = []
    for index, title in enumerate(HOSTILE_TITLES):
        lane = team.lanes[index % 3]
        notes = LONG_NOTES if title.startswith("XX") else NOTES if index % 2 else ""
        ids.append(add_item(workshop, people[index % len(people)], lane, title, notes=notes, criterion=index % 2))
    for index, item_id in enumerate(ids):
        if index % 3 != 2:
            accept(team, item_id, people[index % len(people)], people[(index + 1) % len(people)])
    team.people = people
    team.item_ids = ids
    workshop.refresh_from_db()
    return team


@pytest.mark.parametrize("agreed", [False, True])
def test_hostile_and_non_latin_text_reads_as_typed_in_the_pdf(hostile, agreed, caplog):
    if agreed:
        agree(hostile)
    with caplog.at_level(logging.WARNING, logger="fpdf"):
        pdf = Pdf(fetch(hostile.clients["leader"], hostile.workshop, "pdf"))
    missing = [record.getMessage() for record in caplog.records if "missing" in record.getMessage()]
    assert missing == [], "a glyph of Latin, Greek or Cyrillic text is missing from the font"

    assert pdf.metadata.title == "# Retro <script>x</script> #"
    for typed in [*NAMES, *NON_LATIN, *HOSTILE_TITLES[:-1], "@Next | <i>lane</i>", "Zoë's **criterion** | one"]:
        assert typed in pdf, typed
    assert dense("X" * 200) in dense(pdf.text)
    assert NOTES in pdf
    assert flat(LONG_NOTES) in pdf, "4000 characters of notes are printed in full"
    for number, page in enumerate(pdf.pages, start=1):
        assert f"Page {number} of {len(pdf.pages)}" in page


@pytest.mark.parametrize("agreed", [False, True])
def test_hostile_text_is_escaped_in_the_markdown(hostile, agreed):
    if agreed:
        agree(hostile)
    markdown = fetch(hostile.clients["leader"], hostile.workshop, "md").decode()

    assert "<script>" not in markdown
    assert "<b>" not in markdown
    assert re.search(r"(?<!\\)<", markdown) is None, "raw HTML is possible"
    assert markdown.startswith("# \\# Retro \\<script\\>x\\</script\\>")

    lane = next(line for line in markdown.splitlines() if line.startswith("### @"))
    assert (unescaped(lane), raw_marks(lane[4:])) == ("### @Next | <i>lane</i>", [])
    for typed in [*HOSTILE_TITLES, NOTES, LONG_NOTES]:
        escaped = markdown_line_of(markdown, typed)
        assert raw_marks(escaped) == [], f"{typed!r} has markup in {escaped!r}"
    participants = markdown.split("## Participants\n\n", 1)[1].split("\n\n", 1)[0].splitlines()
    members = [line.removeprefix("- ").removesuffix(" (member)") for line in participants if line.endswith("(member)")]
    assert [unescaped(name) for name in members] == sorted(["Mia", "Tess", *NAMES], key=str.casefold)
    assert all(raw_marks(name) == [] for name in members), members
    assert "- \\<b\\>Bold\\</b\\> \\& co (member)" in participants

    # Block marks at the start of a line of the why are escaped, so it stays one paragraph of text.
    why = markdown.split("## Why it matters\n\n", 1)[1].split("\n\n", 1)[0]
    assert why.splitlines() == [
        "\\# heading",
        "1\\. list",
        "\\- bullet",
        "\\+ plus",
        "\\===",
        "\\> quote \\*\\*bold\\*\\* \\[x\\](y)",
    ]
    assert unescaped(why) == "# heading\n1. list\n- bullet\n+ plus\n===\n> quote **bold** [x](y)"
    assert "1\\. Zoë's \\*\\*criterion\\*\\* \\| one" in markdown
    assert "2\\. \\=SUM(1;2)" in markdown


def test_typed_entities_are_not_decoded_by_the_markdown(hostile):
    """ "&amp;" typed by a member reads "&amp;", not "&"; "&#60;i&#62;" is not a tag."""
    markdown = fetch(hostile.clients["leader"], hostile.workshop, "md").decode()
    assert re.search(r"(?<!\\)&(#\d+|#x[0-9a-f]+|[a-z]+);", markdown, re.IGNORECASE) is None, "an entity is decoded"
    assert "\\<b\\>Bold\\</b\\> \\& co" in markdown


@pytest.mark.parametrize("title", ["# Retro <script>x</script> #", "Retro #", "Retro ###", "###"])
def test_a_heading_keeps_a_trailing_hash(team, title):
    """A run of # at the end of an ATX heading is its closing sequence, which Markdown drops."""
    send(team.workshop, team.leader, "goal.edit", title=title)
    send(team.workshop, team.facilitator, "lane.rename", lane=team.lanes[0].id, title=title)
    markdown = fetch(team.clients["leader"], team.workshop, "md").decode()
    lines = markdown.splitlines()
    for heading in (lines[0], next(line for line in lines if line.startswith("### "))):
        assert not re.search(r"(^#+|\s)(?<!\\)#+\s*$", heading), f"the closing # of {heading!r} would be dropped"
        assert unescaped(heading.split(" ", 1)[1]) == title


# Typed text that renderers turn into links: GitHub's autolinks and markdown-it's linkify (which
# also links bare domains) take URLs, www. names and addresses; CommonMark takes <…> autolinks.
LINKABLE = [
    "<http://example.org/x>",
    "http://example.org/x?a=1&b=2#c",
    "https://[::1]:8000/x_y",
    "www.example.org",
    "See example.org, then x.co.",
    "mia@example.org",
    "<mia@example.org>",
    "mailto:mia@example.org",
    "ftp://files.example.org/a*b*",
    "//localhost/x",
    "javascript:alert(1)",
    "Zoë.com and www.例子.中国",
    "*em* _em_ **strong** ~~gone~~ `code` \\ \\* back\\slash",
    "<b>bold</b> &amp; &#60;i&#62;",
    "[x](http://y.org) ![i](http://y.org/i.png)",
]


def linkify_renderer() -> MarkdownIt:
    """Markdown as GitHub shows a file: CommonMark, tables, and bare URLs made links."""
    return MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"])


class Rendered(HTMLParser):
    """Rendered Markdown: its links, and the text of each paragraph, heading and table cell."""

    BLOCKS = frozenset({"p", "h1", "h2", "h3", "td", "th", "li"})

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[dict[str, str | None]] = []
        self.blocks: list[str] = []
        self._open: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.links.append(dict(attrs))
        if tag in self.BLOCKS:
            self._open.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.BLOCKS and self._open:
            self.blocks.append(self._open.pop().strip())

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[-1] += data


@pytest.mark.parametrize("typed", LINKABLE)
def test_typed_urls_and_addresses_read_as_typed_and_link_nowhere(team, typed):
    send(team.workshop, team.leader, "goal.edit", title=typed, why=typed, success_criteria=[typed])
    send(team.workshop, team.facilitator, "lane.rename", lane=team.lanes[0].id, title=typed)
    set_phase(team.workshop, Phase.PLAN)
    add_item(team.workshop, team.member, team.lanes[0], typed, notes=typed)
    markdown = fetch(team.clients["leader"], team.workshop, "md").decode()

    rendered = Rendered(linkify_renderer().render(markdown))
    assert rendered.links == [], f"typed text became a link: {rendered.links}"
    blocks = rendered.blocks
    # The goal (heading), the why, the criterion, the lane (heading), the item's title and notes.
    assert blocks.count(typed) + blocks.count(f"1. {typed}") >= 5, (typed, blocks)
    assert f"1. {typed}" in blocks or typed in [block.removeprefix("1. ") for block in blocks]
    for line in markdown.splitlines():
        if unescaped(line).find(flat(typed)) >= 0:
            # The raw file reads cleanly: a backslash only ever escapes ASCII punctuation.
            assert re.fullmatch(r"(?:[^\\]|\\[!-/:-@\[-`{-~])*", line), line


def test_an_autolink_typed_in_angle_brackets_shows_no_stray_backslash(team):
    """markdown-it reads `scheme://` from the raw line: it took the `\\` of the escaped `>` into the link."""
    send(team.workshop, team.leader, "goal.edit", title="<http://example.org/x>")
    markdown = fetch(team.clients["leader"], team.workshop, "md").decode()
    assert markdown.splitlines()[0] == "# \\<http\\:\\//example\\.org/x\\>"
    assert Rendered(linkify_renderer().render(markdown)).blocks[0] == "<http://example.org/x>"


def test_ordinary_text_keeps_its_dots_and_colons_unescaped(team):
    send(team.workshop, team.leader, "goal.edit", title="Ship v1.2.3 by 10:30, e.g. before lunch: 3.5 days")
    markdown = fetch(team.clients["leader"], team.workshop, "md").decode()
    assert markdown.splitlines()[0] == "# Ship v1.2.3 by 10:30, e.g. before lunch: 3.5 days"


# What links and markup are made of, to be put together in any order.
FRAGMENTS = [*"w.@:/<>\\*_ 1é", "http", "://", "mailto", "www", "example", "org", "co", "mia", "localhost", "Zoë", "例"]


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=16).map("".join))
@settings(max_examples=300, deadline=None)
def test_any_typed_line_renders_as_typed_and_links_nowhere(typed):
    """The escaping itself, against markdown-it with linkify, on text made of what links are made of."""
    expected = flat(typed)
    line = one_line(typed)
    rendered = Rendered(linkify_renderer().render(f"x {line}"))
    assert rendered.links == [], (typed, line)
    assert rendered.blocks == ([f"x {expected}".strip()] if expected else ["x"]), (typed, line)


@pytest.mark.parametrize("agreed", [False, True])
def test_hostile_text_round_trips_through_the_csv(hostile, agreed):
    if agreed:
        agree(hostile)
    rows = read_csv(fetch(hostile.clients["leader"], hostile.workshop, "csv"))
    assert len(rows) == len(HOSTILE_TITLES)

    by_title = {row["title"]: row for row in rows}
    assert set(by_title) == {spreadsheet_safe(title) for title in HOSTILE_TITLES}
    for index, title in enumerate(HOSTILE_TITLES):
        row = by_title[spreadsheet_safe(title)]
        author = hostile.people[index % len(hostile.people)].name
        assert row["author"] == spreadsheet_safe(author)
        assert row["lane"] == spreadsheet_safe(["Now", "@Next | <i>lane</i>", "Later"][index % 3])
        assert row["criterion_text"] == spreadsheet_safe(["Zoë's **criterion** | one", "=SUM(1;2)"][index % 2])
        notes = LONG_NOTES if title.startswith("XX") else NOTES if index % 2 else ""
        assert row["notes"] == notes
        if index % 3 != 2:
            owners = [author, hostile.people[(index + 1) % len(hostile.people)].name]
            assert row["owners"] == spreadsheet_safe("; ".join(owners))
            assert row["status"] == "accepted"
        else:
            assert (row["owners"], row["status"]) == ("", "proposed")
    assert by_title['\'=HYPERLINK("http://x")']["plan_version"] == ("1" if agreed else "draft")
    for row in rows:
        for column in ("title", "lane", "owners", "notes", "criterion_text", "author"):
            assert not row[column].startswith(("=", "+", "-", "@")), (column, row[column])


def test_text_outside_latin_greek_and_cyrillic_does_not_break_the_pdf(team):
    set_phase(team.workshop, Phase.PLAN)
    add_item(team.workshop, team.member, title="Launch 🚀 中文 العربية עברית", notes="✓ done ☃")
    pdf = Pdf(fetch(team.clients["leader"], team.workshop, "pdf"))
    assert "Launch" in pdf


@pytest.mark.parametrize(
    "notes",
    [
        pytest.param(LONG_NOTES, id="4000 characters of words"),
        pytest.param("line\n" * 799 + "end", id="800 lines"),
        pytest.param("N" * 4000, id="one word of 4000 characters"),
    ],
)
def test_the_longest_notes_are_printed_in_full(plan, notes):
    """A table row cannot be split across pages; notes taller than a page must still print."""
    send(plan.workshop, plan.member, "item.edit", item=plan.ids.email, version=1, notes=notes)
    send(plan.workshop, plan.target, "item.edit", item=plan.ids.rewrite, version=1, notes=notes)
    for version in (None, 1):
        if version:
            agree(plan)
        pdf = Pdf(fetch(plan.clients["leader"], plan.workshop, "pdf", version))
        assert len(pdf.pages) > 1
        assert dense(pdf.text).count(dense(notes)) >= 2
        assert "Participants Name Role" in pdf.text


# The PDF's layout, from plan content alone (no database): fpdf2's table() and multi_cell() set
# the text, and the tables' cells are set with fpdf2's markdown, which must read nothing typed as a mark.


def frozen_plan(items, *, version=1):
    """Plan content as planning.plan.current_plan freezes it: `items` (title, notes) accepted in one lane."""
    return {
        "workshop": "pdf-layout",
        "title": "Layout",
        "why": "",
        "success_criteria": [],
        "version": version,
        "agreed_at": "2030-01-01T09:00:00+00:00" if version else None,
        "agreed_by": "Fay" if version else None,
        "lanes": [
            {
                "title": "Now",
                "items": [
                    {
                        "id": number,
                        "lane": "Now",
                        "title": title,
                        "notes": notes,
                        "due": None,
                        "criterion": None,
                        "status": "accepted",
                        "author": "Fay",
                        "owners": ["Fay"],
                        "votes": 0,
                    }
                    for number, (title, notes) in enumerate(items)
                ],
            }
        ],
        "participants": [{"name": "Fay", "role": "leader"}],
        "confidence": None,
    }


# What fpdf2's markdown would read as emphasis, an escape or a link, where a mark of ours ("**"
# after a bold title, "__Update:__") meets it, and what its line breaker has to break inside a word.
AWKWARD = [
    "**bold** __italic__ ~~struck~~ --underlined-- [link](http://x) [2](3)",
    "\\**not bold\\** and a lone \\ backslash",
    "two \\\\ backslashes, then \\\\**",
    "*starts and ends with a star*",
    "ends with marks **",
    "ends with backslashes \\\\",
    "___***---~~~ \\\\\\",
    "No\u00a0break\u00a0spaces and  runs   of    spaces",
    "Катя, Zoë and Αλέξης agree",
    "X" * 300,
]


def text_runs(content: bytes) -> list[tuple[str, str]]:
    """Each run of text the PDF draws, with the name of its font."""
    runs: list[tuple[str, str]] = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            runs.append((text.strip(), str(font.get("/BaseFont", "")) if font else ""))

    for page in PdfReader(io.BytesIO(content)).pages:
        page.extract_text(visitor_text=visit)
    return runs


def test_what_is_typed_in_a_table_prints_as_typed_with_no_mark_read_as_markup():
    items = [(text, f"Notes: {text}") for text in AWKWARD]
    content = frozen_plan(items)
    for item, text in zip(content["lanes"][0]["items"], AWKWARD, strict=True):
        item["owners"] = [f"Owner {text[:40]}"]
    rendered = render_pdf(plan_document(content))
    pdf = Pdf(rendered)
    for text in AWKWARD:
        for typed in (text, f"Notes: {text}", f"Owner {text[:40]}"):
            assert dense(typed) in dense(pdf.text), typed
    assert all("/Annots" not in page for page in pdf.reader.pages), "no link was made of what was typed"

    fonts = dict(text_runs(rendered))
    assert fonts["ends with backslashes \\\\"].endswith("FiraSansBold"), "a title is bold, a trailing \\ too"
    assert fonts["Notes: ends with backslashes \\\\"].endswith("FiraSans"), "its notes are not"
    assert fonts["*starts and ends with a star*"].endswith("FiraSans"), "where a mark would not end the bold"
    assert fonts["Notes: *starts and ends with a star*"].endswith("FiraSans")


def test_a_live_item_reads_in_column_order_with_its_update_helpers_and_state_set_apart():
    content = frozen_plan([("Write the welcome email", "Three mails, one a day.")])
    progress = {"state": "blocked", "note": "__Waiting__ on legal", "by": "Mia", "at": "2030-01-02T10:00:00+00:00"}
    live = {"items": {0: {"progress": progress, "helpers": ["Tess **", "Otto"]}}, "checkins": []}
    rendered = render_pdf(plan_document(content, live=live))
    lanes = Pdf(rendered).section("The plan, lane by lane", "Not taken")
    assert lanes.startswith(
        " Now Item Progress Owners Due Votes Write the welcome email Three mails, one a day."
        " Update: __Waiting__ on legal Help: Tess **, Otto Blocked Mia 2 Jan 2030 Fay 0"
    )
    fonts = text_runs(rendered)
    assert ("Write the welcome email", "/MPDFAA+FiraSansBold") in fonts
    assert ("Update:", "/MPDFAA+FiraSansItalic") in fonts
    assert ("Help:", "/MPDFAA+FiraSansBold") in fonts
    assert ("Blocked", "/MPDFAA+FiraSansBold") in fonts
    assert ("Three mails, one a day.", "/MPDFAA+FiraSans") in fonts


def test_a_long_table_goes_on_under_its_headings_and_never_splits_a_row():
    items = [
        (f"Item {number:03} " + "with a title " * (number % 5), f"Notes of item {number:03}. " * (number % 40))
        for number in range(150)
    ]
    pdf = Pdf(render_pdf(plan_document(frozen_plan(items))))
    table_pages = [page for page in pdf.pages if re.search(r"Item \d{3}", page)]
    assert len(table_pages) > 3
    for page in table_pages[1:]:
        assert page.startswith("Item Owners Due Votes\n"), page[:80]
    for number, (title, notes) in enumerate(items):
        pages = [flat(page) for page in pdf.pages if flat(title) in flat(page)]
        assert len(pages) == 1, f"item {number} is on {len(pages)} pages"
        assert flat(notes) in pages[0], f"item {number}'s notes are not all on its page"
    assert sum(page.count("Item Owners Due Votes") for page in pdf.pages) == len(table_pages)


# Scale


def test_a_plan_of_500_items_and_60_members_exports_in_every_format(team):
    workshop = team.workshop
    guests = Member.objects.bulk_create(
        Member(workshop=workshop, name=f"Member {number:02}", role=Role.MEMBER, guest_key=secrets.token_urlsafe(16))
        for number in range(60 - Member.objects.filter(workshop=workshop).count())
    )
    people = list(Member.objects.filter(workshop=workshop).exclude(role=Role.OBSERVER))
    items = Item.objects.bulk_create(
        Item(
            workshop=workshop,
            lane=team.lanes[number % 3],
            position=number // 3,
            author=people[number % len(people)],
            title=f"Item {number:03} " + "with a title of a few words " * (number % 4),
            notes="Some notes that wrap over a line or two in the table. " * (number % 3),
            criterion=number % 3 if number % 3 < 2 else None,
            status=["accepted", "proposed", "accepted", "dropped"][number % 4],
            due=f"2030-{number % 12 + 1:02}-{number % 28 + 1:02}" if number % 5 else None,
        )
        for number in range(500)
    )
    accepted = [item for item in items if item.status == "accepted"]
    Ownership.objects.bulk_create(
        Ownership(workshop=workshop, item=item, member=people[(index + k) % len(people)])
        for index, item in enumerate(accepted)
        for k in range(1 + index % 3)
    )
    Vote.objects.bulk_create(
        Vote(workshop=workshop, item=items[(index * 7 + k) % 500], member=member, dots=1 + k % 2)
        for index, member in enumerate(people)
        for k in range(3)
    )
    assert len(guests) > 50
    set_phase(workshop, Phase.PLAN)
    agree(team)

    client = team.clients["leader"]
    rows = read_csv(fetch(client, workshop, "csv"))
    assert len(rows) == 500
    assert {row["plan_version"] for row in rows} == {"1"}
    assert sum(int(row["votes"]) for row in rows) == sum(
        Vote.objects.filter(workshop=workshop).values_list("dots", flat=True)
    )

    markdown = fetch(client, workshop, "md").decode()
    assert len(re.findall(r"^\| Item \d{3} ", markdown, re.MULTILINE)) == 500
    assert markdown.count("\n- Member ") == len(guests)

    pdf = Pdf(fetch(client, workshop, "pdf"))
    assert len(pdf.pages) > 1
    for number, page in enumerate(pdf.pages, start=1):
        assert f"Page {number} of {len(pdf.pages)}" in page
        assert "Plan version 1" in page
    assert all(f"Item {number:03}" in pdf.text for number in range(500))
    assert all(f"Member {number:02}" in pdf.text for number in range(len(guests)))
