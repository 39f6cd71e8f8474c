"""The Content Security Policy in a real browser: the board works under it and breaks none of it.

Chromium reports every blocked script, style, connection or form as a `securitypolicyviolation`
event and a console message; the test collects both on every page a leader and a guest go
through, board and websocket included, and then shows that the collector does catch a violation.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from .pages import add_item, create_workshop, invite_url, item, join, open_page, sign_up, unique

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any of the page's own scripts, on every document of the context.
COLLECT_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  window.__cspViolations.push(`${event.violatedDirective} blocked ${event.blockedURI || "inline"} at ${where}`);
});
"""


class Watched:
    """People's pages, with every CSP complaint the browser makes about them."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []
        self.console: list[str] = []
        self.errors: list[str] = []

    def person(self) -> Page:
        context = self.browser.new_context()
        context.add_init_script(COLLECT_VIOLATIONS)
        self.contexts.append(context)
        page = open_page(context, self.errors)
        page.on("console", self._on_console)
        return page

    def _on_console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            self.console.append(message.text)

    @staticmethod
    def violations(page: Page) -> list[str]:
        return page.evaluate("() => window.__cspViolations")


@pytest.fixture
def watched(browser: Browser) -> Iterator[Watched]:
    watched = Watched(browser)
    yield watched
    for context in watched.contexts:
        context.close()


def test_the_board_runs_under_the_csp_without_a_single_violation(watched: Watched, live_server: str) -> None:
    leader = watched.person()
    sign_up(leader, live_server, unique("csp"))
    workshop_id = create_workshop(leader, live_server, "Keep scripts where they belong", "Because.", ("No XSS",))

    response = leader.goto(f"{live_server}/w/{workshop_id}/")
    assert response is not None
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    expect(leader.locator("#board-root.live")).to_be_attached()

    guest = watched.person()
    join(guest, invite_url(leader), "Guest")
    add_item(guest, "Now", "Ship it safely")
    expect(item(leader, "Ship it safely")).to_be_visible()

    assert watched.violations(leader) == []
    assert watched.violations(guest) == []
    assert watched.console == []
    assert watched.errors == []

    # The collector is not deaf: an inline script, as an injection would add, is caught.
    guest.evaluate("""() => {
        const script = document.createElement("script");
        script.textContent = "window.__ran = 1";
        document.body.append(script);
    }""")
    guest.wait_for_function("() => window.__cspViolations.length > 0")
    assert guest.evaluate("() => window.__ran") is None
    assert any("script-src" in violation for violation in watched.violations(guest))
