"""A real SMTP server for the mail tests, Django's SMTP backend pointed at it, and time to move.

The server is aiosmtpd's, on 127.0.0.1 in a thread; what it receives is parsed back into
`email.message.EmailMessage`s, headers and parts included, so a test reads what a mail client
would. `smtp.stop()` and `smtp.start()` take it down and bring it back on the same port.
"""

from __future__ import annotations

import email
import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.test import Client

from core import clock as core_clock
from goals.models import Member
from jobs.worker import run_due_jobs
from mail.models import Address
from tests.planning.ws import session_cookie

SITE = "https://rallypoint.example.org"


class Collector:
    def __init__(self) -> None:
        self.received: list[EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.received.append(message)  # type: ignore[arg-type]
        return "250 OK"


class Smtp:
    def __init__(self, port: int) -> None:
        self.port = port
        self.collector = Collector()
        self.controller: Controller | None = None

    @property
    def received(self) -> list[EmailMessage]:
        return self.collector.received

    def start(self) -> None:
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.received if message["To"] == address]

    def clear(self) -> None:
        self.received.clear()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(settings) -> Iterator[Smtp]:
    server = Smtp(free_port())
    server.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = server.port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "Rallypoint <rallypoint@example.org>"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    yield server
    server.stop()


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    """Every part of Rallypoint reads `moment` as now (core.clock)."""
    with mock.patch("core.clock.now", return_value=moment):
        yield


def later(**delta: float) -> datetime:
    return core_clock.now() + timedelta(**delta)


def confirmed(member: Member, address: str | None = None) -> Address:
    """A confirmed address for `member`: their account's if they have one, else their own."""
    owner = {"user_id": member.user_id} if member.user_id else {"member": member}
    return Address.objects.create(email=address or f"m{member.id}@example.org", confirmed_at=core_clock.now(), **owner)


def drain() -> int:
    """Run every job due now, and again for what they queued."""
    return run_due_jobs()


def browser_of(member: Member) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie(member)
    return client


def parts(message: EmailMessage) -> tuple[str, str]:
    """The plain text and the HTML of a mail."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None, "a mail has a plain-text part"
    assert html is not None, "a mail has an HTML part"
    return text.get_content(), html.get_content()
