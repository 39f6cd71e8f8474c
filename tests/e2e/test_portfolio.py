"""The portfolio (issue 22): a colleague sees a client's workshop on their portfolio, with its
progress and what needs attention, on a laptop and a phone, and opens its board as a facilitator."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections
from playwright.sync_api import Browser, expect

from clients.colleagues import client_create, colleague_add, workshop_client_set
from goals.models import Member, Role

from .boards import SIZES, TITLE, log_in, new_leader_user, seed_board, seed_progress, session_for
from .pages import open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _share(leader_user, workshop_id: str):
    """Leader's client Acme with a colleague, the workshop put with it; the colleague's session."""
    try:
        colleague = new_leader_user("colleague")
        client = client_create(user=leader_user, name="Acme")
        colleague_add(user=leader_user, client_id=client.id, username=colleague.get_username())
        leader = Member.objects.get(workshop_id=workshop_id, role=Role.LEADER)
        workshop_client_set(workshop_id=workshop_id, member=leader, client_id=client.id)
        return session_for(colleague)
    finally:
        connections.close_all()


@pytest.mark.parametrize("size", ["390x844", "1440x900"])
def test_a_colleague_sees_a_clients_workshop_on_their_portfolio(browser: Browser, live_server: str, size: str):
    leader_user = new_leader_user()
    board = seed_board(leader_user, "agreed")
    seed_progress(board)
    with ThreadPoolExecutor(max_workers=1) as pool:
        session = pool.submit(_share, leader_user, board.workshop_id).result()
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    errors: list[str] = []
    try:
        log_in(context, live_server, session)
        page = open_page(context, errors)
        page.goto(f"{live_server}/")
        page.get_by_role("link", name="Your portfolio").click()
        expect(page.get_by_role("heading", name="Acme", exact=True, level=2)).to_be_visible()
        plan = page.locator(f'.portfolio-plan[data-workshop="{board.workshop_id}"]')
        expect(plan.get_by_role("link", name=TITLE)).to_be_visible()
        expect(plan.locator(".portfolio-attention .progress-blocked").first).to_be_visible()
        expect(plan.locator(".progress-bar .progress-seg").first).to_be_visible()
        expect(plan.locator("select[data-move-workshop]")).to_have_count(0)  # not theirs to move
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
        plan.get_by_role("link", name=TITLE).click()
        expect(page).to_have_url(f"{live_server}/w/{board.workshop_id}/")
        expect(page.locator("[data-invite-url]").first).to_be_attached()  # the facilitator's board
    finally:
        context.close()
    assert not errors, errors
