"""HTTP fixtures: browsers (test clients) of the leader, guests who joined through a link, outsiders.

Everything a client does here goes through the URLs of protocol §3; the
domain is called directly only to set up what has no HTTP form (roles, items).
"""

from __future__ import annotations

import itertools
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from goals.invites import current_member_invite, invite_create, token_for
from goals.models import Member, Role
from room.members import member_role
from room.workshops import workshop_create

_numbers = itertools.count(1)

CSRF_VALUE = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"')


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # The default PBKDF2 work factor costs ~0.3 s a password; these tests check
    # accounts, not hashing strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


PASSWORD = "a-long-password-1"


def make_user(username: str | None = None, password: str | None = None):
    return get_user_model().objects.create_user(
        username=username or f"user{next(_numbers)}", password=password or PASSWORD
    )


def logged_in(user, *, enforce_csrf_checks: bool = False) -> Client:
    client = Client(enforce_csrf_checks=enforce_csrf_checks)
    client.force_login(user)
    return client


def join_over_http(client: Client, token: str, name: str) -> Member:
    """Join through the join form and return the member the state API says this client is."""
    response = client.post(f"/join/{token}/", {"display_name": name})
    assert response.status_code == 302, response.content
    workshop_id = response["Location"].strip("/").split("/")[-1]
    state = client.get(f"/api/w/{workshop_id}/state")
    assert state.status_code == 200
    return Member.objects.get(pk=state.json()["me"]["member"])


def normalized(response) -> bytes:
    """A page's body without the per-request masked CSRF token, to compare two pages."""
    return CSRF_VALUE.sub(b'name="csrfmiddlewaretoken" value=""', response.content)


@pytest.fixture
def leader_client(leader_user, workshop) -> Client:
    return logged_in(leader_user)


@pytest.fixture
def member_token(workshop) -> str:
    """The token of the workshop's default member invite."""
    return token_for(current_member_invite(workshop))


@pytest.fixture
def guest(workshop, leader):
    """A browser that joined `workshop` (or `target`) through an invite link, with a role."""

    def make(role: str = Role.MEMBER, name: str | None = None, target=None, target_leader=None):
        target = target or workshop
        target_leader = target_leader or (leader if target == workshop else target.members.get(role=Role.LEADER))
        if role == Role.OBSERVER:
            invite = invite_create(workshop=target, created_by=target_leader, role=Role.OBSERVER)
        else:
            invite = current_member_invite(target)
        client = Client()
        member = join_over_http(client, token_for(invite), name or f"Guest {next(_numbers)}")
        if role == Role.FACILITATOR:
            member_role(workshop_id=target.id, actor_id=target_leader.id, member=member.id, role=Role.FACILITATOR)
            member.refresh_from_db()
        assert member.role == role
        return client, member

    return make


@pytest.fixture
def other_workshop(db):
    return workshop_create(user=make_user(), title="Another team's goal", why="", success_criteria=[])


@pytest.fixture
def outsider(guest, other_workshop) -> Client:
    """A member of another workshop: a real session, just not in ours."""
    client, _ = guest(Role.MEMBER, target=other_workshop)
    return client


@pytest.fixture
def clock():
    """Move time: `clock(hours=2)` shifts what every part of Rallypoint reads as now."""
    real_now = timezone.now
    offset = timedelta()

    def move(**delta: float) -> None:
        nonlocal offset
        offset += timedelta(**delta)

    with mock.patch("django.utils.timezone.now", side_effect=lambda: real_now() + offset):
        yield move


def assert_removed_page(response, workshop):
    """A page that says so (docs: 410, the workshop is there but no longer for them), with no form."""
    assert response.status_code == 410
    assert b"You were removed from this workshop" in response.content
    assert workshop.title.encode() in response.content
    assert b'name="display_name"' not in response.content, "no invite form"
