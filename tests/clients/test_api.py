"""The clients API (protocol §8) over HTTP: who may do what, and the refusals."""

from __future__ import annotations

import pytest
from django.test import Client as Browser

from clients.models import ClientWorkshop
from goals.models import Member, Role
from room.workshops import workshop_create
from tests.clients.conftest import call
from tests.goals.conftest import logged_in, make_user

pytestmark = pytest.mark.django_db


def test_creating_a_client_shares_it_with_its_creator(alice, bob):
    response = call(logged_in(alice), "POST", "/api/clients", {"name": "  Acme  "})
    assert response.status_code == 201
    body = response.json()
    assert body == {"id": body["id"], "name": "Acme", "colleagues": ["alice"]}
    assert isinstance(body["id"], int)
    assert call(logged_in(alice), "GET", "/api/clients").json() == {"clients": [body]}
    assert call(logged_in(bob), "GET", "/api/clients").json() == {"clients": []}


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"name": ""}, "invalid", "name"),
        ({"name": "x" * 81}, "invalid", "name"),
        ({"name": 3}, "bad_request", "name"),
        ({}, "bad_request", "name"),
        ({"name": "A", "id": 4}, "bad_request", "id"),
    ],
)
def test_a_bad_client_is_refused_naming_the_field(alice, body, code, field):
    response = call(logged_in(alice), "POST", "/api/clients", body)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert response.json()["detail"]["field"] == field


def test_nobody_logged_in_is_refused_with_json(db):
    for method, url in [("GET", "/api/clients"), ("POST", "/api/clients"), ("GET", "/api/portfolio")]:
        response = call(Browser(), method, url, {"name": "A"} if method == "POST" else None)
        assert response.status_code == 403
        assert response.json()["code"] == "forbidden"


def test_a_colleague_adds_a_colleague_by_username(alice, bob, acme):
    response = call(logged_in(alice), "POST", f"/api/clients/{acme.id}/colleagues", {"username": "bob"})
    assert response.status_code == 201
    assert response.json() == {"id": acme.id, "name": "Acme", "colleagues": ["alice", "bob"]}
    # Bob now shares it, and may add someone himself.
    assert [each["id"] for each in call(logged_in(bob), "GET", "/api/clients").json()["clients"]] == [acme.id]
    carol = make_user("carol")
    assert call(logged_in(bob), "POST", f"/api/clients/{acme.id}/colleagues", {"username": "carol"}).status_code == 201
    assert sorted(acme.colleagues.values_list("username", flat=True)) == ["alice", "bob", carol.username]


def test_an_unknown_username_is_400_naming_username(alice, acme):
    response = call(logged_in(alice), "POST", f"/api/clients/{acme.id}/colleagues", {"username": "nobody"})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["detail"]["field"] == "username"


@pytest.mark.parametrize("client_id", ["other", "999999", "abc"])
def test_another_accounts_client_is_404_never_403(alice, bob, acme, client_id):
    target = acme.id if client_id == "other" else client_id
    for method, url, body in [
        ("POST", f"/api/clients/{target}/colleagues", {"username": "bob"}),
        ("DELETE", f"/api/clients/{target}/colleagues/alice", None),
    ]:
        response = call(logged_in(bob), method, url, body)
        assert response.status_code == 404, (method, url)
        assert response.json()["code"] == "not_found"
    assert list(acme.colleagues.values_list("username", flat=True)) == ["alice"]


def test_removing_a_colleague_and_never_the_last(alice, bob, acme):
    acme.colleagues.add(bob)
    browser = logged_in(bob)
    assert call(browser, "DELETE", f"/api/clients/{acme.id}/colleagues/alice").status_code == 204
    assert list(acme.colleagues.values_list("username", flat=True)) == ["bob"]
    last = call(browser, "DELETE", f"/api/clients/{acme.id}/colleagues/bob")
    assert last.status_code == 409
    assert last.json()["code"] == "conflict"
    assert list(acme.colleagues.values_list("username", flat=True)) == ["bob"]
    # Someone who does not share it is not found in it.
    missing = call(browser, "DELETE", f"/api/clients/{acme.id}/colleagues/alice")
    assert missing.status_code == 404
    assert missing.json()["detail"]["field"] == "username"


def test_the_leader_moves_a_workshop_to_a_client_and_back(alice, acme):
    workshop = workshop_create(user=alice, title="Q3 plan")
    browser = logged_in(alice)
    response = call(browser, "PUT", f"/api/w/{workshop.id}/client", {"client": acme.id})
    assert response.status_code == 200
    assert response.json() == {"client": acme.id}
    assert ClientWorkshop.objects.get(workshop=workshop).client == acme
    response = call(browser, "PUT", f"/api/w/{workshop.id}/client", {"client": None})
    assert response.json() == {"client": None}
    assert not ClientWorkshop.objects.filter(workshop=workshop).exists()


def test_only_the_leader_moves_a_workshop_and_only_to_their_own_client(alice, bob, acme, guest_member):
    workshop = workshop_create(user=bob, title="Bob's plan")
    bobs = logged_in(bob)
    # Acme is not Bob's: not found, as another account's client always is.
    refused = call(bobs, "PUT", f"/api/w/{workshop.id}/client", {"client": acme.id})
    assert refused.status_code == 404
    assert refused.json()["detail"]["field"] == "client"
    # Alice is no member of Bob's workshop: not found either.
    assert call(logged_in(alice), "PUT", f"/api/w/{workshop.id}/client", {"client": acme.id}).status_code == 404
    # A member who is not the leader: forbidden.
    member_browser = guest_member(workshop)
    refused = call(member_browser, "PUT", f"/api/w/{workshop.id}/client", {"client": None})
    assert refused.status_code == 403
    assert refused.json()["code"] == "forbidden"
    assert call(bobs, "PUT", f"/api/w/{workshop.id}/client", {}).json()["code"] == "bad_request"
    assert not ClientWorkshop.objects.exists()


def test_state_changing_requests_need_the_csrf_token(alice, acme):
    browser = logged_in(alice, enforce_csrf_checks=True)
    assert call(browser, "POST", "/api/clients", {"name": "B"}).status_code == 403
    assert call(browser, "POST", f"/api/clients/{acme.id}/colleagues", {"username": "alice"}).status_code == 403


@pytest.fixture
def guest_member():
    from goals.invites import current_member_invite, token_for
    from tests.goals.conftest import join_over_http

    def make(workshop):
        browser = Browser()
        member = join_over_http(browser, token_for(current_member_invite(workshop)), "Mia")
        assert member.role == Role.MEMBER
        assert Member.objects.filter(workshop=workshop).count() == 2
        return browser

    return make


def test_the_answers_validate_against_the_openapi_description(alice, bob, acme):
    from tests.workshop.test_openapi import check

    browser = logged_in(alice)
    check(call(browser, "POST", "/api/clients", {"name": "Globex"}), "/api/clients", "post")
    check(call(browser, "GET", "/api/clients"), "/api/clients")
    added = call(browser, "POST", f"/api/clients/{acme.id}/colleagues", {"username": "bob"})
    check(added, "/api/clients/{client_id}/colleagues", "post")
    check(
        call(browser, "POST", f"/api/clients/{acme.id}/colleagues", {"username": "x"}),
        "/api/clients/{client_id}/colleagues",
        "post",
    )
    workshop = workshop_create(user=alice, title="Q3 plan")
    moved = call(browser, "PUT", f"/api/w/{workshop.id}/client", {"client": acme.id})
    check(moved, "/api/w/{workshop_id}/client", "put")
    check(call(browser, "GET", "/api/portfolio"), "/api/portfolio")
    check(call(Browser(), "GET", "/api/portfolio"), "/api/portfolio")
