"""The connections page (issue 23, item 6): a facilitator adds a chat room and a webhook, sends a
test and sees the delivery's status, on a phone and a laptop.

The server here is a Daphne of its own that also runs the jobs (RUN_JOBS, as `./dev serve`) and
may send to loopback (WEBHOOKS_ALLOW_HTTP/PRIVATE): the receivers are in this process, on
127.0.0.1, and check what arrives the way a receiving tool would (the webhook's signature with
the `standardwebhooks` library, Slack's JSON shape)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.conf import settings
from playwright.sync_api import Browser, expect
from standardwebhooks import Webhook

from tests.servers import DaphneProcess, served_database_url

from .boards import MIA, SIZES, log_in, new_leader_user, seed_board, session_for
from .pages import open_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


class Receiver:
    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        received = self.requests
        done = self.arrived = threading.Event()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                received.append(({key.lower(): value for key, value in self.headers.items()}, body))
                done.set()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/in"

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def server() -> Iterator[str]:
    env = {
        "DATABASE_URL": served_database_url(),
        "RUN_JOBS": "1",
        "JOBS_THREADS": "2",
        "WEBHOOKS_ALLOW_HTTP": "1",
        "WEBHOOKS_ALLOW_PRIVATE": "1",
    }
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    process = DaphneProcess(env)
    try:
        process.start()
        yield process.url
    finally:
        process.close()


@pytest.mark.parametrize("size", ["390x844", "1440x900"])
def test_a_facilitator_connects_a_chat_room_and_a_webhook(browser: Browser, server: str, size: str):
    leader_user = new_leader_user()
    board = seed_board(leader_user, "plan")
    chat, hook = Receiver(), Receiver()
    width, height = SIZES[size]
    context = browser.new_context(viewport={"width": width, "height": height})
    errors: list[str] = []
    try:
        log_in(context, server, session_for(leader_user))
        page = open_page(context, errors)
        page.goto(f"{server}/w/{board.workshop_id}/")
        expect(page.locator("#board-root")).to_have_attribute("data-phase", "plan")
        tools = page.locator("button[data-side-tab='tools']")
        opener = page.locator("button[data-action='side.open']")
        expect(
            page.locator("button[data-side-tab='tools']:visible, button[data-action='side.open']:visible").first
        ).to_be_visible()
        if opener.is_visible():
            page.locator("button[data-action='side.open']").click()
        tools.click()
        link = page.get_by_role("link", name="Chat rooms and webhooks")
        link.scroll_into_view_if_needed()
        link.click()
        expect(page.get_by_role("heading", name="Chat rooms", level=2)).to_be_visible()
        expect(page.get_by_text("No chat room yet.")).to_be_visible()

        # A bad address is refused beside its field, and nothing is kept.
        page.get_by_label("Incoming webhook address").fill("ftp://example.org/x")
        page.get_by_role("button", name="Add the chat room").click()
        expect(page.locator("#chat-url-error")).to_contain_text("https://")
        expect(page.get_by_text("No chat room yet.")).to_be_visible()

        page.get_by_label("Service").select_option("slack")
        page.get_by_label("Incoming webhook address").fill(chat.url)
        page.get_by_label("A check-in is recorded").uncheck()
        page.get_by_role("button", name="Add the chat room").click()
        room = page.locator("[data-chat]")
        expect(room).to_have_count(1)
        expect(room).to_contain_text("Slack")
        expect(room).to_contain_text("plan agreed, item blocked, agenda step")
        assert chat.url not in room.inner_text()  # only its host and last characters
        expect(room.locator(".connection-posts")).to_have_text("Nothing posted yet.")
        room.get_by_role("button", name="Send a test").click()
        assert chat.arrived.wait(15), "the test message never reached the chat receiver"
        message = json.loads(chat.requests[0][1])
        assert isinstance(message["text"], str)
        assert isinstance(message["blocks"], list)
        # The room says its test arrived, without a reload.
        expect(room.locator(".connection-posts")).to_contain_text("test message: delivered", timeout=10_000)

        page.get_by_label("Address", exact=True).fill(hook.url)
        page.get_by_label("Description").fill("Our automation")
        page.get_by_role("button", name="Add the webhook").click()
        secret = page.locator("[data-secret-value]")
        expect(secret).to_be_visible()
        signing = secret.input_value()
        assert signing.startswith("whsec_")
        page.get_by_role("button", name="Done").click()
        expect(secret).to_be_hidden()
        webhook = page.locator("[data-webhook]")
        expect(webhook).to_contain_text("Our automation")
        expect(webhook).to_contain_text("every event")
        webhook.get_by_role("button", name="Send a test").click()
        assert hook.arrived.wait(15), "the ping never reached the webhook receiver"
        headers, body = hook.requests[0]
        assert Webhook(signing).verify(body, headers)["type"] == "ping"
        rows = webhook.locator("[data-delivery]")
        expect(rows.first).to_be_visible()
        webhook.get_by_role("button", name="Refresh").click()
        expect(rows.first).to_have_attribute("data-status", "delivered")
        expect(rows.first).to_contain_text("ping")
        expect(rows.first).to_contain_text("204")
        # The deliveries table scrolls within its card; the page never scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

        page.reload()
        expect(page.locator("[data-secret-value]")).to_be_hidden()  # shown once, never again
        assert signing not in page.content()
        assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    finally:
        context.close()
        chat.close()
        hook.close()
    assert not errors, errors


def test_members_do_not_get_the_page(browser: Browser, live_server: str):
    """Only facilitators and the leader manage connections; the board offers members no link."""
    board = seed_board(new_leader_user(), "plan")
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    errors: list[str] = []
    try:
        log_in(context, live_server, board.people[MIA].session_key)
        page = open_page(context, errors)
        response = page.goto(f"{live_server}/w/{board.workshop_id}/connections/")
        assert response is not None
        assert response.status == 403
        page.goto(f"{live_server}/w/{board.workshop_id}/")
        expect(page.locator("#board-root")).to_have_attribute("data-phase", "plan")
        expect(page.locator("button[data-side-tab='tools']")).to_have_count(0)
        expect(page.get_by_role("link", name="Chat rooms and webhooks")).to_have_count(0)
    finally:
        context.close()
