"""Markup, script and spreadsheet formulas typed into every text field are stored as typed and
shown as text: on the server-rendered pages, in the state JSON and in every export.

Each hostile string goes into every field a person types (the goal's title, why and success
criteria, a lane's title, a display name, an item's title and notes), through the same forms
and ops people use. Then every page that shows them is parsed as a browser would parse it: no
element, attribute or URL may come from the typed text, and the text must read as typed. The
plan's Markdown is rendered by a CommonMark renderer and held to the same rule; the CSV is read
as a spreadsheet would, and no cell may start a formula (OWASP's CSV Injection advice); the
PDF's text must read as typed. tests/e2e/test_hostile_input.py does the same in a browser, for
the live board that the client draws. At the end, the notes of protocol §7 (a progress report's
and a check-in's) are held to the same: stored and served as typed, and refused with `invalid`
where no database could store them.
"""

from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from markdown_it import MarkdownIt
from pypdf import PdfReader

from goals.invites import current_member_invite, invite_revoke, token_for
from goals.models import Member, Workshop
from planning.models import CheckIn, Item, Lane
from tests.goals.conftest import join_over_http, logged_in
from tests.planning.helpers import lanes_of, refuse, send, set_phase

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(1)</script>",
    '<a href="javascript:alert(1)">x</a>',
    "javascript:alert(document.cookie)",
    "=cmd|' /C calc'!A0",
    "+1+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    '=HYPERLINK("http://x";"y")',
    "{{ 7*7 }} {% now 'Y' %} {nb}",
    "&lt;b&gt; &amp; &#60;i&#62;",
]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\0")
# The page's own scripts: the client's modules, nothing inline.
OWN_SCRIPT = re.compile(r"^/static/js/[a-z]+(\.[0-9a-f]{12})?\.js$")


class Parsed(HTMLParser):
    """A page as a browser's parser sees it: its elements with their attributes, and its text."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.chunks.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self.chunks).split())

    def attribute_values(self) -> list[str]:
        return [value for _, attrs in self.elements for value in attrs.values() if value is not None]


def assert_inert(html: str, typed: str, *, where: str, shown: bool = True) -> Parsed:
    """No element or attribute came from what was typed, and it reads as typed."""
    page = Parsed(html)
    tags = {tag for tag, _ in page.elements}
    assert not tags & {"img", "svg", "iframe", "object", "embed"}, f"{where}: {tags}"
    for tag, attrs in page.elements:
        assert not [name for name in attrs if name.startswith("on")], f"{where}: <{tag} {attrs}>"
        for name in ("href", "src", "action", "formaction"):
            assert not (attrs.get(name) or "").strip().lower().startswith("javascript:"), f"{where}: <{tag} {attrs}>"
        if tag == "script":
            assert OWN_SCRIPT.match(attrs.get("src") or ""), f"{where}: a script that is not ours: {attrs}"
    if shown:
        assert " ".join(typed.split()) in page.text, f"{where}: {typed!r} does not read as typed"
    return page


@pytest.fixture(params=HOSTILE, ids=range(len(HOSTILE)))
def typed(request) -> str:
    return request.param


@pytest.fixture
def board(typed, leader_user) -> Any:
    """A workshop whose every typed field holds `typed`, made through the forms and ops people use."""
    leader_client = logged_in(leader_user)
    response = leader_client.post(
        "/workshops/new/",
        {"title": typed, "why": f"{typed}\n{typed}", "success_criteria": f"{typed}\nplain", "votes_per_member": 5},
    )
    assert response.status_code == 302, response.content
    workshop = Workshop.objects.get(pk=response["Location"].strip("/").split("/")[-1])
    leader = workshop.members.get()
    guest = Client()
    member = join_over_http(guest, token_for(current_member_invite(workshop)), typed)
    lanes = lanes_of(workshop)
    send(workshop, leader, "lane.rename", lane=lanes[0].id, title=typed)
    item = send(workshop, member, "item.add", lane=lanes[0].id, title=typed, notes=f"{typed}\n{typed}", criterion=0)
    item_id = item.events[0].data["item"]["id"]
    set_phase(workshop, "plan")
    send(workshop, leader, "item.status", item=item_id, status="accepted")
    send(workshop, member, "item.claim", item=item_id)
    return type("Board", (), {"workshop": workshop, "leader": leader_client, "guest": guest, "member": member})


def test_what_was_typed_is_stored_and_served_as_typed(board, typed):
    workshop = Workshop.objects.get(pk=board.workshop.pk)
    assert (workshop.title, workshop.why, workshop.success_criteria) == (typed, f"{typed}\n{typed}", [typed, "plain"])
    assert Lane.objects.filter(workshop=workshop, title=typed).count() == 1
    assert Member.objects.get(pk=board.member.pk).name == typed
    assert Item.objects.filter(workshop=workshop, title=typed, notes=f"{typed}\n{typed}").count() == 1
    state = board.guest.get(f"/api/w/{workshop.id}/state").json()
    assert state["workshop"]["title"] == typed
    assert state["workshop"]["success_criteria"][0] == typed
    assert state["lanes"][0]["title"] == typed
    assert typed in [person["name"] for person in state["members"]]
    assert [(item["title"], item["notes"]) for item in state["items"]] == [(typed, f"{typed}\n{typed}")]


@pytest.mark.parametrize("who", ["leader", "guest"])
def test_the_board_page_shows_every_field_as_text(board, typed, who):
    client = getattr(board, who)
    response = client.get(f"/w/{board.workshop.id}/")
    assert response.status_code == 200
    page = assert_inert(response.content.decode(), typed, where=f"the board page of the {who}")
    # title, why (twice), criterion, lane, item title, notes (twice), owner, person, the page's <title>
    assert page.text.count(" ".join(typed.split())) >= 10


def test_the_join_home_and_refused_pages_show_the_goal_as_text(board, typed):
    workshop = board.workshop
    token = token_for(current_member_invite(workshop))
    assert_inert(Client().get(f"/join/{token}/").content.decode(), typed, where="the join page")
    assert_inert(board.leader.get("/").content.decode(), typed, where="the leader's home page")
    assert_inert(board.guest.get("/").content.decode(), typed, where="the guest's home page")
    invite_revoke(workshop=workshop, token=token)
    refused = Client().get(f"/join/{token}/")
    assert refused.status_code == 410
    assert_inert(refused.content.decode(), typed, where="the revoked-invite page", shown=False)


def test_forms_shown_again_with_errors_keep_the_typed_values_as_values(board, typed):
    """A refused form is shown again with what was typed in its fields: as attribute values and
    textarea text, never as markup."""
    again = board.leader.post(
        "/workshops/new/", {"title": typed, "why": typed, "success_criteria": typed, "votes_per_member": 0}
    )
    assert again.status_code == 200
    page = Parsed(again.content.decode())
    assert ("input", typed) in [
        (tag, attrs.get("value")) for tag, attrs in page.elements if attrs.get("name") == "title"
    ]
    assert_inert(again.content.decode(), typed, where="the new-workshop form shown again")
    too_long = (typed + " ") * 4
    rejoin = Client().post(f"/join/{token_for(current_member_invite(board.workshop))}/", {"display_name": too_long})
    assert rejoin.status_code == 400
    page = Parsed(rejoin.content.decode())
    assert too_long.strip() in page.attribute_values() or too_long in page.attribute_values()
    assert_inert(rejoin.content.decode(), typed, where="the join form shown again")


def test_the_markdown_export_renders_as_text(board, typed):
    markdown = board.leader.get(f"/w/{board.workshop.id}/export/plan.md").content.decode()
    assert re.search(r"(?<!\\)<", markdown) is None, "raw HTML in the Markdown"
    # As GitHub shows a file: bare URLs become links there (tests/planning/test_exports.py, LINKABLE).
    html = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"]).render(markdown)
    page = assert_inert(html, typed, where="plan.md, rendered")
    assert [tag for tag, _ in page.elements if tag == "a"] == [], "a link made of typed text"
    # title, why (twice), criterion, lane, item title, notes (twice), owner, author, participant
    assert page.text.count(" ".join(typed.split())) >= 9


def test_the_csv_export_starts_no_formula_and_reads_as_typed(board, typed):
    content = board.leader.get(f"/w/{board.workshop.id}/export/plan.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content, newline="")))
    header, cells = rows[0], [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]
    assert len(cells) == 1
    for column in ("title", "lane", "owners", "criterion_text", "author"):
        value = cells[0][column]
        assert not value.startswith(FORMULA_START), (column, value)
        assert value == (f"'{typed}" if typed.startswith(FORMULA_START) else typed), (column, value)
    assert cells[0]["notes"] == (f"'{typed}" if typed.startswith(FORMULA_START) else typed) + f"\n{typed}"
    # Every cell quoted (OWASP): a typed separator never starts a cell of its own.
    for line in content.strip("\r\n").split("\r\n")[:1]:
        assert line == ",".join(f'"{name}"' for name in header)


def test_a_stack_under_a_typed_head_reads_as_typed_in_every_export(board, typed):
    """Protocol §10: a stacked card is listed under its head; the CSV names the head by its title."""
    workshop = Workshop.objects.get(pk=board.workshop.pk)
    head = Item.objects.get(workshop=workshop, title=typed)
    lane = lanes_of(workshop)[0]
    added = send(workshop, board.member, "item.add", lane=lane.id, title=f"{typed} again")
    stacked = added.events[0].data["item"]["id"]
    send(workshop, board.member, "item.stack", item=stacked, onto=head.id)
    content = board.leader.get(f"/w/{workshop.id}/export/plan.csv").content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content, newline="")))
    (row,) = [row for row in rows if row["title"].endswith(" again")]
    assert row["stack"] == (f"'{typed}" if typed.startswith(FORMULA_START) else typed)
    markdown = board.leader.get(f"/w/{workshop.id}/export/plan.md").content.decode()
    # The one tag of our own: a stacked card's line break inside its head's table cell.
    assert re.search(r"(?<!\\)<(?!br>)", markdown) is None, "raw HTML in the Markdown"
    html = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "linkify"]).render(markdown)
    assert_inert(html, typed, where="plan.md with a stack")
    assert f"{' '.join(typed.split())} again" in Parsed(html).text
    pdf = PdfReader(io.BytesIO(board.leader.get(f"/w/{workshop.id}/export/plan.pdf").content))
    assert "again" in " ".join(page.extract_text() for page in pdf.pages)


def test_the_pdf_export_reads_as_typed(board, typed):
    content = board.leader.get(f"/w/{board.workshop.id}/export/plan.pdf").content
    reader = PdfReader(io.BytesIO(content))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    assert " ".join(typed.split()) in text
    assert reader.metadata.title == typed
    if "{nb}" in typed:
        assert text.count("{nb}") >= typed.count("{nb}") * 5, "fpdf2's page-count alias replaced typed text"


# After the agreement (protocol §7): the progress note and the check-in note, typed by people
# on their phones, are stored and served as typed; what no database stores is refused.

BIDI_AND_INVISIBLE = [
    "\u202eevil.exe\u202c",  # right-to-left override
    "zero\u200bwidth\u200cnon\u200djoiner\u2060\ufeff",
    "שלום, مرحبا — mixed direction",
    "e\u0301 combining, 𝕳𝖊𝖑𝖑𝖔 🚀",
]


@pytest.fixture
def agreed_item(room) -> int:
    added = send(room.workshop, room.member, "item.add", lane=room.lanes[0].id, title="Ship it")
    item_id = added.events[0].data["item"]["id"]
    set_phase(room.workshop, "plan")
    send(room.workshop, room.facilitator, "item.status", item=item_id, status="accepted")
    send(room.workshop, room.member, "item.claim", item=item_id)
    send(room.workshop, room.facilitator, "phase.set", phase="agreed")
    return item_id


def served_state(room) -> dict[str, Any]:
    return logged_in(room.leader.user).get(f"/api/w/{room.workshop.id}/state").json()


@pytest.mark.parametrize("note", HOSTILE + BIDI_AND_INVISIBLE, ids=range(len(HOSTILE + BIDI_AND_INVISIBLE)))
def test_progress_and_check_in_notes_are_stored_and_served_as_typed(room, agreed_item, note):
    reported = send(room.workshop, room.member, "item.progress", item=agreed_item, state="blocked", note=note)
    assert reported.events[0].data["progress"]["note"] == note
    recorded = send(room.workshop, room.facilitator, "checkin.record", note=f"{note}\n{note}")
    assert recorded.events[0].data["checkin"]["note"] == f"{note}\n{note}"
    assert Item.objects.get(pk=agreed_item).progress_note == note
    assert CheckIn.objects.get(workshop=room.workshop).note == f"{note}\n{note}"
    state = served_state(room)
    assert state["items"][0]["progress"]["note"] == note
    assert state["workshop"]["checkins"][0]["note"] == f"{note}\n{note}"


UNSTORABLE = {"NUL": "before\x00after", "lone surrogate": "before\ud800after", "lone low surrogate": "\udfff"}


@pytest.mark.parametrize("what", sorted(UNSTORABLE))
@pytest.mark.parametrize("op", ["item.progress", "checkin.record"])
def test_a_note_no_database_stores_is_invalid_and_changes_nothing(room, agreed_item, op, what):
    fields = {"item": agreed_item, "state": "done"} if op == "item.progress" else {}
    sender = room.member if op == "item.progress" else room.facilitator
    before = served_state(room)
    error = refuse(room.workshop, sender, op, "invalid", note=UNSTORABLE[what], **fields)
    assert error.detail["field"] == "note"
    after = served_state(room)
    assert (after["items"], after["workshop"]) == (before["items"], before["workshop"])


@pytest.mark.parametrize("note", [" ", "\n\t\r ", "\u00a0\u2003\u3000", "  \n  "])
def test_a_note_of_whitespace_only_is_stored_empty(room, agreed_item, note):
    reported = send(room.workshop, room.member, "item.progress", item=agreed_item, state="on_track", note=note)
    assert reported.events[0].data["progress"]["note"] == ""
    recorded = send(room.workshop, room.facilitator, "checkin.record", note=note)
    assert recorded.events[0].data["checkin"]["note"] == ""
    state = served_state(room)
    assert (state["items"][0]["progress"]["note"], state["workshop"]["checkins"][0]["note"]) == ("", "")


def test_a_note_is_stripped_at_its_ends_only(room, agreed_item):
    note = "  Legal  review\n\n  next week  "
    send(room.workshop, room.member, "item.progress", item=agreed_item, state="at_risk", note=note)
    send(room.workshop, room.facilitator, "checkin.record", note=note)
    state = served_state(room)
    assert state["items"][0]["progress"]["note"] == note.strip()
    assert state["workshop"]["checkins"][0]["note"] == note.strip()


# Issues 21 and 22: how someone can help, a display name changed on the board, and an agenda's
# step (a template's, sent to the room) are stored and served as typed too.
@pytest.mark.parametrize("typed", HOSTILE + BIDI_AND_INVISIBLE, ids=range(len(HOSTILE + BIDI_AND_INVISIBLE)))
def test_help_notes_names_and_agenda_steps_are_stored_and_served_as_typed(room, agreed_item, typed):
    send(room.workshop, room.facilitator, "item.help", item=agreed_item, offer=True, note=typed[:280])
    name = typed[:40].strip()
    send(room.workshop, room.member, "member.rename", name=name)
    step = {"title": typed[:80].strip(), "phase": "agreed", "minutes": 5, "instructions": f"{typed}\n{typed}"}
    send(room.workshop, room.facilitator, "agenda.set", agenda=[step])
    state = served_state(room)
    assert state["items"][0]["help_notes"] == {str(room.facilitator.id): typed[:280]}
    assert {member["id"]: member["name"] for member in state["members"]}[room.member.id] == name
    assert state["workshop"]["agenda"] == [step]
