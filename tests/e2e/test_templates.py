"""A facilitator builds a template in the editor (issue 22): a lane and an agenda step added, a bad
minute refused beside its input, the fix saved, and the library showing it; axe-core checks the
library and the editor (with its errors) at a laptop's and a phone's size."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from .boards import SIZES, is_phone
from .pages import open_page, sign_up, unique
from .test_accessibility import Audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("size", ["1440x900", "390x844"])
def test_a_facilitator_builds_a_template(browser: Browser, live_server: str, size: str) -> None:
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=is_phone(size))
    errors: list[str] = []
    page = open_page(context, errors)
    audit = Audit(size)
    try:
        sign_up(page, live_server, unique("fac"))
        page.goto(f"{live_server}/templates/")
        expect(page.get_by_role("heading", name="Scrum sprint planning")).to_be_visible()
        page.locator("#t-builtin-okr summary").click()
        expect(page.locator("#t-builtin-okr .agenda-preview li").first).to_be_visible()
        audit.check(page, "library")

        page.get_by_role("link", name="New template").click()
        page.get_by_label("Name", exact=True).fill("Our weekly plan")
        page.get_by_role("button", name="Add a lane").click()
        expect(page.get_by_label("Lane 4")).to_be_focused()
        page.get_by_label("Lane 4").fill("Parked")
        page.get_by_role("button", name="Add a step").click()
        step = page.locator(".agenda-row").first
        step.get_by_label("Title").fill("Write cards in silence")
        step.get_by_label("Phase").select_option("gather")
        step.get_by_label("Minutes").fill("0")
        step.get_by_label("Instructions").fill("Each on your own, one card per outcome.")
        page.get_by_role("button", name="Save template").click()

        minutes = step.get_by_label("Minutes")
        expect(minutes).to_have_attribute("aria-invalid", "true")
        expect(step.locator(".field-error")).to_contain_text("between 1 and 180")
        expect(minutes).to_be_focused()
        audit.check(page, "editor with a refusal")

        minutes.fill("12")
        page.get_by_role("button", name="Save template").click()
        page.wait_for_url("**/templates/#t-*")
        card = page.locator(".template-card", has=page.get_by_role("heading", name="Our weekly plan"))
        expect(card.locator(".lane-chips li")).to_have_text(["Now", "Next", "Later", "Parked"])
        card.locator("summary").click()
        expect(card.locator(".agenda-preview")).to_contain_text("Write cards in silence")
        expect(card.locator(".agenda-preview")).to_contain_text("12 min")
        assert not audit.found, audit.report()
        assert not errors, errors
    finally:
        context.close()
