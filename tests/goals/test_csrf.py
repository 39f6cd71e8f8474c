"""Every state-changing request needs Django's CSRF token (protocol §3).

Each test sends the request first without the token (refused with 403, nothing
changes), then with the token a browser has: the `csrftoken` cookie set by a
page, as the form field or as the `X-CSRFToken` header for JSON.
"""

import json

from django.contrib.auth import get_user_model
from django.test import Client

from goals.models import Invite, Member, Role, Workshop
from room.members import member_role
from tests.goals.conftest import logged_in, make_user

User = get_user_model()
PASSWORD = "quiet-harbour-lantern-7"


def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def csrf_from(client: Client, url: str) -> str:
    """Open a page the way a browser does and read the token it leaves in the cookie."""
    assert client.get(url).status_code == 200
    return client.cookies["csrftoken"].value


def is_logged_in(client: Client) -> bool:
    return client.get("/workshops/new/").status_code == 200


def test_signup(db):
    client = browser()
    data = {"username": "ada", "password1": PASSWORD, "password2": PASSWORD}
    assert client.post("/accounts/signup/", data).status_code == 403
    assert not User.objects.filter(username="ada").exists()

    data["csrfmiddlewaretoken"] = csrf_from(client, "/accounts/signup/")
    assert client.post("/accounts/signup/", data).status_code == 302
    assert User.objects.filter(username="ada").exists()
    assert is_logged_in(client)


def test_login(db):
    make_user("grace", PASSWORD)
    client = browser()
    data = {"username": "grace", "password": PASSWORD}
    assert client.post("/accounts/login/", data).status_code == 403
    assert not is_logged_in(client)

    data["csrfmiddlewaretoken"] = csrf_from(client, "/accounts/login/")
    assert client.post("/accounts/login/", data).status_code == 302
    assert is_logged_in(client)


def test_logout(db):
    client = logged_in(make_user(), enforce_csrf_checks=True)
    assert client.post("/accounts/logout/").status_code == 403
    assert is_logged_in(client)

    token = csrf_from(client, "/")
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert not is_logged_in(client)


def test_new_workshop(db):
    client = logged_in(make_user(), enforce_csrf_checks=True)
    data = {"title": "Halve onboarding time", "votes_per_member": "5"}
    assert client.post("/workshops/new/", data).status_code == 403
    assert not Workshop.objects.exists()

    data["csrfmiddlewaretoken"] = csrf_from(client, "/workshops/new/")
    response = client.post("/workshops/new/", data)
    assert response.status_code == 302
    assert Workshop.objects.count() == 1


def test_join(workshop, member_token):
    client = browser()
    url = f"/join/{member_token}/"
    assert client.post(url, {"display_name": "Mia"}).status_code == 403
    assert not Member.objects.filter(workshop=workshop, name="Mia").exists()

    token = csrf_from(client, url)
    response = client.post(url, {"display_name": "Mia", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Member.objects.filter(workshop=workshop, name="Mia").count() == 1


def test_create_invite(leader_user, workshop):
    client = logged_in(leader_user, enforce_csrf_checks=True)
    api = f"/api/w/{workshop.id}/invites"
    body = json.dumps({"role": "observer"})
    before = Invite.objects.count()
    assert client.post(api, body, content_type="application/json").status_code == 403
    assert Invite.objects.count() == before

    token = csrf_from(client, f"/w/{workshop.id}/")
    response = client.post(api, body, content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert Invite.objects.count() == before + 1


def test_revoke_invite(leader_user, workshop, member_token):
    client = logged_in(leader_user, enforce_csrf_checks=True)
    url = f"/api/w/{workshop.id}/invites/{member_token}"
    assert client.delete(url).status_code == 403
    assert Client().get(f"/join/{member_token}/").status_code == 200

    token = csrf_from(client, f"/w/{workshop.id}/")
    assert client.delete(url, headers={"X-CSRFToken": token}).status_code == 204
    assert Client().get(f"/join/{member_token}/").status_code == 410


def test_a_wrong_token_is_refused_too(leader_user, workshop):
    client = logged_in(leader_user, enforce_csrf_checks=True)
    csrf_from(client, f"/w/{workshop.id}/")
    before = Invite.objects.count()
    response = client.post(
        f"/api/w/{workshop.id}/invites", "{}", content_type="application/json", headers={"X-CSRFToken": "x" * 32}
    )
    assert response.status_code == 403
    assert Invite.objects.count() == before


def test_a_guest_facilitator_makes_invites_with_the_token_from_joining(workshop, leader, member_token):
    """A guest has no account pages: the cookie from the join page is what their board's API calls carry."""
    client = browser()
    token = csrf_from(client, f"/join/{member_token}/")
    response = client.post(f"/join/{member_token}/", {"display_name": "Fay", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    member = Member.objects.get(workshop=workshop, name="Fay")
    member_role(workshop_id=workshop.id, actor_id=leader.id, member=member.id, role=Role.FACILITATOR)

    api = f"/api/w/{workshop.id}/invites"
    assert client.post(api, "{}", content_type="application/json").status_code == 403
    assert client.get(f"/w/{workshop.id}/").status_code == 200
    token = client.cookies["csrftoken"].value
    response = client.post(api, "{}", content_type="application/json", headers={"X-CSRFToken": token})
    assert response.status_code == 201
    assert client.delete(f"{api}/{response.json()['token']}", headers={"X-CSRFToken": token}).status_code == 204
