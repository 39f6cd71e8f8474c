"""Two browsers watching each other (issue 12): what a facilitator does, everyone sees.

The leader and a member (and, for the exports, the observer) each have a browser context of their
own on a seeded fifteen-item board at 1440x900. The facilitator acts through the page; the test
looks at the other person's page. Waiting is Playwright's `expect`; nothing sleeps.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
from playwright.sync_api import Locator, Page, expect

from goals.models import Workshop
from planning.models import ConfidenceAnswer, ConfidenceCheck

from . import boards
from .boards import ACCEPTED, DROPPED, RANKING, Board, Open, seed_board
from .pages import CONNECT_TIMEOUT, TIMEOUT, on_a_clock_of_its_own, phase_is

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

open_as = boards.open_as  # the fixture

SIZE = "1440x900"
# Info notices are dismissed once read: at least 8 s (static/js/board.js), longer for a long one,
# 20 s at most (static/js/dialogs.js); a test jumps the page's clock this far ahead and then
# expects them gone.
NOTICE_LIFETIME = 20_000


def facilitator_control(page: Page, action: str, **data: str) -> Locator:
    """A facilitator's button by its data-action, wherever the board keeps it: when it sits in a tab
    of the side column (results, tools), the tabs are opened in turn until it shows."""
    selector = f"button[data-action='{action}']" + "".join(f"[data-{key}='{value}']" for key, value in data.items())
    button = page.locator(f"{selector}:visible")
    for tab in ("results", "tools"):
        if button.count():
            break
        side_tab = page.locator(f"button[data-side-tab='{tab}']:visible")
        if side_tab.count():
            side_tab.click()
            expect(side_tab).to_have_attribute("aria-selected", "true")
    button = page.locator(f"{selector}:visible").first
    expect(button).to_be_visible()
    return button


def in_viewport(page: Page, locator: Locator) -> bool:
    return locator.evaluate(
        "e => { const r = e.getBoundingClientRect();"
        " return r.height > 0 && r.top >= -1 && r.bottom <= window.innerHeight + 1"
        " && r.left >= -1 && r.right <= document.documentElement.clientWidth + 1; }"
    )


def scroll_to_bottom(page: Page) -> None:
    page.evaluate("window.scrollTo(0, document.scrollingElement.scrollHeight)")
    page.wait_for_function(
        "Math.abs(window.scrollY - (document.scrollingElement.scrollHeight - window.innerHeight)) <= 2"
    )


def two(open_as: Open, phase: str) -> tuple[Board, Page, Page]:
    board = seed_board(phase=phase)
    return board, open_as(board, board.leader, SIZE), open_as(board, board.member, SIZE)


def test_phase_change_shows_a_notice_to_a_member_wherever_they_are(open_as: Open) -> None:
    _, leader, member = two(open_as, "gather")
    on_a_clock_of_its_own(member)
    expect(member.locator("#notices .notice")).to_have_count(0)
    scroll_to_bottom(member)

    facilitator_control(leader, "phase.set", phase="vote").click()
    phase_is(member, "vote")
    notice = member.locator("#notices .notice.notice-info").filter(has_text=re.compile(r"vot", re.IGNORECASE))
    expect(notice).to_have_count(1)
    expect(notice).to_be_visible()
    assert in_viewport(member, notice), "the notice is off screen for a member scrolled down"
    # Auto-dismissed after some seconds (not left to pile up).
    member.clock.fast_forward(NOTICE_LIFETIME)
    expect(notice).to_have_count(0)


def test_confidence_prompt_stays_until_the_member_answers(open_as: Open) -> None:
    board, leader, member = two(open_as, "plan")
    on_a_clock_of_its_own(member)
    expect(member.locator(".confidence-prompt")).to_be_hidden()  # the seeded check is closed

    facilitator_control(leader, "confidence.open").click()
    prompt = member.locator(".confidence-prompt")
    expect(prompt).to_be_visible()
    opened = member.locator("#notices .notice.notice-info").filter(has_text=re.compile(r"confidence", re.I))
    expect(opened).to_have_count(1)
    # Fixed: in view wherever the member has scrolled, and still there once the notice has gone.
    scroll_to_bottom(member)
    assert in_viewport(member, prompt), "the confidence prompt is off screen when scrolled down"
    member.clock.fast_forward(NOTICE_LIFETIME)
    expect(opened).to_have_count(0)
    expect(prompt).to_be_visible()
    # And after a reload: it is the open check, not a transient message.
    member.reload()
    expect(member.locator("#board-root.live")).to_be_attached(timeout=CONNECT_TIMEOUT)
    expect(prompt).to_be_visible()

    scores = prompt.locator("button[data-action='confidence.answer'][data-score]")
    expect(scores).to_have_count(6)
    prompt.locator("button[data-action='confidence.answer'][data-score='4']").click()
    expect(prompt).to_be_hidden()
    # The answer went to the open check (the second one: the seeded board closed the first).
    open_check = ConfidenceCheck.objects.filter(workshop_id=board.workshop_id).latest("id")
    assert open_check.closed_at is None
    answers = ConfidenceAnswer.objects.filter(confidence=open_check, member_id=board.member.member_id)
    assert list(answers.values_list("score", flat=True)) == [4]


def test_reveal_ranks_items_by_dots_most_first(open_as: Open) -> None:
    board, leader, member = two(open_as, "vote")
    facilitator_control(leader, "phase.set", phase="plan").click()
    for page in (member, leader):
        phase_is(page, "plan")
        ranking = page.locator("section.results ol.ranking li[data-item-id]")
        expect(ranking.first).to_be_visible()
        assert ranking.count() >= len(RANKING)
        ids = [int(i) for i in ranking.evaluate_all("lis => lis.map(li => li.dataset.itemId)")]
        assert ids[: len(RANKING)] == [board.items[title] for title, _ in RANKING], ids
        for rank, (title, _) in enumerate(RANKING[:3], start=1):
            top = page.locator(f"#board-root .item.top[data-rank='{rank}']")
            expect(top).to_have_count(1)
            expect(top).to_have_attribute("data-item-id", str(board.items[title]))
        expect(page.locator("#board-root .item.top")).to_have_count(3)
        # The tallies themselves, on the cards.
        for title, dots in RANKING:
            card = page.locator(f"#board-root .item[data-item-id='{board.items[title]}'] .votes")
            expect(card).to_contain_text(str(dots))


def test_walk_through_marks_the_same_item_on_the_members_board(open_as: Open) -> None:
    board, leader, member = two(open_as, "plan")
    facilitator_control(leader, "walk.start").click()
    for step, (title, _) in enumerate(RANKING[:2]):
        if step:
            facilitator_control(leader, "walk.next").click()
        focused = member.locator("#board-root .item.walk-focus")
        expect(focused).to_have_count(1)
        expect(focused).to_have_attribute("data-item-id", str(board.items[title]))
        expect(focused).to_be_in_viewport()
        expect(member.locator(".walk-banner")).to_contain_text(title)
        expect(member.locator(".walk-banner")).to_contain_text(re.compile(rf"(?<!\d){step + 1} of \d+"))
        expect(leader.locator("#board-root .item.walk-focus")).to_have_attribute(
            "data-item-id", str(board.items[title])
        )
    facilitator_control(leader, "walk.end").click()
    expect(member.locator("#board-root .item.walk-focus")).to_have_count(0)


def test_agreeing_shows_a_summary_first(open_as: Open) -> None:
    board, leader, member = two(open_as, "plan")
    facilitator_control(leader, "phase.set", phase="agreed").click()
    summary = leader.locator("dialog.confirm.agree-summary")
    expect(summary).to_be_visible()
    # The figures the issue names: accepted items (4), owners (2 people), ready count, confidence (3.67).
    expect(summary).to_contain_text(re.compile(rf"(?<!\d){len(ACCEPTED)}(?!\d)"))
    expect(summary).to_contain_text(re.compile(r"ready", re.IGNORECASE))
    expect(summary).to_contain_text("3.67")
    # Nothing is sent before the leader confirms.
    phase_is(member, "plan")
    assert Workshop.objects.get(pk=board.workshop_id).phase == "plan"

    summary.locator("button[value=yes]").click()
    for page in (leader, member):
        phase_is(page, "agreed")
        expect(page.locator(".agreed-banner[data-plan-version='1']")).to_be_visible()
    assert Workshop.objects.get(pk=board.workshop_id).phase == "agreed"


def test_agree_summary_names_the_accepted_items_and_their_owners(open_as: Open) -> None:
    """What is about to be frozen, by name: the accepted items and who owns them, not only counts."""
    _, leader, _ = two(open_as, "plan")
    facilitator_control(leader, "phase.set", phase="agreed").click()
    summary = leader.locator("dialog.confirm.agree-summary")
    expect(summary).to_be_visible()
    for title, owner in ACCEPTED:
        expect(summary).to_contain_text(title)
        expect(summary).to_contain_text(owner)
    expect(summary).not_to_contain_text(DROPPED)


@pytest.mark.parametrize("who", ["member", "observer"])
def test_everyone_downloads_the_agreed_plan(open_as: Open, who: str) -> None:
    board = seed_board(phase="agreed")
    page = open_as(board, board.member if who == "member" else board.observer, SIZE)
    phase_is(page, "agreed")
    for name, content_type, starts in (
        ("plan.pdf", "application/pdf", b"%PDF"),
        ("plan.md", "text/markdown", b"#"),
        ("plan.csv", "text/csv", b""),
    ):
        link = page.locator(f"a[href*='/export/{name}']:visible").first
        expect(link).to_be_visible(timeout=TIMEOUT)
        href = link.get_attribute("href")
        assert href
        response = page.request.get(urljoin(page.url, href))
        assert response.status == 200, f"{who} got {response.status} for {href}"
        assert response.headers["content-type"].startswith(content_type), response.headers
        assert response.body().startswith(starts)
        assert len(response.body()) > 100, f"{name} is nearly empty"


def test_reopening_says_the_agreed_version_stays(open_as: Open) -> None:
    board, leader, member = two(open_as, "agreed")
    facilitator_control(leader, "phase.set", phase="plan").click()
    dialog = leader.locator("dialog.confirm.reopen")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text(re.compile(r"version 1\b", re.IGNORECASE))
    phase_is(member, "agreed")  # nothing sent yet
    dialog.locator("button[value=yes]").click()
    for page in (leader, member):
        phase_is(page, "plan")
    assert Workshop.objects.get(pk=board.workshop_id).phase == "plan"
