"""The board's geometry against issue 12's targets, in every phase, on a laptop, a projector and a phone.

Measured, not looked at: positions and heights from `getBoundingClientRect` and the scrolling
element's `scrollHeight`, on the fifteen-item board of `boards.seed_board`. Every measurement first
checks that what it measures is there and visible (fifteen cards on the board, the bars drawn), so a
missing element fails instead of measuring zero.

The desktop sizes are the leader's view (the most controls); the phone's are checked as the leader
and as a plain member. With SCREENSHOTS=<folder> each (phase, size) is saved there, the first screen
and the full page; with LAYOUT_JSON=<file> the figures are appended to it, one JSON object a line,
before any assertion (benchmarks/layout.py prints them as a table).

Seeding a board and loading a page are most of what a check costs, and the checks only look: so each
phase's board is seeded once for the module, each (phase, size, viewer) page is loaded once, and every
check of that page runs on it as a subtest of its own, which fails alone and by name ("SUBFAILED[the
bars stay in view] ...[plan-390x844]") while the others still run. A check starts from the top of the
page; those that change what is shown (the phone's lane tabs, the opened detail) come last.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connections
from playwright.sync_api import Locator, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from . import boards
from .boards import PHASES, PHONE_WIDTH, SIZES, Board, Open, is_phone, seed_board
from .pages import TIMEOUT

# No django_db mark: the boards are committed by `seeded` for the whole module (a transactional
# test's flush after each test would delete them), and the tests themselves only drive browsers.
pytestmark = [pytest.mark.browser]

open_as = boards.open_as  # the fixture

CARDS = 15
FIRST_CARD_WITHIN = 0.6  # of the first screen's height
MAX_PAGE_SCREENS = 1.6  # at the desktop sizes
MAX_FOLDED_CARD = 260  # px: the card with the 4,000-character note, on the board
PHONE = "390x844"

Seeded = Callable[..., Board]


@pytest.fixture(scope="module")
def seeded(django_db_setup: None, django_db_blocker: Any) -> Iterator[Seeded]:
    """`seeded(phase, six_lanes=False)`: that board, seeded on first use and shared by the module's tests.

    At the end the database is flushed, as a transactional test leaves it, so that no later test
    finds these boards."""
    made: dict[tuple[str, bool], Board] = {}

    def board(phase: str, *, six_lanes: bool = False) -> Board:
        if (phase, six_lanes) not in made:
            with django_db_blocker.unblock():
                made[phase, six_lanes] = seed_board(phase=phase, six_lanes=six_lanes)
        return made[phase, six_lanes]

    yield board
    if made:
        with django_db_blocker.unblock(), ThreadPoolExecutor(max_workers=1) as pool:
            # In a thread, as seeding is: Playwright's event loop runs on this one.
            pool.submit(_flush).result()


def _flush() -> None:
    try:
        call_command("flush", verbosity=0, interactive=False)
    finally:
        connections.close_all()


# --- measuring -----------------------------------------------------------------------------------

CARD = "#board-root .item[data-item-id]"


def settle(page: Page, cards: int = CARDS) -> None:
    """The board is drawn: every card in the DOM, fonts loaded, scrolled to the top."""
    expect(page.locator(CARD)).to_have_count(cards)
    page.evaluate("document.fonts.ready.then(() => true)")
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_function("window.scrollY === 0")


def rect(locator: Locator) -> dict[str, float]:
    return locator.evaluate(
        "e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left,"
        " right: r.right, height: r.height, width: r.width}; }"
    )


def viewport(page: Page) -> dict[str, float]:
    """The layout viewport (without a scrollbar) and the page's scroll figures."""
    return page.evaluate(
        "() => ({width: document.documentElement.clientWidth, height: window.innerHeight,"
        " scrollY: window.scrollY, scrollHeight: document.scrollingElement.scrollHeight})"
    )


def visible_cards(page: Page) -> Locator:
    return page.locator(f"{CARD}:visible")


def first_card(page: Page) -> Locator:
    card = visible_cards(page).first
    expect(card).to_be_visible()
    return card


def longest_card(page: Page) -> float:
    return page.evaluate(
        f"""() => Math.max(0, ...[...document.querySelectorAll("{CARD}")]
            .filter(e => e.getClientRects().length).map(e => e.getBoundingClientRect().height))"""
    )


def pinned(locator: Locator) -> bool:
    """The element or one of its ancestors is position: sticky or fixed."""
    return locator.evaluate(
        """e => { for (let n = e; n && n !== document.documentElement; n = n.parentElement) {
                    const p = getComputedStyle(n).position; if (p === "sticky" || p === "fixed") return true; }
                  return false; }"""
    )


def in_viewport(page: Page, locator: Locator) -> bool:
    box, view = rect(locator), viewport(page)
    return box["height"] > 0 and box["top"] >= -1 and box["bottom"] <= view["height"] + 1


def scroll_to_bottom(page: Page) -> dict[str, float]:
    page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
    page.wait_for_function(
        "Math.abs(window.scrollY - (document.scrollingElement.scrollHeight - window.innerHeight)) <= 2"
    )
    return viewport(page)


def record(figures: dict[str, Any]) -> None:
    target = os.environ.get("LAYOUT_JSON")
    if target:
        with open(target, "a", encoding="utf-8") as out:
            out.write(json.dumps(figures) + "\n")


def screenshot(page: Page, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS")
    if not folder:
        return
    Path(folder).mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.wait_for_function("window.scrollY === 0")
    page.screenshot(path=str(Path(folder) / f"{name}.png"))
    page.screenshot(path=str(Path(folder) / f"{name}-full.png"), full_page=True)


def long_card(page: Page, board: Board) -> Locator:
    """The card with the 4,000-character note, shown (on a phone, its lane's tab tapped first)."""
    card = page.locator(f"{CARD}[data-item-id='{board.long_note_item}']")
    expect(card).to_have_count(1)
    if not card.is_visible() and page.viewport_size is not None and page.viewport_size["width"] < PHONE_WIDTH:
        lane_id = card.evaluate("e => e.closest('[data-lane-id]').dataset.laneId")
        page.locator(f"nav.lane-tabs button.lane-tab[data-lane-tab='{lane_id}']").tap()
    expect(card).to_be_visible()
    return card


# --- the pages: every check of a page on one load -------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("phase", PHASES)
def test_board_comes_first_and_the_page_holds_up(
    seeded: Seeded, open_as: Open, subtests: pytest.Subtests, phase: str, size: str
) -> None:
    """The leader's page at a size: every check of the layout at that size."""
    board = seeded(phase)
    page = open_as(board, board.leader, size)
    settle(page)
    expect(page.locator("#board-root")).to_have_attribute("data-phase", phase)
    checks: list[tuple[str, Callable[[], None]]] = [
        ("the board comes first", lambda: board_comes_first(page, board, phase, size)),
    ]
    if is_phone(size):
        checks.append(("the page does not scroll sideways", lambda: page_does_not_scroll_sideways(page)))
    checks.append(("the goal and phase bars stay in view", lambda: bars_stay_in_view(page)))
    if is_phone(size):
        checks.append(("one lane at a time, sticky tabs", lambda: phone_shows_one_lane_with_sticky_tabs(page, board)))
    checks.append(("the long note folds and opens in full", lambda: long_note_folds_and_opens_in_full(page, board)))
    for name, check in checks:
        with subtests.test(name):
            settle(page)
            check()


@pytest.mark.parametrize("phase", PHASES)
def test_phone_shows_a_member_one_lane_with_sticky_tabs(seeded: Seeded, open_as: Open, phase: str) -> None:
    board = seeded(phase)
    page = open_as(board, board.member, PHONE)
    settle(page)
    phone_shows_one_lane_with_sticky_tabs(page, board)


@pytest.mark.parametrize("phase", ["gather", "plan"])
def test_six_lanes_each_reachable_from_its_tab(seeded: Seeded, open_as: Open, phase: str) -> None:
    board = seeded(phase, six_lanes=True)
    page = open_as(board, board.leader, "1440x900")
    settle(page)
    expect(page.locator("#board-root .lane[data-lane-id]")).to_have_count(6)
    tabs = page.locator("nav.lane-tabs button.lane-tab[data-lane-tab]")
    expect(tabs).to_have_count(6)
    screenshot(page, f"six-lanes-{phase}-1440x900")

    box = page.locator("#board-root .lanes")
    expect(box).to_be_visible()
    overflow = box.evaluate("e => ({scroll: e.scrollWidth, client: e.clientWidth})")
    if overflow["scroll"] > overflow["client"] + 1:
        # Lanes off to the side: there must be a visible cue that there is more.
        expect(page.locator(".lanes-cue:visible").first).to_be_visible()

    for lane_id, title in board.lanes:
        tab = page.locator(f"nav.lane-tabs button.lane-tab[data-lane-tab='{lane_id}']")
        expect(tab).to_be_visible()
        tab.click()
        column = page.locator(f"#board-root .lane[data-lane-id='{lane_id}']")
        expect(column).to_be_visible()
        try:
            page.wait_for_function(
                """id => { const e = document.querySelector(`#board-root .lane[data-lane-id="${id}"]`);
                           const r = e.getBoundingClientRect();
                           const width = document.documentElement.clientWidth;
                           return r.width > 0 && r.left >= -1 && r.right <= width + 1; }""",
                arg=str(lane_id),
                timeout=TIMEOUT,
            )
        except PlaywrightTimeout:
            pytest.fail(
                f"lane {title!r}'s tab did not bring it into view: {rect(column)} in {viewport(page)['width']} px"
            )


# --- the checks, each on a settled page at the top ---------------------------------------------------


def board_comes_first(page: Page, board: Board, phase: str, size: str) -> None:
    # Measured before anything is asserted, so that the figures are there for every run.
    view = viewport(page)
    top = rect(first_card(page))["top"]
    screenshot(page, f"{phase}-{size}")
    longest = longest_card(page)
    long_card_height = rect(long_card(page, board))["height"]
    figures = {
        "phase": phase,
        "size": size,
        "viewer": "leader",
        "first_card_y": round(top),
        "page_height": view["scrollHeight"],
        "page_screens": round(view["scrollHeight"] / view["height"], 2),
        "longest_card": round(longest),
        "long_note_card": round(long_card_height),
    }
    record(figures)

    assert view["scrollY"] == 0
    assert top <= FIRST_CARD_WITHIN * view["height"], (
        f"first card at y {top:.0f}, below {FIRST_CARD_WITHIN:.0%} of a {view['height']} px screen: {figures}"
    )
    if not is_phone(size):
        assert view["scrollHeight"] <= MAX_PAGE_SCREENS * view["height"], (
            f"page {view['scrollHeight']} px = {figures['page_screens']} screens > {MAX_PAGE_SCREENS}: {figures}"
        )


def bars_stay_in_view(page: Page) -> None:
    bars = [page.locator(".goal-bar"), page.locator(".phase-bar")]
    for bar in bars:
        expect(bar).to_have_count(1)
        expect(bar).to_be_visible()
    expect(page.locator(".goal-bar #goal-title")).to_be_visible()
    # Sticky, not merely on screen because the page happens to be short.
    for bar in bars:
        assert pinned(bar), f"{bar} is neither sticky nor fixed, nor inside something that is"
    scrolled = scroll_to_bottom(page)
    for bar in bars:
        assert in_viewport(page, bar), f"{bar} left the viewport after scrolling to {scrolled}: {rect(bar)}"


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def long_note_folds_and_opens_in_full(page: Page, board: Board) -> None:
    """Long notes fold on the card and open in full in the item's detail (which this leaves open)."""
    card = long_card(page, board)
    expect(card.locator(".notes")).to_be_visible()  # the note is on the card, folded, not left off
    height = rect(card)["height"]
    assert height <= MAX_FOLDED_CARD, f"the 4,000-character note's card is {height:.0f} px tall on the board"

    card.hover()
    # The card's own opener (the same action also sits in the card's menu, the ranking, the walk banner).
    opener = card.locator(f"button[data-action='item.open'][data-item='{board.long_note_item}']:visible").first
    expect(opener).to_be_visible()
    opener.click()
    detail = page.locator("dialog.item-detail")
    expect(detail).to_be_visible()
    notes = detail.locator(".detail-notes")
    expect(notes).to_be_visible()
    shown = notes.evaluate("e => e.textContent")
    assert _normalised(shown) == _normalised(board.long_note), "the detail does not hold the whole note"
    cut = notes.evaluate(
        """e => { const s = getComputedStyle(e);
                  const clamped = s.webkitLineClamp && s.webkitLineClamp !== "none";
                  const hides = s.overflowY === "hidden" || s.overflowY === "clip";
                  const hidden = hides && e.scrollHeight > e.clientHeight + 2;
                  return clamped || hidden; }"""
    )
    assert not cut, "the note is clamped or cut off in the detail"


def phone_shows_one_lane_with_sticky_tabs(page: Page, board: Board) -> None:
    """The phone: one lane at a time, a switcher in reach (this leaves another lane shown)."""
    tabs = page.locator("nav.lane-tabs")
    expect(tabs).to_be_visible()
    tab_buttons = tabs.locator("button.lane-tab[data-lane-tab]")
    expect(tab_buttons).to_have_count(len(board.lanes))
    assert [int(t) for t in tab_buttons.evaluate_all("ts => ts.map(t => t.dataset.laneTab)")] == [
        lane_id for lane_id, _ in board.lanes
    ]

    lanes = page.locator("#board-root .lane[data-lane-id]")
    expect(lanes).to_have_count(len(board.lanes))
    shown = page.locator("#board-root .lane[data-lane-id]:visible")
    expect(shown).to_have_count(1)
    expect(shown).to_have_class(re.compile(r"\bis-current\b"))
    first_lane = shown.get_attribute("data-lane-id")
    expect(shown.locator(".item[data-item-id]").first).to_be_visible()

    # The switcher stays in reach at the bottom of the lane.
    assert pinned(tabs), "nav.lane-tabs is neither sticky nor fixed"
    scrolled = scroll_to_bottom(page)
    assert scrolled["scrollY"] > 0, f"a lane of six cards fits a phone screen? {scrolled}"
    assert in_viewport(page, tabs), f"the lane tabs left the viewport at the bottom: {rect(tabs)} in {scrolled}"

    # Tapping another lane's tab shows that lane, with its cards, and only that lane.
    other_id, other_title = next((lid, title) for lid, title in board.lanes if str(lid) != first_lane)
    tabs.locator(f"button.lane-tab[data-lane-tab='{other_id}']").tap()
    other = page.locator(f"#board-root .lane[data-lane-id='{other_id}']")
    expect(other).to_be_visible()
    expect(other).to_have_class(re.compile(r"\bis-current\b"))
    expect(shown).to_have_count(1)
    expect(page.locator(f"#board-root .lane[data-lane-id='{first_lane}']")).to_be_hidden()
    cards = other.locator(".item[data-item-id]")
    assert cards.count() >= 1, f"lane {other_title} has no cards"
    expect(cards.first).to_be_visible()
    assert in_viewport(page, tabs)


def page_does_not_scroll_sideways(page: Page) -> None:
    """On a phone nothing may stick out to the right: a clipped control (the goal button, the phase bar) is one
    nobody finds. The lanes are tabs there, so nothing needs to scroll sideways."""
    wide = page.evaluate(
        """() => ({page: document.scrollingElement.scrollWidth, view: document.documentElement.clientWidth,
                   out: [...document.querySelectorAll(".goal-bar *, .phase-bar *, nav.lane-tabs")]
                     .filter(e => e.getClientRects().length && e.getBoundingClientRect().right
                                  > document.documentElement.clientWidth + 1
                                  && !e.closest("nav.lane-tabs, [class*='scroll']"))
                     .slice(0, 5).map(e => `${e.tagName.toLowerCase()}.${[...e.classList].join(".")}`
                                            + ` right ${Math.round(e.getBoundingClientRect().right)}`)})"""
    )
    assert not wide["out"], f"controls stick out on a {wide['view']} px phone: {wide}"
    assert wide["page"] <= wide["view"], f"the page scrolls sideways on a {wide['view']} px phone: {wide}"
