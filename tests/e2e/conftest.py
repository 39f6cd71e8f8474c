"""End-to-end fixtures: the app served by a real Daphne process, and headless Chromium.

Daphne runs as a subprocess on this test session's database (the same
settings, DATABASE_URL pointed at the test database), so the browser talks to
the ASGI application, websockets included, exactly as production runs it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser, Playwright, sync_playwright

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
ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _test_database_url() -> str:
    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{database['NAME']}"
    user = database.get("USER") or ""
    password = f":{database['PASSWORD']}" if database.get("PASSWORD") else ""
    host = database.get("HOST") or "127.0.0.1"
    port = database.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{database['NAME']}"


@pytest.fixture(autouse=True)
def _live_server_helper() -> None:
    """Replaces pytest-django's helper of the same name, which expects its own `live_server` object.

    Ours is a URL served by a separate process; the tests ask for `django_db(transaction=True)`
    themselves, so that what they write is committed where Daphne can read it.
    """


@pytest.fixture(scope="session")
def live_server(django_db_setup, django_db_blocker) -> Iterator[str]:
    """The app at http://localhost:<port>, served by Daphne on the test database."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": _test_database_url(),
        "ALLOWED_HOSTS": "localhost,127.0.0.1",
    }
    # The server's log goes to a file, not a pipe: nobody reads a pipe while the tests run, and a
    # full one (64 KiB of INFO lines and 404 warnings) would block Daphne mid-test.
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed after the server stops)
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "workshop.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310 (localhost)
                if response.status == 200:
                    break
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                server.wait()
                raise RuntimeError(f"Daphne did not start: {_tail(log)}") from None
            time.sleep(0.1)
    yield url
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


def _tail(log, size: int = 2000) -> str:
    log.seek(0, os.SEEK_END)
    log.seek(max(0, log.tell() - size))
    return log.read().decode(errors="replace")


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
