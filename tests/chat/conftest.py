"""Fixtures of the chat tests: receivers on loopback (allowed by the address rules' switches), the
leader's browser, and a helper that adds a room through the API as the settings page would."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest
from django.test import Client

from tests.chat.receivers import Receiver, receiver
from tests.goals.conftest import guest, logged_in, other_workshop  # noqa: F401 (fixtures)

KINDS = ("slack", "mattermost", "teams", "discord")


@pytest.fixture
def loopback(settings):
    """Receivers listen on 127.0.0.1 over plain HTTP: lift the address rules, as an intranet would."""
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.SITE_URL = "https://rallypoint.example.org"


@pytest.fixture
def receivers(loopback) -> Iterator[dict[str, Receiver]]:
    with ExitStack() as stack:
        yield {kind: stack.enter_context(receiver(kind)) for kind in KINDS}


@pytest.fixture
def leader_client(leader) -> Client:
    return logged_in(leader.user)


def add_room(client: Client, workshop, kind: str, url: str, **fields) -> dict:
    response = client.post(
        f"/api/w/{workshop.id}/chat", {"kind": kind, "url": url, **fields}, content_type="application/json"
    )
    assert response.status_code == 201, response.content
    return response.json()
