"""Fixtures of the planning tests."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from channels.layers import DEFAULT_CHANNEL_LAYER, channel_layers
from channels_redis.core import RedisChannelLayer

from goals.models import Role
from live.changes import Change
from room.workshops import workshop_create
from tests.planning.helpers import json_round_trip, lanes_of
from tests.planning.ws import Ws


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Leaders have accounts; hashing their passwords properly would take most of the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def events_are_plain_json(monkeypatch):
    """Zulip's rule: every event is round-tripped through JSON as it is emitted,
    so that a payload a socket could not carry fails in the operation that made it."""
    emit = Change.emit

    def checked_emit(self, name, data, *, private=None, only_for=None):
        json_round_trip(data)
        if private is not None:
            json_round_trip(private)
        if only_for is not None:
            json_round_trip(list(only_for))
        emit(self, name, data, private=private, only_for=only_for)

    monkeypatch.setattr(Change, "emit", checked_emit)


@pytest.fixture(autouse=True)
def core_layer_per_test():
    """channels_redis's core layer (CHANNEL_LAYER=core) keeps its receive lock bound to the
    event loop that first received, and every async test runs on a loop of its own: each test
    gets a new layer. The in-memory and pub/sub layers live across loops as they are."""
    yield
    if isinstance(channel_layers.backends.get(DEFAULT_CHANNEL_LAYER), RedisChannelLayer):
        channel_layers.backends.clear()


@pytest.fixture
def target(join):
    """A second plain member, the one others assign, promote and remove."""
    return join(Role.MEMBER, "Tess")


@pytest.fixture
def room(workshop, leader, facilitator, member, observer, target):
    """Everyone at once, with the default lanes Now, Next, Later."""
    return SimpleNamespace(
        workshop=workshop,
        leader=leader,
        facilitator=facilitator,
        member=member,
        observer=observer,
        target=target,
        lanes=lanes_of(workshop),
        by_role={
            Role.LEADER: leader,
            Role.FACILITATOR: facilitator,
            Role.MEMBER: member,
            Role.OBSERVER: observer,
        },
    )


@pytest.fixture
def other_workshop(django_user_model):
    """A second workshop, whose items, lanes and members are `not_found` from the first."""
    user = django_user_model.objects.create_user(username="another-leader", password="a-long-password-2")
    return workshop_create(user=user, title="Another goal", success_criteria=["One", "Two", "Three"])


@pytest.fixture
async def connect():
    """`await connect(workshop_or_id, member, **options)`: a Ws, closed at the end of the test."""
    opened: list[Ws] = []

    async def open_socket(workshop: Any, member: Any = None, **options: Any) -> Ws:
        workshop_id = workshop if isinstance(workshop, str) else workshop.id
        ws = await Ws.open(workshop_id, member, **options)
        opened.append(ws)
        return ws

    yield open_socket
    failures = []
    for ws in opened:
        try:
            await ws.close()
        except AssertionError as failure:
            failures.append(failure)
    assert not failures, failures
