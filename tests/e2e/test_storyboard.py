"""The storyboard end to end: real browsers on the app served by Daphne (protocol §3–4, docs/client.md).

Each test opens its own browser contexts (one per person: separate cookies, separate sockets) and
watches changes made in one show in the other without a reload. Everything waits with Playwright's
auto-waiting `expect`; nothing sleeps. The data is committed (transaction=True) so that the Daphne
subprocess sees it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from django.db.models import Max
from playwright.sync_api import Browser, BrowserContext, Page, expect

from live.models import Event
from planning.models import Item

from .pages import (
    CONNECT_TIMEOUT,
    add_item,
    claim,
    create_workshop,
    edit_title,
    exactly,
    invite_url,
    item,
    join,
    lane,
    open_editor,
    open_page,
    person,
    phase_is,
    remove_member,
    rename_lane,
    seq,
    set_phase,
    set_status,
    sign_up,
    start_workshop,
    titles,
    unique,
    vote,
    wait_for_seq,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NewPage = Callable[[], Page]


@pytest.fixture
def new_page(browser: Browser) -> Iterator[NewPage]:
    """Open a page in a fresh browser context (a person of their own); all closed after the test.

    Uncaught script errors on any of them fail the test.
    """
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    def open_person() -> Page:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        return open_page(context, errors)

    yield open_person
    for context in contexts:
        context.close()
    assert not errors, f"script errors in the page: {errors}"


def last_seq(workshop_id: str) -> int:
    return Event.objects.filter(workshop_id=workshop_id).aggregate(last=Max("seq"))["last"] or 0


def test_leader_and_guest_run_a_workshop_live(new_page: NewPage, live_server: str) -> None:
    # The leader signs up, opens a workshop and lands on its board.
    leader = new_page()
    leader_name = unique("lead")
    sign_up(leader, live_server, leader_name)
    title = "Ship the new onboarding by March"
    wid = create_workshop(
        leader, live_server, title, "New customers churn in week one.", ("Activation above 60%", "Tickets halved")
    )
    expect(leader).to_have_url(f"{live_server}/w/{wid}/")
    expect(leader.locator("#goal-title")).to_have_text(title)
    expect(leader.locator("#board-root .criterion-chip")).to_have_count(2)
    expect(leader.locator("#board-root .lane-name")).to_have_text(["Now", "Next", "Later"])
    phase_is(leader, "gather")

    # A guest follows the invite link in a browser of their own.
    guest = new_page()
    join(guest, invite_url(leader), "Zoë Martín")
    expect(guest.locator("#goal-title")).to_have_text(title)
    # Both in the people list; the leader's board got the guest without a reload.
    expect(person(leader, "Zoë Martín")).to_be_visible()
    expect(person(guest, leader_name)).to_be_visible()
    expect(person(guest, "Zoë Martín")).to_contain_text("(you)")

    # Items each adds show on the other's board, in the lane they were added to.
    add_item(guest, "Next", "Guided first project")
    expect(item(leader, "Guided first project", within=lane(leader, "Next"))).to_be_visible()
    add_item(leader, "Now", "Interview churned customers")
    expect(item(guest, "Interview churned customers", within=lane(guest, "Now"))).to_be_visible()

    # Voting: the guest's board follows the leader's phase change and offers dots.
    set_phase(leader, "vote")
    phase_is(guest, "vote")
    expect(guest.locator(".session .dots-left")).to_contain_text("5 of 5 dots left")
    cast = item(guest, "Interview churned customers").locator("button[data-action='vote.cast']")
    expect(cast).to_be_enabled()
    expect(guest.locator("button[data-action='item.add.open']")).to_have_count(0)  # no new items while voting
    vote(guest, "Interview churned customers", dots=2)
    expect(guest.locator(".session .dots-left")).to_contain_text("3 of 5 dots left")
    # The leader sees how many dots the guest used, not where: tallies stay hidden.
    expect(person(leader, "Zoë Martín").locator(".dots-used")).to_have_text("2 of 5 dots used")
    for page in (leader, guest):
        expect(item(page, "Interview churned customers").locator(".votes")).to_have_text("dots hidden")

    # Planning: the tallies come out on both boards.
    set_phase(leader, "plan")
    phase_is(guest, "plan")
    expect(item(leader, "Interview churned customers").locator(".votes")).to_have_text("● 2 dots")
    expect(item(leader, "Guided first project").locator(".votes")).to_have_text("● 0 dots")
    guest_votes = item(guest, "Interview churned customers").locator(".votes")
    expect(guest_votes).to_have_text(re.compile(r"^● 2 dots · 2 from you$"))
    expect(item(guest, "Guided first project").locator(".votes")).to_have_text("● 0 dots")

    # The guest claims an item: the leader sees them as its owner.
    claim(guest, "Interview churned customers")
    expect(item(leader, "Interview churned customers").locator(".owners")).to_contain_text("Zoë Martín")

    # The leader accepts it and agrees the plan: both boards say it is agreed.
    set_status(leader, "Interview churned customers", "accepted")
    expect(item(guest, "Interview churned customers")).to_have_class(re.compile(r"\bstatus-accepted\b"))
    set_phase(leader, "agreed")
    phase_is(guest, "agreed")
    for page in (leader, guest):
        expect(page.locator(".agreed-banner .agreed-title")).to_have_text("Plan version 1 is agreed")
    wait_for_seq(guest, seq(leader), exact=True)
    assert seq(leader) == last_seq(wid)


def test_guest_offline_and_back_misses_nothing(new_page: NewPage, live_server: str) -> None:
    leader, guest, wid, _ = start_workshop(new_page, live_server, guest="Gus")
    add_item(leader, "Now", "Before the drop")
    expect(item(guest, "Before the drop")).to_be_visible()

    status = guest.locator("#connection-status")
    guest.context.set_offline(True)
    expect(status).to_have_attribute("data-state", re.compile(r"^(offline|connecting)$"))
    expect(status).to_be_visible()

    # While the guest is away the leader adds two items, renames a lane and edits an item.
    add_item(leader, "Now", "Added while away")
    add_item(leader, "Next", "Also added while away")
    rename_lane(leader, "Later", "Someday")
    edit_title(leader, "Before the drop", "Edited while away")
    # The guest adds one too: it waits in the outbox (no optimistic update, nothing sent).
    add_item(guest, "Later", "Queued while offline", wait=False)
    expect(item(guest, "Before the drop")).to_be_visible()  # the guest's board is as it was
    assert not Item.objects.filter(workshop_id=wid, title="Queued while offline").exists()

    guest.context.set_offline(False)
    expect(status).to_have_attribute("data-state", "online", timeout=CONNECT_TIMEOUT)

    # The guest's board caught up with everything the leader did...
    expect(item(guest, "Added while away", within=lane(guest, "Now"))).to_be_visible()
    expect(item(guest, "Also added while away", within=lane(guest, "Next"))).to_be_visible()
    expect(item(guest, "Edited while away", within=lane(guest, "Now"))).to_be_visible()
    expect(titles(guest, "Before the drop")).to_have_count(0)
    expect(guest.locator("#board-root .lane-name")).to_have_text(["Now", "Next", "Someday"])
    # ...and the queued item was committed exactly once, for both.
    for page in (leader, guest):
        expect(item(page, "Queued while offline", within=lane(page, "Someday"))).to_be_visible()
        expect(titles(page, "Queued while offline")).to_have_count(1)
    assert Item.objects.filter(workshop_id=wid, title="Queued while offline").count() == 1

    # Both at the same seq, the server's last.
    final = last_seq(wid)
    wait_for_seq(leader, final, exact=True)
    wait_for_seq(guest, final, exact=True)
    expect(titles(guest, "Queued while offline")).to_have_count(1)


def test_keyboard_moves_an_item_for_everyone(new_page: NewPage, live_server: str) -> None:
    leader, guest, _, _ = start_workshop(new_page, live_server, guest="Kim")
    add_item(leader, "Now", "Move me with keys")
    expect(item(guest, "Move me with keys", within=lane(guest, "Now"))).to_be_visible()

    # Alt+ArrowRight on the focused card: to the next lane, for the other person too.
    item(leader, "Move me with keys").focus()
    leader.keyboard.press("Alt+ArrowRight")
    expect(item(guest, "Move me with keys", within=lane(guest, "Next"))).to_be_visible()
    expect(item(guest, "Move me with keys", within=lane(guest, "Now"))).to_have_count(0)
    # Focus follows the card, and the mover is told where it went.
    expect(item(leader, "Move me with keys", within=lane(leader, "Next"))).to_be_focused()
    expect(leader.locator("#live")).to_contain_text("Moved to position 1 of 1 in Next")

    # Focus stayed on it: one more press takes it on to the last lane.
    leader.keyboard.press("Alt+ArrowRight")
    expect(item(guest, "Move me with keys", within=lane(guest, "Later"))).to_be_visible()

    # The guest moves it back through the card's menu, from the keyboard.
    card = item(guest, "Move me with keys")
    card.locator("details.card-menu > summary").focus()
    guest.keyboard.press("Enter")
    move = card.locator("button[data-action='item.move']", has_text=exactly("Move to Now"))
    expect(move).to_be_visible()
    move.focus()
    guest.keyboard.press("Enter")
    expect(item(leader, "Move me with keys", within=lane(leader, "Now"))).to_be_visible()
    expect(item(guest, "Move me with keys", within=lane(guest, "Now"))).to_be_visible()


def test_edit_conflict_shows_their_version_and_retry_wins(new_page: NewPage, live_server: str) -> None:
    leader, guest, wid, leader_name = start_workshop(new_page, live_server, guest="Ana")
    add_item(guest, "Now", "Rewrite the welcome email")
    expect(item(leader, "Rewrite the welcome email")).to_be_visible()

    # Both open the item's editor.
    theirs = open_editor(leader, "Rewrite the welcome email")
    mine = open_editor(guest, "Rewrite the welcome email")

    # The leader saves first.
    theirs.locator("[name=title]").fill("Welcome email, with the video")
    theirs.locator("button[type=submit]").click()
    expect(item(leader, "Welcome email, with the video")).to_be_visible()

    # The guest saves over a version that is no longer current: the conflict shows the leader's text.
    mine.locator("[name=title]").fill("A shorter welcome email")
    mine.locator("button[type=submit]").click()
    conflict = mine.locator(".conflict")
    expect(conflict).to_be_visible()
    expect(conflict).to_contain_text("Welcome email, with the video")
    expect(conflict.locator(".conflict-title")).to_contain_text(leader_name)
    expect(mine.locator("[name=title]")).to_have_value("A shorter welcome email")  # what the guest typed is kept
    assert Item.objects.get(workshop_id=wid).title == "Welcome email, with the video"

    # Retrying ("Save mine instead") goes through, for both boards.
    conflict.locator("button[data-action='item.edit.overwrite']").click()
    expect(item(guest, "A shorter welcome email")).to_be_visible()
    expect(item(leader, "A shorter welcome email")).to_be_visible()
    expect(guest.locator("form[data-form='item.edit']")).to_have_count(0)
    saved = Item.objects.get(workshop_id=wid)
    assert (saved.title, saved.version) == ("A shorter welcome email", 3)


def test_markup_in_a_title_is_shown_as_text(new_page: NewPage, live_server: str) -> None:
    leader, guest, _, _ = start_workshop(new_page, live_server, guest="Mallory")
    markup = '<img src=x onerror="window.__pwned=1">'
    add_item(guest, "Now", markup)

    expect(titles(leader, markup)).to_have_count(1)
    for page in (leader, guest):
        expect(titles(page, markup)).to_have_text(markup)
        expect(page.locator("#board-root img:not(.invite-qr img)")).to_have_count(0)
        expect(page.locator("#live img")).to_have_count(0)
        assert page.evaluate("typeof window.__pwned") == "undefined"

    # The server-rendered board (before the client draws over it) escapes it too.
    leader.reload()
    expect(leader.locator("#board-root.live")).to_be_attached(timeout=CONNECT_TIMEOUT)
    expect(titles(leader, markup)).to_have_text(markup)
    expect(leader.locator("#board-root img:not(.invite-qr img)")).to_have_count(0)
    assert leader.evaluate("typeof window.__pwned") == "undefined"


def test_removed_member_board_stops(new_page: NewPage, live_server: str) -> None:
    leader, guest, _, _ = start_workshop(new_page, live_server, guest="Rémy")
    add_item(guest, "Now", "An idea from Rémy")
    expect(item(leader, "An idea from Rémy")).to_be_visible()

    remove_member(leader, "Rémy")

    status = guest.locator("#connection-status")
    expect(status).to_have_attribute("data-ended", "removed")
    expect(status).to_be_visible()
    expect(status).to_contain_text("You were removed from this workshop")
    # The board stops offering changes.
    expect(guest.locator("#board-root button[data-action='item.add.open']")).to_have_count(0)
    expect(guest.locator("#board-root button[data-action='member.ready']")).to_have_count(0)
    # And the page says so on a reload (410, docs/decisions.md), rather than a join form.
    response = guest.reload()
    assert response is not None
    assert response.status == 410
    expect(guest.locator("main")).to_contain_text("You were removed from this workshop")
