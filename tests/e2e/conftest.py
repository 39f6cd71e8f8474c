"""End-to-end fixtures: the app served by a real Daphne process, and headless Chromium.

Daphne runs as a subprocess on this test session's database (the same
settings, DATABASE_URL pointed at the test database), so the browser talks to
the ASGI application, websockets included, exactly as production runs it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Playwright, sync_playwright

from tests.servers import daphne

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# As root Chromium needs --no-sandbox; the rest keep it off this machine's closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True)
def _live_server_helper() -> None:
    """Replaces pytest-django's helper of the same name, which expects its own `live_server` object.

    Ours is a URL served by a separate process; the tests ask for `django_db(transaction=True)`
    themselves, so that what they write is committed where Daphne can read it.
    """


@pytest.fixture(scope="session")
def live_server(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The app at http://localhost:<port>, served by Daphne on the test database."""
    with daphne() as url:
        yield url


# Package scope, not session: while Playwright's sync API is running, the main thread has a running
# event loop, which would break the async tests that run after these in the same session.
@pytest.fixture(scope="package")
def playwright() -> Iterator[Playwright]:
    # That running loop also makes Django refuse ORM calls from the main thread (the tests' own
    # database setup and checks) as "async unsafe"; nothing here shares a connection across threads.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            yield playwright
    finally:
        if previous is None:
            del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="package")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"The browser tests need Chromium at {CHROMIUM}: apt-get install chromium")
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    yield browser
    browser.close()
