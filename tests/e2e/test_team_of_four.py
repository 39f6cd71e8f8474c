"""What a team of four tripped over (issue 21), kept fixed by geometry and behaviour, not pixels.

A leader at 1440×900, a facilitator at 1280×800, a member on a phone (390×844, touch) and one on a
tablet (820×1180), on the seeded fifteen-item board of `boards.seed_board`. Each check measures
what a person would see: where the first card's title is, whether a notice covers the phase bar,
whether a label is cut short, what the agree dialog lets one do.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from . import boards
from .boards import CRITERIA, Open, in_thread, op, seed_board, seed_progress
from .pages import on_a_clock_of_its_own, side_tab

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

open_as = boards.open_as  # the fixture

PHONE, TABLET, LAPTOP, DESKTOP = "390x844", "820x1180", "1280x800", "1440x900"
CARD = "#board-root .lane .item[data-item-id]"


def rect(locator: Locator) -> dict[str, float]:
    expect(locator).to_be_visible()
    return locator.evaluate(
        "e => { const r = e.getBoundingClientRect();"
        " return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height}; }"
    )


def overlaps(a: dict[str, float], b: dict[str, float]) -> bool:
    return a["top"] < b["bottom"] and b["top"] < a["bottom"] and a["left"] < b["right"] and b["left"] < a["right"]


def card(page: Page, item_id: int) -> Locator:
    return page.locator(f"{CARD}[data-item-id='{item_id}']")


def to_top(page: Page) -> None:
    page.evaluate("document.fonts.ready.then(() => window.scrollTo(0, 0))")
    page.wait_for_function("window.scrollY === 0")


def cut_labels(page: Page) -> list[str]:
    """Every visible label or control whose text is cut short (text wider than its box)."""
    return page.evaluate(
        """() => [...document.querySelectorAll(
              "#board-root button, #board-root .badge, #board-root .item-author, #board-root .owners,"
              + " #board-root .chip-text, #board-root .criterion-progress-text, #board-root .attention-title,"
              + " #board-root .lane-tab, #board-root .phase-step, #board-root summary")]
            .filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== "hidden")
            .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0; })
            .filter(e => e.scrollWidth > e.clientWidth + 1 && getComputedStyle(e).overflowX !== "visible")
            .map(e => `${e.className || e.tagName}: ${e.textContent.trim().slice(0, 40)}`)"""
    )


# --- 3. the board keeps the screen after the agreement -------------------------------------------

FIRST_TITLE_WITHIN = {DESKTOP: 0.45, LAPTOP: 0.45, PHONE: 0.60}


@pytest.mark.parametrize("size", [DESKTOP, LAPTOP, PHONE])
def test_after_agreeing_the_first_card_comes_up_front(open_as: Open, size: str) -> None:
    board = seed_board(phase="agreed")
    seed_progress(board)  # a blocker and an item at risk: "Needs attention" has something to say
    page = open_as(board, board.member if size == PHONE else board.leader, size)
    expect(page.locator(CARD)).to_have_count(15)
    expect(page.locator("#board-root .needs-attention .attention-item").first).to_be_visible()
    to_top(page)
    height = page.viewport_size["height"]
    title = rect(page.locator(f"{CARD}:visible .item-title").first)
    assert title["top"] <= FIRST_TITLE_WITHIN[size] * height, (
        f"the first card's title starts at y={title['top']:.0f} of {height}"
    )
    top = rect(page.locator("#board-root .board-top"))
    if size == PHONE:
        assert top["height"] <= 0.20 * height, f"the phone's sticky header is {top['height']:.0f} px"
    # What needs attention is on the first screen too.
    strip = rect(page.locator("#board-root .needs-attention"))
    assert strip["bottom"] <= height, "'Needs attention' is below the first screen"


@pytest.mark.parametrize("size", [DESKTOP, PHONE])
def test_a_panel_with_nothing_to_say_is_one_line(open_as: Open, size: str) -> None:
    board = seed_board(phase="agreed")  # no progress yet: nothing is blocked or at risk
    page = open_as(board, board.leader if size != PHONE else board.member, size)
    calm = page.locator("#board-root .needs-attention.is-calm")
    line = page.locator("#board-root .needs-attention .attention-calm")
    box, text = rect(calm), rect(line)
    line_height = line.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 20")
    assert text["height"] <= line_height * 1.5, "the calm line wraps"
    assert box["height"] <= text["height"] + 32, f"the calm panel is {box['height']:.0f} px for one line"


# --- 1 and 2. criteria: tied from the card, read in full ---------------------------------------------


@pytest.mark.parametrize("size", [DESKTOP, LAPTOP, TABLET, PHONE])
def test_the_goal_its_why_and_criteria_read_in_full_within_one_tap(open_as: Open, size: str) -> None:
    board = seed_board(phase="plan")
    page = open_as(board, board.member, size)
    if size != PHONE:
        # Beside the title the chips are never cut: their text is whole, or they are numbers.
        for chip in page.locator("#board-root .criterion-chip").all():
            box, line = rect(chip), rect(page.locator("#board-root .criteria-chips"))
            assert box["right"] <= line["right"] + 1, f"a criterion's chip runs off its line at {size}"
            assert box["left"] >= line["left"] - 1
        assert cut_labels(page) == [], cut_labels(page)
    page.locator("#board-root button.goal-toggle").click()  # the one tap
    details = page.locator("#goal-details")
    expect(details).to_be_visible()
    expect(details.locator(".goal-full-title")).to_have_text(boards.TITLE)
    for text in [*boards.WHY.splitlines(), *CRITERIA]:
        expect(details).to_contain_text(text)
    for part in details.locator(".goal-full-title, .why, .criteria li").all():
        box = rect(part)
        assert box["top"] >= 0
        assert box["bottom"] <= page.viewport_size["height"], "part of the goal is below the screen"
        assert part.evaluate("e => e.scrollWidth <= e.clientWidth + 1"), "part of the goal is cut"


def test_a_card_is_tied_to_a_criterion_in_one_gesture_or_by_dropping_it(open_as: Open) -> None:
    board = seed_board(phase="gather")
    member, leader = open_as(board, board.member, DESKTOP), open_as(board, board.leader, DESKTOP)
    untied = "Localise onboarding (DE, FR)"  # Noor's, serving no criterion
    item_id = board.items[untied]
    # The leader (a facilitator edits any item) ties it from the card: the chip, then the criterion.
    leader_card = card(leader, item_id)
    leader_card.locator("details.criterion-menu > summary").click()
    leader_card.locator("button[data-action='item.criterion'][data-criterion='1']").click()
    for page in (leader, member):
        expect(card(page, item_id).locator(".criterion-menu > summary, .criterion-tag")).to_have_text(
            re.compile(r"^C2(?!\d)")
        )
    # Dropping a card on a criterion's chip ties it to that one.
    other = board.items["Onboarding video, 90 seconds"]
    leader.locator(f"{CARD}[data-item-id='{other}']").drag_to(
        leader.locator("#board-root .criterion-chip[data-criterion-drop='2']")
    )
    tied = card(member, other).locator(".criterion-tag, .criterion-menu > summary")
    expect(tied).to_have_text(re.compile(r"^C3(?!\d)"))


C2_ONLY = "Fix the CSV import errors"  # the one accepted item that serves "Setup tickets halved"


def test_plan_asks_for_a_criterion_and_the_agree_dialog_says_what_nothing_serves(open_as: Open) -> None:
    board = seed_board(phase="plan")
    untied = board.items["Localise onboarding (DE, FR)"]

    def accept_unowned_untied() -> None:
        op(board.workshop_id, board.leader, "item.status", item=untied, status="accepted")
        # The only accepted item serving the second criterion leaves the plan: nothing serves it.
        op(board.workshop_id, board.leader, "item.status", item=board.items[C2_ONLY], status="proposed")

    in_thread(accept_unowned_untied)
    page = open_as(board, board.leader, LAPTOP)
    ask = card(page, untied).locator("details.criterion-menu.asking > summary")
    expect(ask).to_have_text("Which criterion?")

    # 5. Agreeing would be refused (the item has no owner): the dialog says so before the click.
    page.locator(".phase-bar button[data-action='phase.set'][data-phase='agreed']").click()
    dialog = page.locator("dialog.agree-summary")
    expect(dialog).to_be_visible()
    expect(dialog.locator("button[value='yes']")).to_be_disabled()
    expect(dialog.locator(".confirm-blocked")).to_contain_text("needs an owner")
    # A criterion no accepted item serves is named: a warning, not a refusal.
    unserved = dialog.locator(".agree-summary-list .warn").filter(has_text="Criteria no accepted item serves")
    expect(unserved).to_contain_text(CRITERIA[1])
    expect(unserved).not_to_contain_text(CRITERIA[0])
    # The unowned item is a link to its card.
    dialog.locator(f"button[data-close-with='item:{untied}']").click()
    expect(dialog).to_be_hidden()
    expect(card(page, untied)).to_be_focused()


# --- 4. notices ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", [PHONE, DESKTOP])
def test_notices_come_one_at_a_time_and_never_cover_the_bars(open_as: Open, size: str) -> None:
    board = seed_board(phase="plan")
    page, leader = open_as(board, board.member, size), open_as(board, board.leader, DESKTOP)
    on_a_clock_of_its_own(page)
    # Two moves of the facilitator's in a row, each a notice on the member's board.
    leader.locator(".phase-bar button[data-action='confidence.open']").click()
    expect(leader.locator(".phase-bar button[data-action='confidence.close']")).to_be_visible()
    leader.locator(".phase-bar details.phase-menu > summary").click()
    leader.locator(".phase-bar button[data-action='phase.set'][data-phase='vote']").click()
    expect(page.locator("#board-root")).to_have_attribute("data-phase", "vote")
    notices = page.locator("#notices .notice")
    expect(notices).to_have_count(1)
    expect(notices.locator("[data-notice-next]")).to_have_text(re.compile(r"^\d+ more$"))
    shown = rect(notices)
    for part in ("#board-root .phase-bar", "#goal-title"):
        assert not overlaps(shown, rect(page.locator(part))), f"a notice covers {part}"
    # Long enough to read: still there five seconds on (the page's clock jumped, not waited out).
    page.clock.fast_forward(5000)
    expect(notices).to_have_count(1)
    # The next one comes from the count.
    first = notices.text_content()
    notices.locator("[data-notice-next]").click()
    expect(notices).not_to_have_text(first or "")


@pytest.mark.parametrize("size", [PHONE, DESKTOP])
def test_a_refusal_never_covers_the_card_it_is_about(open_as: Open, size: str) -> None:
    """The board's own notices (static/js/dialogs.js), given the card an op acted on: with that card
    low on the screen, where notices sit, the notice moves up under the sticky bars instead."""
    board = seed_board(phase="gather")
    page = open_as(board, board.member, size)
    expect(page.locator(CARD).first).to_be_visible()
    shown = page.evaluate(
        """async () => {
            const { Notices } = await import("/static/js/dialogs.js");
            // The first lane's last card, scrolled to the very bottom of the screen.
            const cards = document.querySelector(".lane[data-lane-id]").querySelectorAll(".item[data-item-id]");
            const card = cards[cards.length - 1];
            card.scrollIntoView({ block: "end" });
            const notices = new Notices(document.getElementById("notices"));
            notices.show("That is no longer on the board: someone may have just deleted it.", { near: card });
            const box = document.querySelector("#notices .notice").getBoundingClientRect();
            const at = card.getBoundingClientRect();
            return { overlaps: box.top < at.bottom && at.top < box.bottom, top: box.top, cardTop: at.top,
                     cardBottom: at.bottom, height: window.innerHeight };
        }"""
    )
    assert shown["cardBottom"] > shown["height"] - 60, f"the card is not low on the screen: {shown}"
    assert not shown["overlaps"], f"the notice at y={shown['top']:.0f} covers the card at y={shown['cardTop']:.0f}"
    phase_bar = rect(page.locator("#board-root .phase-bar"))
    notice = rect(page.locator("#notices .notice"))
    assert not overlaps(notice, phase_bar), "moved up, the notice covers the phase bar"


# --- 5. the facilitator's next move is on the phase bar ------------------------------------------------


def test_the_confidence_check_is_the_facilitators_move_in_plan(open_as: Open) -> None:
    board = seed_board(phase="vote")
    page, member = open_as(board, board.leader, LAPTOP), open_as(board, board.member, PHONE)
    page.locator(".phase-bar button[data-action='phase.set'][data-phase='plan']").click()
    check = page.locator(".phase-bar button[data-action='confidence.open']")
    expect(check).to_have_text("Check our confidence")
    expect(check).to_have_class(re.compile(r"\bprimary\b"))
    check.click()
    member.locator(".confidence-prompt button[data-action='confidence.answer'][data-score='4']").click()
    expect(page.locator(".phase-bar button[data-action='confidence.close']")).to_contain_text("1 answer")
    close = page.locator(".phase-bar button[data-action='confidence.close']")
    expect(close).to_contain_text("Close the check")
    close.click()
    agree = page.locator(".phase-bar button[data-action='phase.set'][data-phase='agreed']")
    expect(agree).to_have_class(re.compile(r"\bprimary\b"))


# --- 6. a promotion brings the new role's tools, live ---------------------------------------------------


def test_a_promoted_facilitator_gets_the_working_member_link_without_a_reload(open_as: Open) -> None:
    board = seed_board(phase="gather")
    leader, member = open_as(board, board.leader, DESKTOP), open_as(board, board.member, DESKTOP)
    link = leader.locator("#board-root").get_attribute("data-invite-url")
    assert link
    side_tab(leader, "people")
    leader.locator(f"select[data-action='member.role'][data-member='{board.member.member_id}']").select_option(
        "facilitator"
    )
    tools = member.locator("button[data-side-tab='tools']")
    expect(tools).to_be_visible()
    tools.click()
    expect(member.locator("#invite-member-url")).to_have_value(link)
    expect(member.get_by_text("No member link works right now.")).to_have_count(0)


# --- 8. tablet and laptop: nothing cut, the tab marks the lane in view ---------------------------------


@pytest.mark.parametrize("size", [TABLET, LAPTOP, DESKTOP])
def test_no_control_or_label_is_cut(open_as: Open, size: str) -> None:
    board = seed_board(phase="plan")
    page = open_as(board, board.leader, size)
    expect(page.locator(CARD)).to_have_count(15)
    assert cut_labels(page) == []


def test_on_a_tablet_the_lane_tab_marks_the_lane_in_view(open_as: Open) -> None:
    board = seed_board(phase="plan", six_lanes=True)
    page = open_as(board, board.member, TABLET)
    lanes = page.locator("#board-root .lanes")
    expect(lanes).to_have_class(re.compile(r"\bscrolls\b"))

    def marked_is_in_view() -> bool:
        return page.evaluate(
            """() => { const tab = document.querySelector("nav.lane-tabs .lane-tab.is-current");
                       if (!tab) return false;
                       const lane = document.querySelector(`.lane[data-lane-id="${tab.dataset.laneTab}"]`);
                       const box = document.querySelector("#board-root .lanes").getBoundingClientRect();
                       const r = lane.getBoundingClientRect();
                       return Math.min(r.right, box.right) - Math.max(r.left, box.left) >= r.width * 0.6; }"""
        )

    assert marked_is_in_view()
    lanes.evaluate("e => e.scrollTo({left: e.scrollWidth})")
    page.wait_for_function("() => document.querySelector('#board-root .lanes').scrollLeft > 0")
    expect(page.locator("nav.lane-tabs .lane-tab.is-current")).not_to_have_attribute(
        "data-lane-tab", str(board.lanes[0][0])
    )
    assert marked_is_in_view()


# --- 9 and 10. dots and words ----------------------------------------------------------------------------


def test_no_dots_before_voting_and_the_last_dot_offers_im_ready(open_as: Open) -> None:
    board = seed_board(phase="gather")
    member, leader = open_as(board, board.member, PHONE), open_as(board, board.leader, DESKTOP)
    expect(member.locator(CARD)).to_have_count(15)
    expect(member.locator(f"{CARD} .votes")).to_have_count(0)

    leader.locator(".phase-bar button[data-action='phase.set'][data-phase='vote']").click()
    expect(leader.locator(".phase-bar .dots-pending")).to_have_text(re.compile(r"people with dots left"))
    ready = member.locator(".phase-bar button[data-action='member.ready']")
    expect(ready).not_to_have_class(re.compile(r"\bprimary\b"))
    cast = card(member, board.items["Guided first project"]).locator("button[data-action='vote.cast']")
    for left in (4, 3, 2, 1, 0):
        cast.click()
        expect(member.locator(".phase-bar .dots-left")).to_contain_text(f"{left} of 5 dots left")
    expect(member.locator(".phase-bar .dots-left")).to_contain_text("0 of 5 dots left")
    expect(ready).to_have_class(re.compile(r"\bprimary\b"))
    expect(ready).to_have_attribute("aria-describedby", "ready-explained")


def test_the_confidence_mean_reads_the_same_on_the_board_and_the_export(open_as: Open) -> None:
    board = seed_board(phase="agreed")  # answers 4, 3, 4: a mean of 3.67
    page = open_as(board, board.member, DESKTOP)
    expect(page.locator(".phase-bar .confidence-chip")).to_have_text("Confidence 3.67 / 5")
    expect(page.locator(".phase-bar button[data-action='sort.votes']")).to_have_count(0)  # agreed: no sorting
    markdown = page.request.get(page.url.split("/w/")[0] + f"/w/{board.workshop_id}/export/plan.md")
    assert markdown.ok
    assert "mean 3.67 of 5" in markdown.text()
