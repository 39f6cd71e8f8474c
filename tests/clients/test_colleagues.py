"""Colleagues open a client's workshops as facilitators (protocol §8): through explicit
memberships the clients app makes and takes back, on the board page, the state API and the socket."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async

from clients.colleagues import client_create, colleague_add, colleague_remove, workshop_client_set
from goals.members import member_admit
from goals.models import Member, Role
from live.models import Event
from room.workshops import workshop_create
from tests.clients.conftest import call
from tests.goals.conftest import logged_in
from tests.planning.ws import Ws


def leader_of(workshop):
    return Member.objects.get(workshop=workshop, role=Role.LEADER)


def role_in(workshop, user):
    """What the state API says the user is in the workshop, or None when it is not found for them."""
    response = logged_in(user).get(f"/api/w/{workshop.id}/state")
    if response.status_code == 404:
        return None
    assert response.status_code == 200
    return response.json()["me"]["role"]


def events(workshop, *names):
    return [
        (event.name, event.data)
        for event in Event.objects.filter(workshop_id=workshop.id).order_by("seq")
        if event.name in names
    ]


@pytest.fixture
def plan(alice):
    return workshop_create(user=alice, title="Acme's Q3 plan")


@pytest.mark.django_db
def test_linking_a_workshop_makes_every_colleague_a_facilitator(alice, bob, carol, acme, plan):
    colleague_add(user=alice, client_id=acme.id, username="bob")
    assert role_in(plan, bob) is None, "not before the workshop is the client's"
    workshop_client_set(workshop_id=plan.id, member=leader_of(plan), client_id=acme.id)
    assert role_in(plan, bob) == Role.FACILITATOR
    assert role_in(plan, alice) == Role.LEADER, "the leader stays the leader"
    assert role_in(plan, carol) is None
    page = logged_in(bob).get(f"/w/{plan.id}/")
    assert page.status_code == 200
    assert b"data-invite-url" in page.content, "the board page of a facilitator"
    bobs = Member.objects.get(workshop=plan, user=bob)
    assert events(plan, "member.joined") == [
        ("member.joined", {"member": {"id": bobs.id, "name": "bob", "role": "facilitator", "ready": False}})
    ]


@pytest.mark.django_db
def test_a_colleague_added_later_facilitates_every_workshop_of_the_client(alice, bob, acme):
    plans = [workshop_create(user=alice, title=f"Plan {n}") for n in range(3)]
    for each in plans:
        workshop_client_set(workshop_id=each.id, member=leader_of(each), client_id=acme.id)
    elsewhere = workshop_create(user=alice, title="Not Acme's")
    call(logged_in(alice), "POST", f"/api/clients/{acme.id}/colleagues", {"username": "bob"})
    assert [role_in(each, bob) for each in plans] == [Role.FACILITATOR] * 3
    assert role_in(elsewhere, bob) is None
    # Adding again changes nothing: no second member, no second event.
    colleague_add(user=alice, client_id=acme.id, username="bob")
    assert Member.objects.filter(user=bob).count() == 3
    assert all(len(events(each, "member.joined", "member.changed")) == 1 for each in plans)


@pytest.mark.django_db
def test_a_member_is_promoted_and_gets_their_role_back_when_the_colleague_leaves(alice, bob, acme, plan):
    member_admit(workshop_id=plan.id, user=bob, role=Role.MEMBER)
    workshop_client_set(workshop_id=plan.id, member=leader_of(plan), client_id=acme.id)
    colleague_add(user=alice, client_id=acme.id, username="bob")
    assert role_in(plan, bob) == Role.FACILITATOR
    colleague_remove(user=alice, client_id=acme.id, username="bob")
    assert role_in(plan, bob) == Role.MEMBER, "a member before, a member after"
    assert [name for name, _ in events(plan, "member.joined", "member.changed", "member.removed")] == [
        "member.joined",
        "member.changed",
        "member.changed",
    ]


@pytest.mark.django_db
def test_leaving_the_client_or_the_workshop_leaving_it_removes_whom_it_brought(alice, bob, carol, acme, plan):
    colleague_add(user=alice, client_id=acme.id, username="bob")
    colleague_add(user=alice, client_id=acme.id, username="carol")
    workshop_client_set(workshop_id=plan.id, member=leader_of(plan), client_id=acme.id)
    colleague_remove(user=bob, client_id=acme.id, username="bob")
    assert role_in(plan, bob) is None
    assert logged_in(bob).get(f"/w/{plan.id}/").status_code == 410, "told they were removed"
    workshop_client_set(workshop_id=plan.id, member=leader_of(plan), client_id=None)
    assert role_in(plan, carol) is None
    removed = [data["member"] for _, data in events(plan, "member.removed")]
    assert removed == [Member.objects.get(workshop=plan, user=who).id for who in (bob, carol)]
    # Linked again, Carol comes back, as the same member.
    workshop_client_set(workshop_id=plan.id, member=leader_of(plan), client_id=acme.id)
    assert role_in(plan, carol) == Role.FACILITATOR
    assert Member.objects.filter(workshop=plan, user=carol).count() == 1


@pytest.mark.django_db
def test_moving_a_workshop_between_clients_keeps_those_who_share_both(alice, bob, carol, acme, plan):
    globex = client_create(user=alice, name="Globex")
    colleague_add(user=alice, client_id=acme.id, username="bob")
    colleague_add(user=alice, client_id=acme.id, username="carol")
    colleague_add(user=alice, client_id=globex.id, username="bob")
    workshop_client_set(workshop_id=plan.id, member=leader_of(plan), client_id=acme.id)
    workshop_client_set(workshop_id=plan.id, member=leader_of(plan), client_id=globex.id)
    assert role_in(plan, bob) == Role.FACILITATOR
    assert role_in(plan, carol) is None
    assert len(events(plan, "member.removed")) == 1, "Bob was never removed"
    # Bob's facilitation is Globex's now: leaving Acme does not take it back.
    colleague_remove(user=alice, client_id=acme.id, username="bob")
    assert role_in(plan, bob) == Role.FACILITATOR


@pytest.mark.django_db(transaction=True)
async def test_a_colleague_opens_the_workshop_on_the_socket_as_a_facilitator(alice, bob, acme, plan):
    await sync_to_async(colleague_add)(user=alice, client_id=acme.id, username="bob")
    leader = await sync_to_async(leader_of)(plan)
    await sync_to_async(workshop_client_set)(workshop_id=plan.id, member=leader, client_id=acme.id)
    bobs = await sync_to_async(Member.objects.get)(workshop=plan, user=bob)
    ws = await Ws.open(plan.id, bobs)
    try:
        assert ws.accepted
        snapshot = await ws.recv()
        assert snapshot["type"] == "snapshot"
        assert snapshot["me"]["role"] == "facilitator"
        ref = await ws.send("timer.start", seconds=60)
        assert (await ws.reply(ref))["type"] == "ack", "a facilitator's op"
        # Leaving the client closes their socket as a removal does.
        await sync_to_async(colleague_remove)(user=alice, client_id=acme.id, username="bob")
        assert await ws.closed() == 4403
    finally:
        await ws.close()
