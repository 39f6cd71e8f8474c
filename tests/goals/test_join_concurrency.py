"""Invite limits hold when people join at the same moment (protocol §3).

Every joiner is a real thread with its own database connection, posting the join form through
the whole Django stack; a barrier releases them together. The data is committed
(transaction=True), so the threads see each other's work as separate browsers' requests would,
on SQLite and on PostgreSQL alike.
"""

from __future__ import annotations

import copy
import json
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connections
from django.test import Client

from goals.invites import invite_revoke
from goals.models import Invite, Member, Role
from live.models import Event

pytestmark = pytest.mark.django_db(transaction=True)

JOINERS = 8


def at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Run each job on a thread of its own, all released at the same moment; their results in order."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = job()
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, job)) for index, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a joiner hung"
    assert not errors, errors
    return results


def new_invite(leader_client, workshop, **body) -> str:
    response = leader_client.post(f"/api/w/{workshop.id}/invites", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["token"]


def joiner(token: str, name: str) -> Callable[[], int]:
    def join() -> int:
        return Client().post(f"/join/{token}/", {"display_name": name}).status_code

    return join


def admitted_through(workshop) -> list[Member]:
    return list(Member.objects.filter(workshop=workshop).exclude(role=Role.LEADER))


@pytest.mark.parametrize("max_uses", [1, 3])
def test_a_link_admits_exactly_its_uses_when_everyone_joins_at_once(leader_client, workshop, max_uses):
    token = new_invite(leader_client, workshop, max_uses=max_uses)
    answers = at_once([joiner(token, f"Racer {number}") for number in range(JOINERS)])
    assert Counter(answers) == {302: max_uses, 410: JOINERS - max_uses}
    assert len(admitted_through(workshop)) == max_uses
    assert Invite.objects.get(workshop=workshop, max_uses=max_uses).uses == max_uses
    assert Event.objects.filter(workshop=workshop, name="member.joined").count() == max_uses
    assert Client().get(f"/join/{token}/").status_code == 410


def test_nobody_gets_in_after_the_revocation_commits(leader_client, workshop):
    token = new_invite(leader_client, workshop)

    def revoke() -> bool:
        return invite_revoke(workshop=workshop, token=token)

    answers = at_once([joiner(token, f"Racer {number}") for number in range(JOINERS)] + [revoke])
    assert answers[-1] is True
    invite = Invite.objects.get(workshop=workshop, max_uses=None, revoked_at__isnull=False)
    admitted = admitted_through(workshop)
    assert answers[:-1].count(302) == len(admitted) == invite.uses
    assert set(answers[:-1]) <= {302, 410}
    assert all(member.joined_at < invite.revoked_at for member in admitted)
    assert Client().get(f"/join/{token}/").status_code == 410


def test_a_double_click_on_join_makes_one_member(workshop, member_token):
    """One browser: the page was opened once, then the form went off twice at the same moment."""
    browser = Client()
    assert browser.get(f"/join/{member_token}/").status_code == 200
    cookies = browser.cookies

    def click() -> int:
        again = Client()
        again.cookies = copy.deepcopy(cookies)
        return again.post(f"/join/{member_token}/", {"display_name": "Double"}).status_code

    assert at_once([click, click]) == [302, 302]
    assert Member.objects.filter(workshop=workshop, name="Double").count() == 1
