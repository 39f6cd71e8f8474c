"""Markup and script typed into the board show as text in the live client, and never run.

A leader opens a workshop whose goal, why and success criteria are markup; a guest joins under
a name that is markup and adds items whose titles and notes are markup; a lane is renamed to
markup. Every payload, if it ever became HTML, would set `window.__pwned` or open a dialog.
Both browsers must show each payload as its literal text (the client builds the DOM from text
nodes and attribute values, docs/client.md), with no element made from it; and so must a
reload, and a browser with JavaScript off reading the server-rendered page.
tests/planning/test_hostile_text.py holds the server's pages and the exports to the same rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from .pages import (
    CONNECT_TIMEOUT,
    add_item,
    create_workshop,
    invite_url,
    item,
    join,
    lane,
    open_editor,
    open_page,
    person,
    rename_lane,
    sign_up,
    unique,
    wait_live,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PWN = "window.__pwned=1"
GOAL = f"<script>{PWN}</script>Ship it"
WHY = f'"><img src=x onerror="{PWN}">why'
CRITERIA = (f'\'><svg onload="{PWN}">', f'<a href="javascript:{PWN}">click</a>')
NAME = "<img src=x onerror=alert(1)>"  # 28 of the 40 characters a name may have
LANE = f"<iframe srcdoc='<script>parent.{PWN}</script>'>"
ITEMS = {
    f"<script>{PWN}</script>": f"</textarea><script>{PWN}</script>",
    f'"><img src=x onerror="{PWN}">': "javascript:alert(1)",
    "=cmd|' /C calc'!A0": "<b>bold</b> &amp; &lt;",
}
EVERY_PAYLOAD = [GOAL, WHY, *CRITERIA, NAME, LANE, *ITEMS, *ITEMS.values()]
# Elements no typed text may become (the client's own markup has none of them on the board).
FOREIGN_ELEMENTS = (
    "#board-root img:not(.invite-qr img), #board-root svg, #board-root iframe, #board-root script,"
    " #board-root a[href^='javascript']"
)

NewPage = Callable[[], Page]


@pytest.fixture
def people(browser: Browser) -> Iterator[tuple[NewPage, list[str], list[str]]]:
    """New pages (a person each), the script errors and the dialogs seen on any of them."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []
    dialogs: list[str] = []

    def open_person() -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = open_page(context, errors)
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
        return page

    yield open_person, errors, dialogs
    for context in contexts:
        context.close()


def shows_everything_as_text(page: Page, *, who: str) -> None:
    body = page.locator("body")
    for payload in EVERY_PAYLOAD:
        expect(body).to_contain_text(payload)
    expect(page.locator(FOREIGN_ELEMENTS)).to_have_count(0)
    assert page.evaluate("window.__pwned") is None, f"a payload ran in the {who}'s page"


def test_markup_typed_anywhere_shows_as_text_and_never_runs(people, live_server: str, browser: Browser) -> None:
    new_page, errors, dialogs = people
    leader = new_page()
    sign_up(leader, live_server, unique("lead"))
    create_workshop(leader, live_server, GOAL, WHY, CRITERIA)
    expect(leader.locator("#goal-title")).to_have_text(GOAL)
    assert GOAL in leader.title()

    guest = new_page()
    join(guest, invite_url(leader), NAME)
    expect(person(leader, NAME)).to_be_visible()
    rename_lane(leader, "Now", LANE)
    expect(lane(guest, LANE)).to_be_visible()

    for title, notes in ITEMS.items():
        add_item(guest, LANE, title)
        editor = open_editor(guest, title)
        expect(editor.locator("[name=title]")).to_have_value(title)
        editor.locator("[name=notes]").fill(notes)
        editor.locator("button[type=submit]").click()
        expect(item(guest, title).locator(".notes")).to_have_text(notes)
        expect(item(leader, title).locator(".notes")).to_have_text(notes)
        expect(item(leader, title).locator(".item-title")).to_have_text(title)

    # An editor opened on a hostile item holds it as the fields' values.
    first = next(iter(ITEMS))
    editor = open_editor(leader, first)
    expect(editor.locator("[name=notes]")).to_have_value(ITEMS[first])
    editor.locator("button[data-action='item.edit.cancel']").click()
    expect(editor).to_have_count(0)

    shows_everything_as_text(leader, who="leader")
    shows_everything_as_text(guest, who="guest")

    # The page as the server renders it, then drawn again by the client.
    guest.reload()
    wait_live(guest)
    shows_everything_as_text(guest, who="guest, after a reload")

    # With JavaScript off, the server's HTML alone, parsed by the browser.
    static = browser.new_context(storage_state=leader.context.storage_state(), java_script_enabled=False)
    try:
        page = static.new_page()
        page.goto(leader.url, timeout=CONNECT_TIMEOUT)
        body = page.locator("body")
        for payload in [GOAL, WHY, *CRITERIA, NAME, LANE, *ITEMS]:
            expect(body).to_contain_text(payload)
        expect(page.locator(FOREIGN_ELEMENTS)).to_have_count(0)
    finally:
        static.close()

    assert dialogs == [], f"a payload opened a dialog: {dialogs}"
    assert errors == [], f"script errors in the page: {errors}"
