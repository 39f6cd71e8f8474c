"""The facilitator's framework end to end (issue 22): a facilitator builds a template in the editor,
starts a workshop from it for a client, steps the agenda while a member follows on a phone, and
a colleague who shares the client finds the plan on their portfolio and opens it as a facilitator.
Each person is a browser context of their own; every change is made through the pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from .boards import SIZES, is_phone
from .pages import join, open_page, sign_up, unique, wait_live

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STEPS = (
    ("Write cards in silence", "gather", "8", "Each on your own: one card per outcome, no talking yet."),
    ("Dot the cards", "vote", "5", "Three dots each; put them where the goal moves most."),
)


def person(browser: Browser, size: str, errors: list[str]) -> Page:
    width, height = SIZES[size]
    phone = is_phone(size)
    context = browser.new_context(viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone)
    return open_page(context, errors)


def api(page: Page, method: str, path: str, body: dict) -> dict:
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.fetch(path, method=method, data=body, headers={"X-CSRFToken": token})
    assert response.ok, (path, response.status, response.text())
    return response.json()


def test_a_template_becomes_a_workshop_whose_agenda_a_phone_follows_and_a_colleague_sees(
    browser: Browser, live_server: str
) -> None:
    errors: list[str] = []
    facilitator, colleague = person(browser, "1440x900", errors), person(browser, "1440x900", errors)
    phone = person(browser, "390x844", errors)
    colleague_name = unique("col")
    sign_up(colleague, live_server, colleague_name)
    sign_up(facilitator, live_server, unique("fac"))

    # A client the two share (the portfolio's API, as the page's own script uses it).
    facilitator.goto(f"{live_server}/portfolio/")
    client = api(facilitator, "POST", f"{live_server}/api/clients", {"name": "Northwind"})
    api(facilitator, "POST", f"{live_server}/api/clients/{client['id']}/colleagues", {"username": colleague_name})

    # The template, built in the editor: a lane of its own and a timed agenda.
    facilitator.goto(f"{live_server}/templates/new/")
    facilitator.get_by_label("Name", exact=True).fill("Northwind weekly")
    facilitator.get_by_role("button", name="Add a lane").click()
    facilitator.get_by_label("Lane 4").fill("Parked")
    for title, phase, minutes, instructions in STEPS:
        facilitator.get_by_role("button", name="Add a step").click()
        step = facilitator.locator(".agenda-row").last
        step.get_by_label("Title").fill(title)
        step.get_by_label("Phase").select_option(phase)
        step.get_by_label("Minutes").fill(minutes)
        step.get_by_label("Instructions").fill(instructions)
    facilitator.get_by_role("button", name="Save template").click()
    facilitator.wait_for_url("**/templates/#t-*")

    # Started from it, for the client: the library comes first on the new workshop page.
    facilitator.goto(f"{live_server}/workshops/new/")
    card = facilitator.locator(".template-card", has=facilitator.get_by_role("heading", name="Northwind weekly"))
    card.get_by_role("link", name="Use this").click()
    facilitator.get_by_label("Goal").fill("Ship the Northwind onboarding")
    facilitator.get_by_label("For a client").select_option(label="Northwind")
    facilitator.get_by_role("button", name="Open the workshop").click()
    wait_live(facilitator)
    lanes = facilitator.locator("#board-root .lane .lane-name")
    expect(lanes).to_have_text(["Now", "Next", "Later", "Parked"])
    invite = facilitator.locator("#board-root").get_attribute("data-invite-url")
    assert invite

    # A member follows on a phone while the facilitator steps the agenda.
    join(phone, invite, "Mia Okafor")
    wait_live(phone)
    facilitator.locator(".agenda-strip button[data-action='agenda.step']", has_text="Start the agenda").click()
    strip = phone.locator("#board-root .agenda-strip")
    expect(strip.locator(".agenda-title")).to_have_text(STEPS[0][0])
    expect(strip.locator(".agenda-instructions")).to_contain_text(STEPS[0][3])
    expect(strip.locator(".agenda-next")).to_contain_text(f"Next: {STEPS[1][0]} · {STEPS[1][2]} min")
    expect(strip.locator(".timer-remaining")).to_have_text(re.compile(r"^0?[78]:\d\d$"))
    facilitator.locator(".agenda-strip button", has_text="Next step").click()
    expect(strip.locator(".agenda-title")).to_have_text(STEPS[1][0])
    expect(phone.locator("#board-root")).to_have_attribute("data-phase", "vote")
    expect(strip.locator(".agenda-next")).to_have_text("Last step")

    # The colleague finds it on their portfolio, under the client, and opens it as a facilitator.
    colleague.goto(f"{live_server}/portfolio/")
    plan = colleague.get_by_role("link", name="Ship the Northwind onboarding")
    expect(plan).to_be_visible()
    plan.click()
    wait_live(colleague)
    expect(colleague.locator("#board-root")).to_have_attribute("data-role", "facilitator")
    expect(colleague.locator("#board-root .agenda-strip .agenda-title")).to_have_text(STEPS[1][0])
    assert not errors, errors
    for page in (facilitator, colleague, phone):
        page.context.close()
