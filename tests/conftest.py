"""Shared fixtures: a leader's workshop and people joined through its invite."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django.db import connections

from goals.invites import current_member_invite, invite_create, token_for
from goals.members import member_join
from goals.models import Member, Role, Workshop
from goals.workshops import workshop_create

_names = itertools.count(1)


@pytest.fixture(scope="session", autouse=True)
def _close_database_pools(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Close PostgreSQL's connection pools before the test database is dropped: the
    websockets' database threads return their connections to the pool, which keeps them open,
    and a database with open sessions cannot be dropped.

    Closing a pool leaves open the connections it has lent out, and threads that outlive the
    tests still hold some: at the end of a PostgreSQL run, the four database threads and
    asgiref's executor thread each had one, and the drop failed with "being accessed by other
    users". So the sessions still on the test database are ended too; it is dropped next."""
    yield
    with django_db_blocker.unblock():
        for connection in connections.all(initialized_only=True):
            if getattr(connection, "pool", None) is not None:
                connection.close_pool()
            if connection.vendor == "postgresql":
                # Through the maintenance database, unpooled, as Django's own drop goes.
                with connection._nodb_cursor() as cursor:
                    cursor.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                        [connection.settings_dict["NAME"]],
                    )


@pytest.fixture
def leader_user(db):
    return get_user_model().objects.create_user(username=f"leader{next(_names)}", password="a-long-password-1")


@pytest.fixture
def workshop(leader_user) -> Workshop:
    return workshop_create(
        user=leader_user,
        title="Ship the new onboarding by March",
        why="New customers churn in week one.",
        success_criteria=["Activation above 60%", "Support tickets halved"],
        votes_per_member=5,
    )


@pytest.fixture
def leader(workshop) -> Member:
    return Member.objects.get(workshop=workshop, role=Role.LEADER)


@pytest.fixture
def join(workshop) -> Callable[..., Member]:
    """Join a guest (fresh session) with a role; facilitators are promoted directly."""

    def join_as(role: str = Role.MEMBER, name: str | None = None, target: Workshop | None = None) -> Member:
        target = target or workshop
        invite_role = Role.OBSERVER if role == Role.OBSERVER else Role.MEMBER
        invite = current_member_invite(target) if invite_role == Role.MEMBER else None
        invite = invite or invite_create(workshop=target, created_by=None, role=invite_role)
        member = member_join(
            token=token_for(invite), name=name or f"Guest {next(_names)}", user=None, session=SessionStore()
        )
        if role == Role.FACILITATOR:
            Member.objects.filter(pk=member.pk).update(role=Role.FACILITATOR)
            member.refresh_from_db()
        return member

    return join_as


@pytest.fixture
def member(join) -> Member:
    return join(Role.MEMBER, "Mia")


@pytest.fixture
def facilitator(join) -> Member:
    return join(Role.FACILITATOR, "Fay")


@pytest.fixture
def observer(join) -> Member:
    return join(Role.OBSERVER, "Otto")
