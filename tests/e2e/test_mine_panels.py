"""The mail and calendar panels of "My commitments" on a phone (issue 23): geometry, not pixels.

Mia, a guest, on a 390x844 touch screen: her address set and not yet confirmed (every button the
mail panel has), then a calendar feed made (the calendar panel's link, Copy and Turn off). In each
state the page does not scroll sideways, every button and link-button of the panels is at least
44px tall, each of the mail panel's checkboxes sits in a row at least as tall, and the panels are
as wide as the cards of her commitments.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from goals.models import Member
from mail.addresses import address_set

from . import boards
from .boards import Open, seed_board

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

open_as = boards.open_as  # the fixture

TAP = 44  # px: the smallest tap target on a phone
# A long address: it must wrap, not widen the page.
EMAIL = "mia.okafor.from.the.onboarding.team@example.org"
PANELS = "[data-mail-panel], [data-calendar]"

MEASURE = """(panels) => {
  const box = (el) => { const r = el.getBoundingClientRect(); return { left: r.left, width: r.width }; };
  const tall = (selector) => [...document.querySelectorAll(selector)]
    .filter((el) => el.getClientRects().length)
    .map((el) => ({
      what: `${el.tagName.toLowerCase()} "${el.textContent.trim()}"`,
      height: el.getBoundingClientRect().height,
    }));
  const root = document.documentElement;
  return {
    scrollWidth: root.scrollWidth,
    clientWidth: root.clientWidth,
    commitments: [...document.querySelectorAll(".commitment")].map(box),
    panels: [...document.querySelectorAll(panels)].map(box),
    buttons: tall(panels.split(", ").map((p) => `${p} button, ${p} a.button`).join(", ")),
    checks: tall("[data-mail-panel] label.check"),
  };
}"""


def measure(page: Page) -> dict[str, Any]:
    return page.evaluate(MEASURE, PANELS)


def assert_fits_a_phone(page: Page, state: str) -> None:
    found = measure(page)
    assert found["scrollWidth"] <= found["clientWidth"], f"{state}: the page scrolls sideways ({found})"
    assert found["commitments"], f"{state}: no commitments measured"
    assert len(found["panels"]) == 2, f"{state}: {found['panels']}"
    card = found["commitments"][0]
    for panel in found["panels"]:
        assert abs(panel["width"] - card["width"]) < 1, f"{state}: a panel {panel} is not as wide as a card {card}"
        assert abs(panel["left"] - card["left"]) < 1, f"{state}: a panel {panel} is not in line with a card {card}"
    assert found["buttons"], f"{state}: no buttons measured"
    short = [button for button in found["buttons"] + found["checks"] if button["height"] < TAP]
    assert not short, f"{state}: tap targets under {TAP}px: {short}"


def test_the_panels_fit_a_phone(open_as: Open) -> None:
    board = seed_board(phase="agreed")
    member = Member.objects.get(pk=board.member.member_id)
    address_set(member=member, email=EMAIL)
    phone = open_as(board, board.member, "390x844")
    mine = f"{phone.url}mine/"

    phone.goto(mine)
    expect(phone.locator("[data-mail-panel] [data-address-state=unconfirmed]")).to_be_visible()
    expect(phone.locator("[data-mail-panel] button")).to_have_count(4)  # change, resend, remove, save
    assert_fits_a_phone(phone, "address unconfirmed")

    phone.locator("[data-calendar] button[value=create]").tap()
    expect(phone.locator("#calendar-link")).to_be_visible()
    expect(phone.locator("[data-calendar] button[data-copy]")).to_be_visible()  # shown by mine.js
    expect(phone.locator("[data-calendar] a.button")).to_be_visible()
    assert_fits_a_phone(phone, "calendar feed made")
