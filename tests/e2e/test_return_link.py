"""Members come back from any device (issue 13): a return link from the laptop, progress from the phone.

A guest (Mia) on her laptop makes her return link on "My commitments"; her phone, a fresh browser
at 390x844 with touch, opens it, lands on the board as Mia, goes to her commitments and taps
"Blocked" with a note. The leader's board, open all along in a third browser, hears of it live
(its card turns "blocked" without a reload) and its state says so.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from . import boards
from .boards import ACCEPTED, MIA, Open, seed_board
from .pages import CONNECT_TIMEOUT, open_page, seq, wait_for_seq, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

open_as = boards.open_as  # the fixture

NOTE = "Waiting for the export format from finance"


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_a_guest_opens_her_link_on_a_phone_and_reports_progress_the_leader_sees(
    open_as: Open, browser: Browser, live_server: str
):
    board = seed_board(phase="agreed")
    item = board.items[next(title for title, owner in ACCEPTED if owner == MIA)]
    leader = open_as(board, board.leader, "1440x900")
    laptop = open_as(board, board.member, "1440x900")

    laptop.goto(f"{live_server}/w/{board.workshop_id}/mine/")
    laptop.locator(".phone-card:not(.calendar-card) button[name=action][value=create]").click()
    link = laptop.locator("#return-link")
    expect(link).to_have_value(re.compile(rf"^{re.escape(live_server)}/back/[A-Za-z0-9_-]{{43}}/$"))
    expect(laptop.locator(".return-qr svg")).to_be_visible()
    url = link.input_value()

    errors: list[str] = []
    phone_context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    try:
        phone = open_page(phone_context, errors)
        phone.goto(url)
        phone.wait_for_url(f"{live_server}/w/{board.workshop_id}/", timeout=CONNECT_TIMEOUT)
        wait_live(phone)
        assert phone.locator("#board-root").get_attribute("data-member-id") == str(board.member.member_id)

        phone.goto(f"{live_server}/w/{board.workshop_id}/mine/")
        commitment = phone.locator(f'[data-commitment="{item}"]')
        expect(commitment).to_have_attribute("data-progress", "none")
        assert no_sideways_scroll(phone)
        before = seq(leader)
        commitment.locator("textarea[name=note]").fill(NOTE)
        commitment.locator('button[name="state"][value="blocked"]').tap()

        phone.wait_for_url(f"{live_server}/w/{board.workshop_id}/mine/")
        commitment = phone.locator(f'[data-commitment="{item}"]')
        expect(commitment).to_have_attribute("data-progress", "blocked")
        expect(commitment).to_contain_text(NOTE)
        assert no_sideways_scroll(phone)
    finally:
        phone_context.close()
    assert not errors, errors

    # Live on the leader's board: the item.progress event arrives without a reload.
    wait_for_seq(leader, before + 1)
    card = leader.locator(f'.item[data-item="{item}"]')
    expect(card).to_have_attribute("data-progress", "blocked")
    expect(card).to_contain_text(NOTE)
    state = leader.request.get(f"{live_server}/api/w/{board.workshop_id}/state").json()
    progress = next(entry for entry in state["items"] if entry["id"] == item)["progress"]
    assert progress["state"] == "blocked"
    assert progress["note"] == NOTE
    assert progress["by"] == board.member.member_id
