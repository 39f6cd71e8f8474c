"""Who you are (issue 21, item 7): a guest sees their name in the header on a phone and a laptop,
renames themselves from it, and the others see the new name live; the same menu gives the return
link with its QR code."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from . import boards
from .boards import MIA, Open, seed_board
from .pages import person, seq, wait_for_seq

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

open_as = boards.open_as  # the fixture

NEW_NAME = "Mia O. (design)"


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def inside_the_viewport(page: Page, selector: str) -> bool:
    return page.evaluate(
        """(selector) => {
            const box = document.querySelector(selector).getBoundingClientRect();
            return box.left >= 0 && box.right <= document.documentElement.clientWidth;
        }""",
        selector,
    )


@pytest.mark.parametrize("size", ["390x844", "1440x900"])
def test_a_guest_sees_their_name_renames_and_the_room_sees_it_live(open_as: Open, size: str):
    board = seed_board()
    leader = open_as(board, board.leader, "1440x900")
    mia = open_as(board, board.member, size)

    identity = mia.locator("header #identity")
    summary = identity.locator("summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text(MIA)
    expect(summary).to_contain_text("· guest")
    expect(mia.locator("header").get_by_role("link", name="Sign up")).to_have_count(0)

    summary.click()
    expect(identity.get_by_role("button", name="Change my name")).to_be_visible()
    expect(identity.get_by_role("button", name="Get my return link")).to_be_visible()
    expect(identity.get_by_role("link", name=re.compile("Create an account"))).to_be_visible()
    expect(identity.get_by_role("link", name="Log in")).to_be_visible()
    assert inside_the_viewport(mia, "#identity .identity-menu")
    assert no_sideways_scroll(mia)

    # Escape closes the menu and gives the focus back to it.
    mia.keyboard.press("Escape")
    expect(identity).not_to_have_attribute("open", "")
    expect(summary).to_be_focused()
    mia.keyboard.press("Enter")
    expect(identity).to_have_attribute("open", "")

    identity.get_by_role("button", name="Change my name").click()
    dialog = mia.get_by_role("dialog", name="Change my name")
    expect(dialog).to_be_visible()
    field = dialog.get_by_label("Your name in this workshop")
    expect(field).to_have_value(MIA)
    before = seq(leader)
    field.fill(NEW_NAME)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()

    expect(summary).to_contain_text(NEW_NAME)
    expect(summary).to_be_focused()
    wait_for_seq(leader, before + 1)
    expect(person(leader, NEW_NAME)).to_have_count(1)
    expect(person(leader, MIA)).to_have_count(0)
    assert no_sideways_scroll(mia)


def test_a_name_out_of_range_is_refused_in_the_dialog(open_as: Open):
    board = seed_board()
    mia = open_as(board, board.member, "1440x900")
    mia.locator("#identity summary").click()
    mia.get_by_role("button", name="Change my name").click()
    dialog = mia.get_by_role("dialog", name="Change my name")
    dialog.get_by_label("Your name in this workshop").fill("   ")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_contain_text("1–40 characters")
    expect(dialog).to_be_visible()


def test_the_return_link_from_the_menu_comes_with_a_qr_code(open_as: Open, live_server: str):
    board = seed_board()
    mia = open_as(board, board.member, "390x844")
    mia.locator("#identity summary").click()
    mia.get_by_role("button", name="Get my return link").click()
    dialog = mia.get_by_role("dialog", name="Your return link")
    dialog.get_by_role("button", name="Make my return link").click()
    url = dialog.get_by_label("Your link")
    expect(url).to_have_value(re.compile(rf"^{re.escape(live_server)}/back/[A-Za-z0-9_-]{{43}}/$"))
    qr = dialog.get_by_role("img", name="QR code of your return link")
    expect(qr).to_be_visible()
    # Drawn, so the CSP let the data: URI through.
    assert qr.evaluate("(img) => img.complete && img.naturalWidth > 0")
    expect(dialog.get_by_role("button", name="Copy link")).to_be_visible()
    assert inside_the_viewport(mia, "dialog.identity-link")
