"""Page objects for the storyboard: what a person does, as the browser client offers it.

Selectors are the client's hooks for tests (docs/client.md): items are `[data-item-id]` inside
`[data-lane-id]`, with `.item-title`, `.owners` and `.votes`; `#board-root[data-phase]`;
`#connection-status[data-state]`; `body[data-seq]`, the applied seq after every render. Controls
are found by their `data-action` / `data-form` attributes.

Waiting is done with Playwright's auto-waiting `expect`, never with sleeps; `wait_for_seq` waits on
`body[data-seq]` with a pattern that matches any seq at least as large as the one asked for.
"""

from __future__ import annotations

import contextlib
import itertools
import re
from collections.abc import Callable
from urllib.parse import urlparse

from playwright.sync_api import BrowserContext, Locator, Page, expect

PASSWORD = "a-long-password-1"
TIMEOUT = 5_000  # ms: a change made in one browser shows in another well within this
CONNECT_TIMEOUT = 10_000  # ms: a page load, its socket and the first snapshot

_names = itertools.count(1)


def unique(prefix: str) -> str:
    return f"{prefix}{next(_names)}"


def exactly(text: str) -> re.Pattern[str]:
    """A pattern for `has_text` that matches the whole (trimmed) text, not a substring."""
    return re.compile(rf"^\s*{re.escape(text)}\s*$")


def at_least(n: int) -> re.Pattern[str]:
    """A pattern matching the decimal numbers >= n (for `to_have_attribute("data-seq", ...)`)."""
    digits = str(n)
    options = [rf"[1-9]\d{{{len(digits)},}}", re.escape(digits)]  # longer numbers; n itself
    for i, digit in enumerate(digits):
        if digit != "9":
            rest = len(digits) - i - 1
            options.append(rf"{digits[:i]}[{int(digit) + 1}-9]\d{{{rest}}}")
    return re.compile(rf"^(?:{'|'.join(options)})$")


# --- browsers ----------------------------------------------------------------------------------


def open_page(context: BrowserContext, errors: list[str]) -> Page:
    """A page whose uncaught script errors are collected in `errors`."""
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    return page


# --- accounts and workshops ------------------------------------------------------------------------


def sign_up(page: Page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/accounts/signup/")
    form = page.locator("main form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password1]").fill(password)
    form.locator("input[name=password2]").fill(password)
    form.locator("button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/accounts/signup/"), timeout=CONNECT_TIMEOUT)
    expect(page.locator("form[action*='/logout/']")).to_be_attached()  # signed in


def create_workshop(page: Page, base: str, title: str, why: str = "", criteria: tuple[str, ...] = ()) -> str:
    """Open a workshop through /workshops/new/; lands on its board. Returns the workshop id."""
    page.goto(f"{base}/workshops/new/")
    form = page.locator("main form")
    form.locator("[name=title]").fill(title)
    form.locator("[name=why]").fill(why)
    form.locator("[name=success_criteria]").fill("\n".join(criteria))
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/w/[A-Za-z0-9_-]{8,32}/$"), timeout=CONNECT_TIMEOUT)
    wait_live(page)
    return workshop_id(page)


def workshop_id(page: Page) -> str:
    return page.locator("#board-root").get_attribute("data-workshop-id")


def invite_url(page: Page) -> str:
    url = page.locator("#board-root").get_attribute("data-invite-url")
    assert url, "no data-invite-url on #board-root"
    assert urlparse(url).path.startswith("/join/"), url
    return url


def join(page: Page, url: str, name: str) -> None:
    """Follow an invite link, give a display name, land on the live board."""
    page.goto(url)
    form = page.locator("main form")
    form.locator("input[name=display_name]").fill(name)
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/w/[A-Za-z0-9_-]{8,32}/$"), timeout=CONNECT_TIMEOUT)
    wait_live(page)


def start_workshop(
    new_page: Callable[[], Page], base: str, guest: str | None = "Gus"
) -> tuple[Page, Page | None, str, str]:
    """A leader, signed up, on a fresh workshop's board; and a guest joined through its invite.

    Returns (leader's page, guest's page or None, workshop id, leader's name).
    """
    leader = new_page()
    name = unique("lead")
    sign_up(leader, base, name)
    wid = create_workshop(
        leader, base, "Ship the new onboarding by March", "Customers churn.", ("Activation above 60%",)
    )
    guest_page = None
    if guest:
        guest_page = new_page()
        join(guest_page, invite_url(leader), guest)
        expect(person(leader, guest)).to_be_visible()
    return leader, guest_page, wid, name


# --- the live board ----------------------------------------------------------------------------


def wait_live(page: Page) -> None:
    """The client has drawn the board from its first snapshot."""
    expect(page.locator("#board-root.live")).to_be_attached(timeout=CONNECT_TIMEOUT)
    expect(page.locator("body")).to_have_attribute("data-seq", re.compile(r"^\d+$"), timeout=CONNECT_TIMEOUT)
    expect(page.locator("#connection-status")).to_have_attribute("data-state", "online", timeout=CONNECT_TIMEOUT)


def seq(page: Page) -> int:
    return int(page.locator("body").get_attribute("data-seq"))


def wait_for_seq(page: Page, n: int, *, exact: bool = False, timeout: int = TIMEOUT) -> None:
    expect(page.locator("body")).to_have_attribute("data-seq", str(n) if exact else at_least(n), timeout=timeout)


def phase_is(page: Page, phase: str, timeout: int = TIMEOUT) -> None:
    expect(page.locator("#board-root")).to_have_attribute("data-phase", phase, timeout=timeout)


def lane(page: Page, title: str) -> Locator:
    return page.locator("#board-root .lane[data-lane-id]").filter(
        has=page.locator(".lane-name", has_text=exactly(title))
    )


def item(page: Page, title: str, within: Locator | None = None) -> Locator:
    """The item card titled `title` (exactly), on the board or in one lane."""
    scope = within if within is not None else page.locator("#board-root")
    return scope.locator(".item[data-item-id]").filter(has=page.locator(".item-title", has_text=exactly(title)))


def titles(page: Page, title: str) -> Locator:
    """Every item title on the board that reads exactly `title`."""
    return page.locator("#board-root [data-lane-id] [data-item-id] .item-title").filter(has_text=exactly(title))


def person(page: Page, name: str) -> Locator:
    return page.locator(".people li.person[data-member-id]").filter(
        has=page.locator(".person-name", has_text=exactly(name))
    )


def member_id(page: Page) -> str:
    """The member id of whoever uses this page."""
    return page.locator("#board-root").get_attribute("data-member-id")


def add_item(page: Page, lane_title: str, title: str, *, wait: bool = True) -> None:
    """Type a title in the lane's add form and submit it; by default wait until the item shows."""
    column = lane(page, lane_title)
    form = column.locator("form[data-form='item.add']")
    if not form.count():
        column.locator("button[data-action='item.add.open']").click()
    form.locator("[name=title]").fill(title)
    form.locator("button[type=submit]").click()
    # The form clears at once for the next idea; the item itself comes with its event.
    expect(form.locator("[name=title]")).to_have_value("")
    if wait:
        expect(item(page, title, within=column)).to_be_visible()


def open_editor(page: Page, title: str) -> Locator:
    card = item(page, title)
    edit = card.locator("button[data-action='item.edit.open']")
    if not edit.is_visible():  # the sticky-note card keeps Edit in its menu (issue 12)
        card.locator("details.card-menu > summary").click()
    edit.click()
    editor = page.locator("form[data-form='item.edit']")
    expect(editor).to_be_visible()
    return editor


def edit_title(page: Page, title: str, new_title: str) -> None:
    editor = open_editor(page, title)
    editor.locator("[name=title]").fill(new_title)
    editor.locator("button[type=submit]").click()
    expect(item(page, new_title)).to_be_visible()


def rename_lane(page: Page, title: str, new_title: str) -> None:
    column = lane(page, title)
    column.locator("details.menu > summary").click()
    column.locator("button[data-action='lane.rename.open']").click()
    form = page.locator("form[data-form='lane.rename']")
    form.locator("[name=title]").fill(new_title)
    form.locator("button[type=submit]").click()
    expect(lane(page, new_title)).to_be_visible()


def vote(page: Page, title: str, dots: int = 1) -> None:
    """Put `dots` dots on an item, one click at a time, each waited for."""
    card = item(page, title)
    for _ in range(dots):
        before = seq(page)
        card.locator("button[data-action='vote.cast']").click()
        wait_for_seq(page, before + 1)


def claim(page: Page, title: str) -> None:
    item(page, title).locator("button[data-action='item.claim']").click()
    expect(item(page, title).locator("button[data-action='item.unclaim']")).to_be_visible()


def set_status(page: Page, title: str, status: str) -> None:
    item(page, title).locator("select[data-action='item.status']").select_option(status)
    expect(item(page, title)).to_have_class(re.compile(rf"\bstatus-{status}\b"))


def set_phase(page: Page, phase: str) -> None:
    page.locator(f"#board-root button[data-action='phase.set'][data-phase='{phase}']").click()
    if phase == "agreed" or page.locator("#board-root").get_attribute("data-phase") == "agreed":
        # Agreeing and reopening are confirmed first (issue 12: the agree summary, the reopen note).
        page.locator("dialog.confirm[open] button[value=yes]").click()
    phase_is(page, phase)


def remove_member(page: Page, name: str) -> None:
    person(page, name).locator("button[data-action='member.remove']").click()
    page.locator("dialog.confirm button[value=yes]").click()
    expect(person(page, name)).to_have_count(0)


def on_a_clock_of_its_own(page: Page) -> None:
    """Playwright's clock in `page`, running at the real pace until a test jumps it ahead with
    `page.clock.fast_forward`, which fires the timers that fall due on the way, the notices'
    dismissal among them: 8 s not waited out (twice a run). Installed before the board's scripts
    start their timers, hence the reload."""
    page.clock.install()
    page.reload()
    wait_live(page)


def side_tab(page: Page, tab: str) -> None:
    """Open a tab of the side panel (People, Results, Tools …), wherever the panel is."""
    button = page.locator(f"button[data-side-tab='{tab}']")
    # On a phone the side is a sheet behind ☰. A tap that lands while the phase bar is redrawn can
    # be lost (seen once under load): tap again, as a person would, three times at most.
    for _ in range(3):
        if button.is_visible():
            break
        page.locator("button[data-action='side.open']").click()
        with contextlib.suppress(AssertionError):
            expect(button).to_be_visible(timeout=1500)
    button.click()
    expect(button).to_have_attribute("aria-selected", "true")
