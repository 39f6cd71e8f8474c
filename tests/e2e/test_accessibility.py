"""Every page and every phase of the board, checked by axe-core (issue 20).

One walk per screen size (a phone, 390x844, and a laptop, 1440x900): the signed-out pages, sign-up
and log-in with their errors, a new workshop, the join page, then one seeded board taken through
gather, vote, plan (and the agreement's confirmation) to agreed with progress reported, as its
leader and as a member: each board with its item dialog and each tab of the side (where the
exports are), and "My commitments". Then the pages that reach people where they work (issue 23):
"My commitments" with its mail and calendar panels, a guest's address unconfirmed and confirmed;
the confirm and unsubscribe pages a mail links to, each before and after its button; the page
that offers help on an item; the account settings; and the connections page with a chat room and
a webhook listed, its deliveries open. axe-core runs in the page (tests/e2e/vendor/axe.min.js, its
version pinned below) on what is shown at that moment; any `serious` or `critical` violation fails
the test, all of them listed, with where they were found, the elements and the rule's help page.

Nothing is excluded. Set A11Y_SCREENSHOTS to a directory to get a screenshot of every state checked.
"""

from __future__ import annotations

import os
import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from playwright.sync_api import Browser, BrowserContext, Page, expect

from chat.rooms import room_create
from goals.models import Member
from mail import tokens
from mail.addresses import address_set
from mail.models import Address, Kind
from webhooks.endpoints import endpoint_create, ping

from .boards import (
    ACCEPTED,
    LONG_NOTE_TITLE,
    OTTO,
    SIZES,
    Board,
    advance,
    in_thread,
    is_phone,
    log_in,
    op,
    seed_board,
    seed_progress,
)
from .pages import (
    CONNECT_TIMEOUT,
    PASSWORD,
    create_workshop,
    invite_url,
    open_page,
    phase_is,
    sign_up,
    unique,
    wait_live,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_SOURCE = (Path(__file__).parent / "vendor" / "axe.min.js").read_text(encoding="utf-8")
AXE_VERSION = "4.14.1"  # tests/e2e/vendor/README.md
BLOCKING = {"serious", "critical"}
SCREENSHOTS = os.environ.get("A11Y_SCREENSHOTS")

# In the page: run axe on `scope` (a selector, or the whole document) and return what fails, in
# plain data. `resultTypes` keeps the nodes of passes and incomplete checks out: only violations
# are read here.
RUN_AXE = """async (scope) => {
  const results = await axe.run(scope ? { include: [scope] } : document, { resultTypes: ["violations"] });
  return results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    helpUrl: v.helpUrl,
    nodes: v.nodes.map((n) => ({ target: n.target.join(" "), summary: n.failureSummary || "" })),
  }));
}"""


class Audit:
    """The states checked so far, and what axe found wrong in them."""

    def __init__(self, size: str) -> None:
        self.size = size
        self.checked: list[str] = []
        self.found: list[str] = []
        self.seconds = 0.0  # spent in axe
        self.lesser: Counter[str] = Counter()  # moderate and minor findings, by rule: printed only

    def check(self, page: Page, state: str, scope: str | None = None) -> None:
        """Run axe on what `page` shows now (only inside `scope`, when given)."""
        if not page.evaluate("typeof window.axe === 'object'"):
            # Evaluated, not added as a <script>: the app's CSP rightly refuses inline scripts.
            page.evaluate(AXE_SOURCE)
            assert page.evaluate("axe.version") == AXE_VERSION
        self.checked.append(state)
        if SCREENSHOTS:
            name = re.sub(r"[^a-z0-9]+", "-", f"{self.size} {state}".lower()).strip("-")
            page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"))
        started = time.monotonic()
        found = page.evaluate(RUN_AXE, scope)
        self.seconds += time.monotonic() - started
        for violation in found:
            if violation["impact"] in BLOCKING:
                self.found.append(describe(state, violation))
            else:
                self.lesser[f"{violation['id']} ({violation['impact']})"] += len(violation["nodes"])

    def report(self) -> str:
        return f"{len(self.found)} serious or critical axe violations at {self.size}:\n\n" + "\n\n".join(self.found)


def describe(state: str, violation: dict[str, Any], shown: int = 8) -> str:
    nodes = violation["nodes"]
    lines = [
        f"[{state}] {violation['id']} ({violation['impact']}): {violation['help']}",
        f"  help: {violation['helpUrl']}",
    ]
    for node in nodes[:shown]:
        lines.append(f"  - {node['target']}")
        lines.extend(f"      {line.strip()}" for line in node["summary"].splitlines()[1:] if line.strip())
    if len(nodes) > shown:
        lines.append(f"  ... and {len(nodes) - shown} more elements")
    return "\n".join(lines)


class Browsers:
    """Browser contexts at one screen size, as boards.open_board makes them; all closed after."""

    def __init__(self, browser: Browser, base: str, size: str) -> None:
        self.browser, self.base, self.size = browser, base, size
        self.contexts: list[BrowserContext] = []
        self.errors: list[str] = []

    def page(self, session_key: str | None = None) -> Page:
        width, height = SIZES[self.size]
        phone = is_phone(self.size)
        context = self.browser.new_context(
            viewport={"width": width, "height": height},
            device_scale_factor=2 if phone else 1,
            is_mobile=phone,
            has_touch=phone,
        )
        self.contexts.append(context)
        if session_key:
            log_in(context, self.base, session_key)
        return open_page(context, self.errors)

    def board(self, board: Board, session_key: str) -> Page:
        page = self.page(session_key)
        page.goto(board.url(self.base))
        wait_live(page)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def browsers(request: pytest.FixtureRequest, browser: Browser, live_server: str) -> Iterator[Browsers]:
    opened = Browsers(browser, live_server, request.node.callspec.params["size"])
    yield opened
    opened.close()
    assert not opened.errors, f"script errors in the page: {opened.errors}"


def reload(page: Page) -> None:
    page.reload()
    wait_live(page)


OWNED = "Fix the CSV import errors"  # the member's once planned; its dialog is the one opened

# What is checked of the seeded board at each step, besides the board as it loads: whether its
# item dialog (OWNED) is opened, and which tabs of the side. What changes from one step to the next
# is checked where it changes, not again at every step, to keep the walk quick: the dialog holds
# each phase's controls (edit, dots, status and owners, the progress report); the tools follow the
# phase; the results come with the vote; progress and the exports with the agreement.
WALK: dict[str, dict[str, tuple[bool, tuple[str, ...]]]] = {
    "gather": {"leader": (True, ("people", "tools")), "member": (False, ())},
    "vote": {"leader": (True, ("results", "tools")), "member": (True, ("results",))},
    "plan": {"leader": (True, ("results", "tools")), "member": (False, ())},
    "agreed": {"leader": (False, ("tools",)), "member": (False, ("results",))},
    "follow-through": {"leader": (True, ("progress",)), "member": (True, ("people", "progress"))},
}


def check_board(audit: Audit, page: Page, state: str, *, detail: bool, tabs: tuple[str, ...]) -> None:
    """The board as it loads; then the item dialog of OWNED if asked, and the side's `tabs`."""
    audit.check(page, state)
    if detail:
        card = page.locator("#board-root .lane .item[data-item-id]").filter(
            has=page.locator(".item-title", has_text=OWNED)
        )
        if not card.is_visible():  # on a phone: the lane's tab first
            lane = card.locator("xpath=ancestor::*[@data-lane-id]").get_attribute("data-lane-id")
            page.locator(f"nav.lane-tabs button.lane-tab[data-lane-tab='{lane}']").click()
        card.locator("button.title-button[data-action='item.open']").click()
        dialog = page.locator("dialog.item-detail[open]")
        expect(dialog).to_be_visible()
        audit.check(page, f"{state}, item dialog", "dialog.item-detail")
        page.keyboard.press("Escape")
        expect(dialog).to_have_count(0)
    phone = is_phone(audit.size)
    for key in tabs:
        if phone and not page.locator("#side").is_visible():  # on a phone the side is a sheet behind ☰
            page.locator("button[data-action='side.open']").click()
        page.locator(f"#side button[data-side-tab='{key}']").click()
        expect(page.locator(f"#side-{key}")).to_be_visible()
        audit.check(page, f"{state}, side: {key}", "#side")
    if phone and tabs:
        page.locator("#side button[data-action='side.close']").click()


def check_walk(audit: Audit, step: str, pages: dict[str, Page]) -> None:
    for who, page in pages.items():
        detail, tabs = WALK[step][who]
        check_board(audit, page, f"{step}, {who}", detail=detail, tabs=tabs)


LOOPBACK = "http://127.0.0.1:9/x"  # never contacted: the served app runs no jobs (RUN_JOBS is off)


def connect(leader: Member) -> None:
    """A Slack room and a webhook for `leader`'s workshop, and a ping queued to the webhook."""
    with override_settings(WEBHOOKS_ALLOW_HTTP=True, WEBHOOKS_ALLOW_PRIVATE=True):
        room_create(member=leader, body={"kind": "slack", "url": LOOPBACK})
        endpoint, _ = endpoint_create(member=leader, fields={"url": LOOPBACK, "events": ["*"], "description": "CI"})
        ping(endpoint=endpoint, member=leader)


def check_reaching_out(audit: Audit, base: str, board: Board, lead: Page, mia: Page) -> None:
    """Issue 23's pages, in the two browsers the walk has open: Mia's (a guest) and the leader's."""
    member = Member.objects.get(pk=board.member.member_id)
    leader = Member.objects.select_related("user").get(pk=board.leader.member_id)
    address = in_thread(lambda: address_set(member=member, email="mia@example.org"))
    mia.goto(f"{base}{board.path}mine/")
    expect(mia.locator("[data-mail-panel] [data-address-state=unconfirmed]")).to_be_visible()
    expect(mia.locator("[data-calendar]")).to_be_visible()
    audit.check(mia, "my commitments, mail and calendar, address unconfirmed")
    nonce = Address.objects.get(pk=address.pk).confirm_nonce
    mia.goto(f"{base}/mail/confirm/{tokens.derive(tokens.CONFIRM, nonce)}/")
    audit.check(mia, "confirm an address")
    mia.locator("main form button[type=submit]").click()
    expect(mia.locator("[data-confirmed]")).to_be_visible()
    audit.check(mia, "address confirmed")
    mia.goto(f"{base}{board.path}mine/")
    expect(mia.locator("[data-mail-panel] [data-address-state=confirmed]")).to_be_visible()
    audit.check(mia, "my commitments, mail and calendar, address confirmed")
    mia.goto(f"{base}/mail/unsubscribe/{tokens.unsubscribe_token(member.id, Kind.REMINDERS.value)}/")
    audit.check(mia, "unsubscribe")
    mia.locator("main form button[type=submit]").click()
    expect(mia.locator("[data-unsubscribed]")).to_be_visible()
    audit.check(mia, "unsubscribed")
    mia.goto(f"{base}{board.path}help/{board.items[LONG_NOTE_TITLE]}/")
    expect(mia.locator("textarea[name=note]")).to_be_visible()
    audit.check(mia, "offer help")

    in_thread(lambda: address_set(user=leader.user, email="lead@example.org"))
    lead.goto(f"{base}/accounts/settings/")
    audit.check(lead, "account settings, address unconfirmed")
    in_thread(lambda: connect(leader))
    lead.goto(f"{base}{board.path}connections/")
    expect(lead.locator("[data-chat]")).to_have_count(1)
    webhook = lead.locator("[data-webhook]")
    expect(webhook).to_have_count(1)
    webhook.locator("details.deliveries summary").click()
    expect(webhook.locator("[data-delivery]")).to_have_count(1)
    audit.check(lead, "connections, a chat room and a webhook, deliveries open")


@pytest.mark.parametrize("size", ["390x844", "1440x900"])
def test_no_serious_or_critical_accessibility_violations(size: str, browsers: Browsers, live_server: str) -> None:
    base = live_server
    audit = Audit(size)

    # Signed out: the home page, logging in and signing up, each also with its errors.
    visitor = browsers.page()
    visitor.goto(f"{base}/")
    audit.check(visitor, "home, signed out")
    visitor.goto(f"{base}/accounts/login/")
    audit.check(visitor, "log in")
    visitor.locator("main form input[name=username]").fill("nobody-here")
    visitor.locator("main form input[name=password]").fill("not-the-password")
    visitor.locator("main form button[type=submit]").click()
    expect(visitor.locator("main form")).to_be_visible()
    audit.check(visitor, "log in, wrong password")
    visitor.goto(f"{base}/accounts/signup/")
    audit.check(visitor, "sign up")
    visitor.locator("main form input[name=username]").fill(unique("a11y"))
    visitor.locator("main form input[name=password1]").fill(PASSWORD)
    visitor.locator("main form input[name=password2]").fill(PASSWORD + "-typo")
    visitor.locator("main form button[type=submit]").click()
    expect(visitor).to_have_url(re.compile(r"/accounts/signup/$"))
    audit.check(visitor, "sign up, passwords differ")
    visitor.goto(f"{base}/w/no-such-workshop/")
    audit.check(visitor, "not found")

    # A leader signs up and opens a workshop: the new workshop's form and its empty board.
    leader = browsers.page()
    sign_up(leader, base, unique("a11ylead"))
    audit.check(leader, "home, signed in")
    leader.goto(f"{base}/workshops/new/")
    audit.check(leader, "new workshop")
    create_workshop(leader, base, "Ship the new onboarding by March", "Customers churn.", ("Activation above 60%",))
    audit.check(leader, "new board, leader")

    # A guest follows the invite link: the join page, then the board as a member.
    guest = browsers.page()
    guest.goto(invite_url(leader))
    audit.check(guest, "join")
    guest.locator("main form input[name=display_name]").fill("Gus")
    guest.locator("main form button[type=submit]").click()
    guest.wait_for_url(re.compile(r"/w/[A-Za-z0-9_-]{8,32}/$"), timeout=CONNECT_TIMEOUT)
    wait_live(guest)
    audit.check(guest, "new board, member")

    # One full board walked through the phases, seen by its leader and by a member (Mia).
    board = seed_board(phase="gather")
    lead = browsers.board(board, board.leader.session_key)
    mia = browsers.board(board, board.member.session_key)
    both = {"leader": lead, "member": mia}
    for phase in ("gather", "vote", "plan"):
        if phase != board.phase:
            advance(board, phase)
            reload(lead)
            reload(mia)
        check_walk(audit, phase, both)

    # The agreement, as the leader makes it: the summary to confirm, then the agreed board.
    lead.locator("#board-root button[data-action='phase.set'][data-phase='agreed']").click()
    expect(lead.locator("dialog.confirm[open]")).to_be_visible()
    audit.check(lead, "agree, confirmation", "dialog.confirm")
    lead.locator("dialog.confirm[open] button[value=yes]").click()
    phase_is(lead, "agreed")
    phase_is(mia, "agreed")
    check_walk(audit, "agreed", both)

    # Some weeks on: progress reported, a blocker, a helper; the board and "My commitments".
    board.phase = "agreed"
    seed_progress(board)
    reload(lead)
    reload(mia)
    check_walk(audit, "follow-through", both)
    mia.goto(f"{base}{board.path}mine/")
    audit.check(mia, "my commitments, member")
    mia.locator(".phone-card:not(.calendar-card) button[name=action][value=create]").click()
    expect(mia.locator(".return-qr svg")).to_be_visible()
    audit.check(mia, "my commitments, member, return link")
    observer = browsers.page(board.people[OTTO].session_key)
    observer.goto(f"{base}{board.path}mine/")
    audit.check(observer, "my commitments, observer")
    check_reaching_out(audit, base, board, lead, mia)

    print(f"\naxe {AXE_VERSION} at {size}: {len(audit.checked)} states checked in {audit.seconds:.1f} s")
    if audit.lesser:
        print("moderate and minor (elements, summed over states):", dict(audit.lesser))
    assert not audit.found, audit.report()


def arrange_planning_game(board: Board) -> None:
    """Issue 24's board: a private gather with estimates and a capacity, and a stack of Mia's cards."""
    wid, mia = board.workshop_id, board.member
    op(wid, board.leader, "planning.set", private_gather=True, estimates=True, capacity_hours=20)
    op(wid, mia, "item.stack", item=board.items["Invite teammates step"], onto=board.items["In-app chat during setup"])
    op(wid, mia, "item.estimate", item=board.items["In-app chat during setup"], hours=8)
    # The leader's own card, and one like it: a likely duplicate (planning.duplicates).
    op(wid, board.leader, "item.add", lane=board.lanes[0][0], title="A guided first project")


def over_capacity(board: Board) -> None:
    """The plan's accepted items estimated past a capacity of 20 hours."""
    for title, hours in zip((title for title, _ in ACCEPTED), (8, 8, 16, 4), strict=True):
        op(board.workshop_id, board.leader, "item.estimate", item=board.items[title], hours=hours)


@pytest.mark.parametrize("size", ["390x844", "1440x900"])
def test_the_planning_game_has_no_serious_or_critical_accessibility_violations(
    size: str, browsers: Browsers, live_server: str
) -> None:
    """Issue 24's states: face-down cards and the private gather's hint, estimates (the chips open),
    a stack opened, likely duplicates, the planning settings; then a plan over its capacity, with
    its line, "will not fit", the people's loads and the agreement's refusal foretold."""
    audit = Audit(size)
    board = seed_board(phase="gather")
    in_thread(lambda: arrange_planning_game(board))
    mia = browsers.board(board, board.member.session_key)
    lead = browsers.page(board.leader.session_key)
    lead.goto(board.url(live_server))
    wait_live(lead)

    head = board.items["In-app chat during setup"]
    show_lane(mia, head)
    mia_head = mia.locator(f"#board-root .lane .item[data-item-id='{head}']")
    mia_head.locator("button.stack-badge").click()
    expect(mia_head.locator(".stack-cards")).to_be_visible()
    mia_head.locator("details.estimate-menu > summary").click()
    expect(mia_head.locator("button.estimate-choice").first).to_be_visible()
    audit.check(mia, "private gather, member, a stack and the estimate chips open")
    expect(lead.locator(".duplicates .duplicate")).to_have_count(1)
    audit.check(lead, "private gather, leader, likely duplicates")
    check_board(audit, lead, "private gather, leader", detail=False, tabs=("tools",))

    advance(board, "plan")
    in_thread(lambda: over_capacity(board))
    reload(lead)
    reload(mia)
    expect(lead.locator("#board-root .capacity-line.is-over")).to_have_count(1)
    audit.check(lead, "plan over capacity, leader")
    check_board(audit, mia, "plan over capacity, member", detail=True, tabs=("people",))
    lead.locator("#board-root button[data-action='phase.set'][data-phase='agreed']").click()
    expect(lead.locator("dialog.confirm[open] .agree-past-line")).to_be_visible()
    audit.check(lead, "agree over capacity, confirmation", "dialog.confirm")
    lead.keyboard.press("Escape")
    print(f"\naxe {AXE_VERSION} at {size}: {len(audit.checked)} planning-game states checked")
    assert not audit.found, audit.report()


def show_lane(page: Page, item_id: int) -> None:
    card = page.locator(f"#board-root .lane .item[data-item-id='{item_id}']")
    if not card.is_visible():  # on a phone: the lane's tab first
        lane = card.locator("xpath=ancestor::*[@data-lane-id]").get_attribute("data-lane-id")
        page.locator(f"nav.lane-tabs button.lane-tab[data-lane-tab='{lane}']").click()
    expect(card).to_be_visible()
