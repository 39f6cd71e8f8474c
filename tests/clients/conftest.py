"""Fixtures of the clients' tests: accounts with browsers, a client shared by some of them."""

from __future__ import annotations

import json

import pytest

from clients.colleagues import client_create
from tests.goals.conftest import _fast_password_hashing, clock, logged_in, make_user  # noqa: F401 (fixtures)


def call(client, method, url, body=None):
    """A JSON request as the page's script makes it."""
    send = getattr(client, method.lower())
    if body is None:
        return send(url)
    return send(url, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def alice(db):
    return make_user("alice")


@pytest.fixture
def bob(db):
    return make_user("bob")


@pytest.fixture
def carol(db):
    return make_user("carol")


@pytest.fixture
def acme(alice):
    """A client Alice created: she shares it alone."""
    return client_create(user=alice, name="Acme")
