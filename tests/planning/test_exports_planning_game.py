"""The planning game in the exports (protocol §10, §6): estimates, the load against the capacity,
each owner's load, items past the capacity line, a stack's cards under its head, and a draft that
keeps others' face-down cards face down.

The board is arranged through the ops (item.estimate, planning.set, item.stack), as in
test_exports.py, whose fixtures and readers these tests share, and every export is fetched over
HTTP in the three formats.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from goals.models import Phase
from planning.exports.load import hours_text, past_the_line
from planning.models import PlanVersion
from tests.planning.helpers import add_item, send, set_phase
from tests.planning.test_exports import (  # noqa: F401 (the *_fixture are fixtures: browser, team)
    DRAFT,
    Pdf,
    accept,
    agree,
    browser_fixture,
    fetch,
    read_csv,
    team_fixture,
)

# What each format says of the plan `game` arranges, agreed: 32 h of 40 h.
LOAD_LINE = "Load 32 h of 40 h capacity"
# Mia owns the 16 h tour and shares the 8 h email with Tess; Fay owns the 8 h metrics.
PEOPLE = [("Mia", "20 h", "2"), ("Fay", "8 h", "1"), ("Tess", "4 h", "1")]
# What a plan frozen before the planning game holds no more of.
NEW_KEYS = ("planning", "load", "face_down")
NEW_ITEM_KEYS = ("estimate", "stack")


def estimate(team, actor, item_id, hours):
    send(team.workshop, actor, "item.estimate", item=item_id, hours=hours)


def markdown_rows(markdown, first_cell):
    """The Markdown table rows whose first cell starts with `first_cell`."""
    return [line for line in markdown.splitlines() if line.startswith(f"| {first_cell}")]


@pytest.fixture
def game(team):
    """A plan with estimates and a capacity of 40 h, in the plan phase: in Now the welcome email
    (8 h, Mia and Tess) with a duplicate stacked under it, and the product tour (16 h, Mia); in
    Next activation metrics (8 h, Fay) and the pricing (4 h, proposed); in Later the signup form
    (32 h, dropped). The accepted items need 32 h."""
    workshop = team.workshop
    now, nxt, later = team.lanes
    set_phase(workshop, Phase.PLAN)
    send(workshop, team.facilitator, "planning.set", estimates=True, capacity_hours=40)
    ids = SimpleNamespace(
        email=add_item(workshop, team.member, now, "Write the welcome email", notes="Three mails, one a day."),
        tour=add_item(workshop, team.member, now, "Record a product tour"),
        metrics=add_item(workshop, team.target, nxt, "Measure activation weekly"),
        pricing=add_item(workshop, team.target, nxt, "Price the new plans"),
        rewrite=add_item(workshop, team.target, later, "Rewrite the signup form"),
        duplicate=add_item(workshop, team.target, later, "Send a welcome mail", notes="Same as the email?"),
    )
    for item_id, hours in [(ids.email, 8), (ids.tour, 16), (ids.metrics, 8), (ids.pricing, 4), (ids.rewrite, 32)]:
        estimate(team, team.member, item_id, hours)
    send(workshop, team.member, "item.stack", item=ids.duplicate, onto=ids.email)
    accept(team, ids.email, team.member, team.target)
    accept(team, ids.tour, team.member)
    accept(team, ids.metrics, team.facilitator)
    send(workshop, team.facilitator, "item.status", item=ids.rewrite, status="dropped")
    team.ids = ids
    return team


# Estimates, the load and each owner's load


def test_an_agreed_plan_carries_its_estimates_in_every_format(game):
    agree(game)
    client, workshop = game.clients["member"], game.workshop

    markdown = fetch(client, workshop, "md").decode()
    tour = "| Record a product tour | Mia | 16 h | — | 0 | — | No update | — | — |"
    assert markdown_rows(markdown, "Record a product tour") == [tour], "the estimate sits beside the owners"
    assert markdown_rows(markdown, "Price the new plans") == [
        "| Price the new plans | Next | proposed | — | 4 h | — | 0 | — |"
    ]
    assert "| Item | Owners | Estimate | Due | Votes | Notes | Progress | Update | Help |" in markdown

    rows = {row["title"]: row for row in read_csv(fetch(client, workshop, "csv"))}
    assert {title: row["estimate"] for title, row in rows.items()} == {
        "Write the welcome email": "8",
        "Send a welcome mail": "",
        "Record a product tour": "16",
        "Measure activation weekly": "8",
        "Price the new plans": "4",
        "Rewrite the signup form": "32",
    }

    pdf = Pdf(fetch(client, workshop, "pdf"))
    lanes = pdf.section("The plan, lane by lane", "Not taken")
    assert "Item Progress Owners Estimate Due Votes" in lanes
    assert "Record a product tour No update Mia 16 h 0" in lanes
    assert "Measure activation weekly No update Fay 8 h 0" in lanes
    assert "Price the new plans Next Proposed 4 h 0" in pdf.section("Not taken", "Participants")


def test_the_load_against_the_capacity_and_each_owners_share(game):
    """Mia's load is the tour's 16 h and half of the email's 8 h: an estimate is split evenly
    among its owners, so Tess carries the other 4 h."""
    version = agree(game)
    assert version.content["load"] == 32
    assert version.content["planning"] == {"estimates": True, "capacity_hours": 40, "private_gather": False}
    client, workshop = game.clients["observer"], game.workshop

    markdown = fetch(client, workshop, "md").decode()
    summary = markdown.split("## Summary\n\n", 1)[1].split("\n## ", 1)[0]
    assert f"- **3 accepted items**, 3 owners\n- {LOAD_LINE}\n" in summary
    table = summary.split("| Owner | Load | Accepted items |\n| --- | ---: | ---: |\n", 1)[1].split("\n\n", 1)[0]
    assert table.splitlines() == [f"| {name} | {hours} | {items} |" for name, hours, items in PEOPLE]
    assert "will not fit" not in markdown

    pdf = Pdf(fetch(client, workshop, "pdf"))
    box = pdf.section("Plan version 1, agreed on", "Load and capacity")
    assert "3 accepted items 3 owners 0 of 2 criteria served 32 h of 40 h capacity" in box
    load = pdf.section("Load and capacity", "Check-ins")
    people = " ".join(" ".join(person) for person in PEOPLE)
    assert load.strip() == f"{LOAD_LINE} Capacity 40 h Owner Load Accepted items {people}"
    assert "will not fit" not in pdf.text


def test_a_load_without_a_capacity_is_the_hours_estimated(game):
    send(game.workshop, game.facilitator, "planning.set", capacity_hours=None)
    client = game.clients["facilitator"]
    markdown = fetch(client, game.workshop, "md").decode()
    assert "- 32 h estimated\n" in markdown
    assert "capacity" not in markdown
    pdf = Pdf(fetch(client, game.workshop, "pdf"))
    assert "32 h estimated" in pdf.section(DRAFT, "Why it matters")
    assert "capacity" not in pdf.text.casefold(), pdf.text


def test_a_shared_estimate_is_split_to_a_tenth_of_an_hour(game):
    send(game.workshop, game.facilitator, "item.assign", item=game.ids.tour, member=game.target.id)
    send(game.workshop, game.facilitator, "item.assign", item=game.ids.tour, member=game.facilitator.id)
    # The tour's 16 h over Mia, Tess and Fay: 5.3 h each.
    markdown = fetch(game.clients["leader"], game.workshop, "md").decode()
    assert "| Fay | 13.3 h | 2 |\n| Mia | 9.3 h | 2 |\n| Tess | 9.3 h | 2 |\n" in markdown
    assert "Fay 13.3 h 2 Mia 9.3 h 2 Tess 9.3 h 2" in Pdf(fetch(game.clients["leader"], game.workshop, "pdf"))


def test_a_draft_over_capacity_marks_the_items_past_the_line(game):
    """Agreeing over capacity is refused, so only a draft shows items that will not fit: the
    accepted items in board order until their running total exceeds 40 h."""
    later = game.lanes[2]
    webinar = add_item(game.workshop, game.member, later, "Book the launch webinar")
    estimate(game, game.member, webinar, 16)
    accept(game, webinar, game.target)
    unestimated = add_item(game.workshop, game.member, later, "Clean up the backlog")
    accept(game, unestimated, game.target)
    client = game.clients["facilitator"]

    markdown = fetch(client, game.workshop, "md").decode()
    assert (
        "- **Load 48 h of 40 h capacity**\n"
        "   - 8 h over capacity: 2 accepted items will not fit.\n"
        "   - 1 accepted item without an estimate.\n"
    ) in markdown
    assert markdown_rows(markdown, "Book the launch webinar") == [
        "| Book the launch webinar | Tess | 16 h, **will not fit** | — | 0 | — |"
    ]
    assert markdown_rows(markdown, "Clean up the backlog") == [
        "| Clean up the backlog | Tess | —, **will not fit** | — | 0 | — |"
    ], "an item with no estimate after the line is past it too"
    assert markdown_rows(markdown, "Record a product tour") == ["| Record a product tour | Mia | 16 h | — | 0 | — |"]

    pdf = Pdf(fetch(client, game.workshop, "pdf"))
    assert "Load 48 h of 40 h capacity" in pdf
    assert "8 h over capacity: 2 accepted items will not fit." in pdf
    later_lane = pdf.section("The plan, lane by lane", "Not taken").split(" Later ", 1)[1]
    assert "Book the launch webinar Tess 16 h will not fit" in later_lane
    assert "Clean up the backlog Tess — will not fit" in later_lane
    assert pdf.text.count("will not fit") == 3, "the two items, and the remark"


def test_the_capacity_line_runs_through_lanes_in_order_then_positions():
    assert past_the_line([(1, 16), (2, 16), (3, 8), (4, 2), (5, None)], 40) == {4, 5}
    assert past_the_line([(1, 16), (2, 24)], 40) == set(), "a load equal to the capacity fits"
    assert past_the_line([(1, 32)], None) == set()
    assert [hours_text(hours) for hours in (8, 16 / 3, 2 / 3, 7.96, None)] == ["8 h", "5.3 h", "0.7 h", "8 h", "—"]


# Stacks


def test_a_stacks_cards_are_listed_under_its_head_not_as_rows_of_their_own(game):
    version = agree(game)
    now = version.content["lanes"][0]["items"]
    assert [(item["title"], item["stack"], item["estimate"]) for item in now] == [
        ("Write the welcome email", None, 8),
        ("Send a welcome mail", game.ids.email, None),
        ("Record a product tour", None, 16),
    ]
    client, workshop = game.clients["leader"], game.workshop

    markdown = fetch(client, workshop, "md").decode()
    assert markdown_rows(markdown, "Write the welcome email") == [
        "| Write the welcome email<br>↳ Send a welcome mail (proposed): Same as the email? | Mia, Tess | 8 h | — | 0"
        " | Three mails, one a day. | No update | — | — |"
    ]
    assert markdown_rows(markdown, "Send a welcome mail") == [], "a stacked card is not a row of its own"
    assert "Send a welcome mail" not in markdown.split("## Not taken", 1)[1]

    rows = read_csv(fetch(client, workshop, "csv"))
    assert [(row["lane"], row["position"], row["title"], row["stack"]) for row in rows[:3]] == [
        ("Now", "0", "Write the welcome email", ""),
        ("Now", "1", "Send a welcome mail", "Write the welcome email"),
        ("Now", "2", "Record a product tour", ""),
    ], "a stacked card keeps its row in the CSV, right after its head's, naming the head"
    assert [row["stack"] for row in rows[3:]] == ["", "", ""]

    pdf = Pdf(fetch(client, workshop, "pdf"))
    now = pdf.section("The plan, lane by lane", " Next ")
    assert (
        "Write the welcome email Three mails, one a day. → Send a welcome mail (proposed): Same as the email?"
        " No update Mia, Tess 8 h 0"
    ) in now
    assert "Send a welcome mail" not in pdf.section("Not taken", "Participants")


def test_an_accepted_card_under_a_head_not_taken_is_a_row_of_the_plan(game):
    """The plan lists every accepted item (protocol §6): a card accepted while its head is not
    keeps its row in its lane, saying which card it is stacked under."""
    ids = game.ids
    send(game.workshop, game.member, "item.stack", item=ids.tour, onto=ids.pricing)
    markdown = fetch(game.clients["facilitator"], game.workshop, "md").decode()
    assert markdown_rows(markdown, "Record a product tour") == [
        "| Record a product tour (stacked under “Price the new plans”) | Mia | 16 h | — | 0 | — |"
    ]
    assert markdown_rows(markdown, "Price the new plans") == [
        "| Price the new plans | Next | proposed | — | 4 h | — | 0 | — |"
    ]
    rows = {row["title"]: row for row in read_csv(fetch(game.clients["facilitator"], game.workshop, "csv"))}
    assert (rows["Record a product tour"]["lane"], rows["Record a product tour"]["stack"]) == (
        "Next",
        "Price the new plans",
    )
    pdf = Pdf(fetch(game.clients["facilitator"], game.workshop, "pdf"))
    assert "Record a product tour Stacked under “Price the new plans” Mia 16 h 0" in pdf


# A private gather's draft


@pytest.fixture
def private(team):
    """Gathering with private writing on: Mia wrote two cards (one accepted earlier, 8 h, which
    she owns), Tess one, Fay (facilitating) one accepted, 4 h, which she owns."""
    workshop = team.workshop
    now, nxt, _ = team.lanes
    set_phase(workshop, Phase.PLAN)
    mine = add_item(workshop, team.facilitator, now, "Fay's own card")
    secret = add_item(workshop, team.member, now, "Mia's secret plan", notes="Nobody may read this yet")
    add_item(workshop, team.member, nxt, "Mia's second thought")
    add_item(workshop, team.target, nxt, "Tess's quiet idea")
    estimate(team, team.facilitator, mine, 4)
    estimate(team, team.member, secret, 8)
    accept(team, mine, team.facilitator)
    accept(team, secret, team.member)
    set_phase(workshop, Phase.GATHER)
    send(workshop, team.facilitator, "planning.set", private_gather=True)
    return team


SECRETS = ("Mia's secret plan", "Nobody may read this yet", "Mia's second thought", "Tess's quiet idea")


def test_a_draft_during_a_private_gather_keeps_others_cards_face_down(private):
    client, workshop = private.clients["facilitator"], private.workshop
    face_down = "3 cards stay face down until gathering ends: this draft lists only your own."

    markdown = fetch(client, workshop, "md").decode()
    assert f"**{DRAFT}**\n\n**{face_down}**\n" in markdown
    assert "| Fay's own card | Fay | 4 h |" in markdown
    assert "- 4 h estimated\n" in markdown, "the load of the cards Fay sees, as her board shows it"
    for secret in SECRETS:
        assert secret not in markdown

    rows = read_csv(fetch(client, workshop, "csv"))
    assert [(row["title"], row["owners"], row["estimate"]) for row in rows] == [("Fay's own card", "Fay", "4")]

    pdf = Pdf(fetch(client, workshop, "pdf"))
    assert face_down in pdf
    assert "4 h estimated" in pdf
    for secret in SECRETS:
        assert secret not in pdf.text
    for text in (markdown, pdf.text):
        assert "12 h" not in text, "a face-down card's estimate counted in the load"
        assert "8 h" not in text, "a face-down card's estimate showed"

    # The leader, facilitating too, wrote nothing: every card is face down to them.
    leader_markdown = fetch(private.clients["leader"], workshop, "md").decode()
    assert "**4 cards stay face down until gathering ends: this draft lists only your own.**" in leader_markdown
    assert "Fay's own card" not in leader_markdown


def test_leaving_the_gather_turns_the_drafts_cards_over(private):
    send(private.workshop, private.facilitator, "phase.set", phase="vote")
    markdown = fetch(private.clients["facilitator"], private.workshop, "md").decode()
    assert "face down" not in markdown
    assert "Mia's secret plan" in markdown
    assert "- 12 h estimated\n" in markdown


# Versions frozen before the planning game


def test_a_version_frozen_before_estimates_still_exports(game):
    version = agree(game)
    content = dict(version.content)
    for key in NEW_KEYS:
        del content[key]
    for lane in content["lanes"]:
        lane["items"] = [{k: v for k, v in item.items() if k not in NEW_ITEM_KEYS} for item in lane["items"]]
    PlanVersion.objects.filter(pk=version.pk).update(content=content)
    client, workshop = game.clients["member"], game.workshop

    markdown = fetch(client, workshop, "md", 1).decode()
    assert "Estimate" not in markdown
    for word in (" h ", "capacity", "estimated"):
        assert word not in markdown
    assert "| Owner | Accepted items |\n| --- | ---: |\n| Mia | 2 |\n" in markdown
    # Without the stack, the duplicate is an item of its own again.
    assert markdown_rows(markdown, "Send a welcome mail") == [
        "| Send a welcome mail | Now | proposed | — | — | 0 | Same as the email? |"
    ]

    rows = read_csv(fetch(client, workshop, "csv", 1))
    assert {(row["estimate"], row["stack"]) for row in rows} == {("", "")}

    pdf = Pdf(fetch(client, workshop, "pdf", 1))
    assert "Estimate" not in pdf.text
    assert "Load and capacity" not in pdf.text
    assert "Record a product tour No update Mia 0" in pdf


def test_a_stacked_cards_typed_text_reads_as_typed(game):
    """A stacked card shares its head's Markdown cell: what it says must not end the cell, the
    row or the line, nor read as markup; the PDF prints it as typed."""
    typed = "Pipes | and **stars** <br> `ticks`"
    hostile = add_item(game.workshop, game.target, game.lanes[2], typed, notes="=1+1\n# heading")
    send(game.workshop, game.target, "item.stack", item=hostile, onto=game.ids.tour)
    client = game.clients["facilitator"]
    markdown = fetch(client, game.workshop, "md").decode()
    (row,) = markdown_rows(markdown, "Record a product tour")
    assert row == (
        "| Record a product tour<br>↳ Pipes \\| and \\*\\*stars\\*\\* \\<br\\> \\`ticks\\` (proposed): =1+1 # heading"
        " | Mia | 16 h | — | 0 | — |"
    )
    assert f"{typed} (proposed): =1+1 # heading" in Pdf(fetch(client, game.workshop, "pdf"))
    rows = {row["title"]: row for row in read_csv(fetch(client, game.workshop, "csv"))}
    assert rows[typed]["stack"] == "Record a product tour"
