"""After the agreement (issue 13, protocol §7): the board as a live progress board.

An owner reports a blocker in their browser and the leader sees it on the card and up front in
"Needs attention"; a teammate offers help and both see it; the leader walks the room through a
check-in (what is stuck first) and records it; everyone gets the notice and the history gains a
bar. Each person has a browser context of their own; waiting is Playwright's `expect`.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from planning.models import CheckIn, HelpOffer, Item

from . import boards
from .boards import LONG_NOTE_TITLE, NOOR, Board, Open, seed_board, seed_progress
from .pages import side_tab

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

open_as = boards.open_as  # the fixture

SIZE = "1440x900"
BLOCKED = "Fix the CSV import errors"  # accepted, owned by the member (Mia)
NOTE = "Waiting on the data team's export fix."


def card(page: Page, item_id: int) -> Locator:
    return page.locator(f"#board-root .lane .item[data-item='{item_id}']")


def attention(page: Page) -> Locator:
    return page.locator("#board-root .needs-attention")


def chart_bars(page: Page) -> Locator:
    return page.locator("#side-progress svg.checkin-chart g.chart-bar[data-checkin]")


def box(locator: Locator) -> dict[str, float]:
    found = locator.bounding_box()
    assert found is not None, "not laid out"
    return found


def report_blocked(page: Page, item_id: int, note: str) -> None:
    """The owner's way: the state chip's menu, "Add a note…", the state and the note, saved."""
    own = card(page, item_id)
    own.locator("details.progress-menu > summary").click()
    own.locator("button[data-action='item.progress.note']").click()
    form = page.locator("dialog.item-detail[open] form[data-form='item.progress']")
    form.locator("input[name=state][value=blocked]").check()
    form.locator("textarea[name=note]").fill(note)
    form.locator("button[type=submit]").click()
    expect(page.locator("dialog.item-detail")).not_to_be_visible()


def offer_help(page: Page, item_id: int, how: str = "") -> None:
    """A teammate's way: "+ I can help" opens a small form; how they can help is optional."""
    offer = card(page, item_id).locator("details.help-offer")
    offer.locator("summary").click()
    form = offer.locator("form[data-form='item.help']")
    expect(form.get_by_label("How can you help? (optional)")).to_be_visible()
    if how:
        form.get_by_label("How can you help? (optional)").fill(how)
    form.get_by_role("button", name="Offer help").click()


def test_a_blocker_is_seen_helped_and_walked_through_at_a_check_in(open_as: Open) -> None:
    board = seed_board(phase="agreed")
    blocked = board.items[BLOCKED]
    leader = open_as(board, board.leader, SIZE)
    owner = open_as(board, board.member, SIZE)
    for page in (leader, owner):
        expect(card(page, blocked)).to_have_attribute("data-progress", "none")
        expect(card(page, blocked)).to_have_attribute("data-helpers", "0")
        expect(attention(page)).to_have_class(re.compile(r"\bis-calm\b"))
    side_tab(owner, "progress")
    expect(chart_bars(owner)).to_have_count(0)
    expect(owner.locator("#side-progress svg.checkin-chart g.chart-bar.now")).to_have_count(1)

    # The owner reports the blocker; the leader's board shows it on the card and up front.
    report_blocked(owner, blocked, NOTE)
    for page in (leader, owner):
        expect(card(page, blocked)).to_have_attribute("data-progress", "blocked")
        expect(card(page, blocked)).to_have_class(re.compile(r"\bneeds-help\b"))
        expect(card(page, blocked).locator(".progress-note")).to_contain_text(NOTE)
    flagged = attention(leader).locator(f"[data-attention-item='{blocked}']")
    expect(flagged).to_have_class(re.compile(r"\bneeds-help\b"))
    expect(flagged).to_contain_text("Blocked — needs help")
    # Up front: on the first screen, beside the lanes at the top of the side (issue 21).
    strip = box(attention(leader))
    assert strip["y"] >= 0, "the needs-attention strip starts above the screen"
    assert strip["y"] + strip["height"] <= leader.viewport_size["height"], "the strip ends below the first screen"
    # It jumps to its card.
    flagged.click()
    expect(card(leader, blocked)).to_be_focused()

    # A teammate offers help; the owner and the leader see who.
    noor = board.people[NOOR]
    helper = open_as(board, noor, SIZE)
    offer_help(helper, blocked)
    expect(card(helper, blocked).locator("button[data-action='item.help']")).to_have_text(re.compile("Withdraw help"))
    for page in (leader, owner):
        expect(card(page, blocked)).to_have_attribute("data-helpers", "1")
        expect(card(page, blocked).locator(".helpers .avatar")).to_have_count(1)
        expect(card(page, blocked).locator(".helpers")).to_have_attribute("title", re.compile(NOOR))
        expect(card(page, blocked)).not_to_have_class(re.compile(r"\bneeds-help\b"))
    expect(owner.locator("#notices .notice").filter(has_text=f"{NOOR} offered to help")).to_have_count(1)
    # The owner does not offer help on their own item.
    expect(card(owner, blocked).locator("button[data-action='item.help']")).to_have_count(0)

    # The leader runs the check-in: the blocked item first, on everyone's board.
    leader.locator(".phase-bar button[data-action='checkin.start']").click()
    expect(card(owner, blocked)).to_have_class(re.compile(r"\bwalk-focus\b"))
    banner = owner.locator(".walk-banner")
    expect(banner).to_contain_text(re.compile(r"Check-in · 1 of 4"))
    expect(banner).to_contain_text(BLOCKED)
    leader_banner = leader.locator(".walk-banner")
    for step in (2, 3, 4):
        leader_banner.locator("button[data-action='walk.next']").click()
        expect(leader_banner).to_contain_text(f"Check-in · {step} of 4")
    expect(card(owner, board.items[LONG_NOTE_TITLE])).to_have_class(re.compile(r"\bwalk-focus\b"))
    leader_banner.locator("button[data-action='checkin.record']").click()
    dialog = leader.locator("dialog.confirm.checkin-record[open]")
    expect(dialog).to_contain_text("1 blocked")
    dialog.locator("textarea[name=note]").fill("Noor pairs with Mia on the import.")
    dialog.locator("button[value=yes]").click()

    notice = owner.locator("#notices .notice").filter(has_text="Check-in 1 recorded")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text("1 blocked")
    expect(chart_bars(owner)).to_have_count(1)
    expect(owner.locator("#side-progress .checkin-list li[data-checkin='1']")).to_contain_text("Noor pairs with Mia")
    expect(owner.locator(".item.walk-focus")).to_have_count(0)  # recording ends the walk
    checkin = CheckIn.objects.get(workshop_id=board.workshop_id)
    assert checkin.counts == {"on_track": 0, "at_risk": 0, "blocked": 1, "done": 0, "none": 3}
    assert checkin.note == "Noor pairs with Mia on the import."


HOW = "I wrote the old exporter: I can pair on the parser on Thursday afternoon, and review the fix after."


@pytest.mark.parametrize("size", [SIZE, "390x844"])
def test_a_helper_says_how_they_can_help_and_the_owner_sees_it_live(open_as: Open, size: str) -> None:
    board = seed_board(phase="agreed")
    seed_progress(board)  # the member's item is blocked, with a note, and nobody helps yet
    blocked = board.items[BLOCKED]
    owner = open_as(board, board.member, size)
    helper = open_as(board, board.people[NOOR], size)
    entry = attention(owner).locator(f"li:has([data-attention-item='{blocked}'])")
    blocker_note = Item.objects.get(pk=blocked).progress_note
    assert blocker_note, "the seeded blocker has a note"
    expect(entry.locator(".attention-note")).to_contain_text(blocker_note)  # the blocker's own words
    expect(card(owner, blocked).locator(".help-notes")).to_have_count(0)

    if size != SIZE:  # a phone shows one lane at a time: go to the card from the strip
        attention(helper).locator(f"[data-attention-item='{blocked}']").click()
    offer_help(helper, blocked, "  " + HOW + "  ")
    expect(card(helper, blocked).locator("button[data-action='item.help'][data-offer='false']")).to_be_visible()
    expect(card(helper, blocked).locator(".help-note")).to_contain_text(f"You — {HOW}")  # their own note

    # The owner sees it live: on the card (folded), in the strip, and in full in the item's dialog.
    note = card(owner, blocked).locator(f".help-notes .help-note[data-helper='{board.people[NOOR].member_id}']")
    expect(note).to_contain_text(f"{NOOR} — {HOW}")
    expect(card(owner, blocked)).to_have_attribute("data-helpers", "1")
    expect(entry.locator(".help-note")).to_contain_text(f"{NOOR} — {HOW}")
    expect(owner.locator("#notices .notice").filter(has_text=f"{NOOR} offered to help")).to_contain_text(HOW[:40])
    if size != SIZE:
        box_of = box(note)
        assert box_of["x"] + box_of["width"] <= 390 + 1, "a helper's note runs off a phone's screen"
        assert_no_sideways_scroll(owner)
    card(owner, blocked).locator(".item-title button").click()
    dialog = owner.locator("dialog.item-detail[open]")
    expect(dialog.locator(".help-notes-full")).to_contain_text(HOW)

    # Withdrawing is one click, and the note goes with it, everywhere.
    card(helper, blocked).locator("button[data-action='item.help'][data-offer='false']").click()
    expect(dialog.locator(".help-notes")).to_have_count(0)
    expect(entry.locator(".help-note")).to_have_count(0)
    expect(card(helper, blocked).locator("details.help-offer > summary")).to_be_visible()
    offer = HelpOffer.objects.filter(item_id=blocked)
    assert not offer.exists()


def test_a_phone_shows_the_progress_board_without_sideways_scroll(open_as: Open) -> None:
    board = seed_board(phase="agreed")
    seed_progress(board)
    phone = open_as(board, board.member, "390x844")
    blocked = board.items[BLOCKED]
    # The loudest thing on the board: blocked, nobody helping, first in the strip.
    first = attention(phone).locator("[data-attention-item]").first
    expect(first).to_have_attribute("data-attention-item", str(blocked))
    expect(first).to_have_class(re.compile(r"\bneeds-help\b"))
    lanes = phone.locator(".lanes")
    assert box(attention(phone))["y"] + box(attention(phone))["height"] <= box(lanes)["y"] + 1
    assert_no_sideways_scroll(phone)

    # Jumping to a card in another lane shows that lane.
    at_risk = board.items[LONG_NOTE_TITLE]
    attention(phone).locator(f"[data-attention-item='{at_risk}']").click()
    expect(card(phone, at_risk)).to_be_visible()
    expect(card(phone, at_risk)).to_have_attribute("data-progress", "at_risk")

    # The history in the side sheet: two check-ins and now.
    side_tab(phone, "progress")
    expect(chart_bars(phone)).to_have_count(2)
    chart = phone.locator("#side-progress svg.checkin-chart")
    expect(chart).to_be_visible()
    assert box(chart)["x"] + box(chart)["width"] <= 390 + 1, "the chart runs off a phone's screen"
    assert_no_sideways_scroll(phone)
    # "Open on another device" answers with a link or says why not; never silence.
    phone.locator("button[data-action='device.link']").click()
    expect(phone.locator("#device-link-url, .device-link .form-error")).to_be_visible()
    expect(phone.locator("#side-progress a.mine-link")).to_have_attribute("href", f"/w/{board.workshop_id}/mine/")


def assert_no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.scrollingElement.scrollWidth")
    client = page.evaluate("document.scrollingElement.clientWidth")
    assert width <= client, f"the page scrolls sideways: {width} > {client}"


def test_an_observer_sees_progress_but_reports_and_offers_nothing(open_as: Open) -> None:
    board: Board = seed_board(phase="agreed")
    seed_progress(board)
    watcher = open_as(board, board.observer, SIZE)
    blocked = board.items[BLOCKED]
    expect(card(watcher, blocked)).to_have_attribute("data-progress", "blocked")
    expect(card(watcher, blocked).locator("details.progress-menu")).to_have_count(0)
    expect(card(watcher, blocked).locator(".progress-chip")).to_have_text(re.compile("Blocked — needs help"))
    expect(watcher.locator("#board-root button[data-action='item.help']")).to_have_count(0)
    expect(watcher.locator("#board-root button[data-action='checkin.start']")).to_have_count(0)
