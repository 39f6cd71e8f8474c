"""The agenda in the room (issue 22, protocol §8): every screen shows the current step, its
instructions, its time left and what comes next; the facilitator moves the room on in one click.

The agenda is seeded before the pages open (ops from the test process do not reach the browsers on
SQLite); every live change after that is made through the facilitator's page.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from goals.models import Workshop

from . import boards
from .boards import Open, seed_board, seed_progress
from .test_team_of_four import CARD, DESKTOP, FIRST_TITLE_WITHIN, LAPTOP, PHONE, in_thread, rect, to_top

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

open_as = boards.open_as  # the fixture

LONG_INSTRUCTIONS = (
    "Everyone writes on their own first: one idea per card, as many cards as you like. "
    "Think of what a new customer trips over in their first week, what support hears most, "
    "and what we promised and never shipped. Say it in a few words; the notes can hold the rest. "
    "When the timer ends we read them out, lane by lane, and stack the duplicates."
)
AGENDA = [
    {"title": "Ideas, alone", "phase": "gather", "minutes": 8, "instructions": LONG_INSTRUCTIONS},
    {"title": "Dot the ideas", "phase": "vote", "minutes": 10, "instructions": "Five dots each. Vote alone."},
    {"title": "Who does what", "phase": "plan", "minutes": None, "instructions": "Claim what you will do."},
]


def seed_agenda(board, agenda=AGENDA, step: int | None = None) -> None:
    """Arranged on the row, off Playwright's thread (as boards.seed_board's ops are)."""
    in_thread(lambda: Workshop.objects.filter(pk=board.workshop_id).update(agenda=agenda, agenda_step=step))


def strip(page: Page):
    return page.locator("#board-root .agenda-strip")


def test_a_member_on_a_phone_follows_the_facilitators_steps_live(open_as: Open) -> None:
    board = seed_board(phase="gather")
    seed_agenda(board)
    leader = open_as(board, board.leader, DESKTOP)
    member = open_as(board, board.member, PHONE)

    expect(strip(member)).to_have_count(0)  # no step yet: nothing for a member
    leader.locator("button[data-action='agenda.step']", has_text="Start the agenda").click()

    head = strip(member).locator(".agenda-head")
    expect(head.locator(".agenda-title")).to_have_text("Ideas, alone")
    expect(head.locator(".agenda-next")).to_have_text("Next: Dot the ideas · 10 min")
    expect(head.locator(".timer-remaining")).to_have_text(re.compile(r"^0[78]:\d\d$"))
    instructions = strip(member).locator(".agenda-instructions")
    expect(instructions).to_contain_text("one idea per card")
    folded = instructions.evaluate("e => e.getBoundingClientRect().height")
    strip(member).locator("button[data-action='agenda.more']").click()
    expect(strip(member).locator("button[data-action='agenda.more']")).to_have_attribute("aria-expanded", "true")
    assert instructions.evaluate("e => e.getBoundingClientRect().height") > folded, "More unfolds the instructions"
    expect(member.locator(".agenda-strip button[data-action='agenda.step']")).to_have_count(0)

    leader.locator(".agenda-strip button[data-action='agenda.step']", has_text="Next step ›").click()
    expect(head.locator(".agenda-title")).to_have_text("Dot the ideas")
    expect(head.locator(".agenda-next")).to_have_text("Next: Who does what · no time box")
    expect(head.locator(".timer-remaining")).to_have_text(re.compile(r"^(10:00|09:\d\d)$"))
    expect(strip(member).locator(".agenda-instructions")).to_have_text(re.compile("Five dots each"))
    expect(member.locator("#board-root")).to_have_attribute("data-phase", "vote")
    expect(member.locator(".notice", has_text="Step 2 of 3: Dot the ideas")).to_be_visible()

    leader.locator(".agenda-strip button[data-action='agenda.step']", has_text="Next step ›").click()
    expect(head.locator(".agenda-title")).to_have_text("Who does what")
    expect(head.locator(".agenda-next")).to_have_text("Last step")
    expect(head.locator(".timer")).to_have_count(0)  # no time box: the timer stopped
    expect(member.locator("#board-root")).to_have_attribute("data-phase", "plan")

    leader.locator(".agenda-strip button[data-action='agenda.step']", has_text="‹ Back").click()
    expect(head.locator(".agenda-title")).to_have_text("Dot the ideas")

    # The Tools tab lists the steps, the current one marked.
    tools = leader.locator("button[data-side-tab='tools']")
    tools.click()
    current = leader.locator(".agenda-tool .agenda-item[aria-current='step']")
    expect(current).to_contain_text("Dot the ideas")


@pytest.mark.parametrize("size", [DESKTOP, LAPTOP, PHONE])
def test_with_a_step_current_the_first_card_still_comes_up_front(open_as: Open, size: str) -> None:
    """Issue 21's targets hold with the agenda on screen (test_team_of_four.py's measures), but for
    the phone's first card: the step's title and one line of its instructions stay in the sticky
    top, and the card starts within 65% of the screen instead of 60% (docs/decisions.md)."""
    board = seed_board(phase="agreed")
    seed_progress(board)
    seed_agenda(
        board, [*AGENDA, {"title": "Agree", "phase": "agreed", "minutes": 5, "instructions": LONG_INSTRUCTIONS}], 3
    )
    page = open_as(board, board.member if size == PHONE else board.leader, size)
    expect(page.locator(CARD)).to_have_count(15)
    expect(strip(page).locator(".agenda-title")).to_have_text("Agree")
    to_top(page)
    height = page.viewport_size["height"]
    title = rect(page.locator(f"{CARD}:visible .item-title").first)
    within = {**FIRST_TITLE_WITHIN, PHONE: 0.65}[size]
    assert title["top"] <= within * height, f"the first card's title starts at y={title['top']:.0f} of {height}"
    if size == PHONE:
        top = rect(page.locator("#board-root .board-top"))
        assert top["height"] <= 0.20 * height, f"the phone's sticky header is {top['height']:.0f} px"
