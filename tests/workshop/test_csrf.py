"""What a request refused by Django's CSRF check gets (workshop.csrf, CSRF_FAILURE_VIEW).

The check runs in the middleware, before any view: a method the URL never takes must still be
405, with or without a token; the JSON API's refusal is its JSON error object, never a page.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import resolve
from jsonschema import Draft202012Validator

from core.http import allowed_methods
from goals.invites import current_member_invite, token_for
from goals.models import Invite
from tests.goals.conftest import logged_in
from workshop.openapi import description

pytestmark = pytest.mark.django_db

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


@pytest.fixture
def invite_token(workshop) -> str:
    return token_for(current_member_invite(workshop))


def urls(workshop_id: str, token: str) -> list[str]:
    """One URL for every pattern of workshop/urls.py, with real ids where it takes them."""
    from workshop.urls import urlpatterns

    values = {
        "workshop_id": workshop_id,
        "token": token,
        "extension": "md",
        "tid": "builtin-okr",
        "client_id": "1",
        "username": "someone",
        "item_id": "1",
        "room_id": "1",
        "hid": "1",
        "did": "msg_1",
    }
    found = []
    for pattern in urlpatterns:
        route = str(pattern.pattern)
        found.append("/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda match: values[match[1]], route))
    return found


def send(client: Client, method: str, url: str, **extra):
    return client.generic(method, url, b"{}", content_type="application/json", **extra)


def error_schema() -> dict:
    spec = description()
    return {"$ref": "#/components/schemas/Error", "components": spec["components"]}


def test_every_view_says_which_methods_it_takes(workshop, invite_token):
    for url in urls(workshop.id, invite_token):
        assert allowed_methods(resolve(url).func) is not None, url


def test_a_method_a_url_never_takes_is_405_with_or_without_the_csrf_token(leader_user, workshop, invite_token):
    client = logged_in(leader_user, enforce_csrf_checks=True)
    token = client.get(f"/w/{workshop.id}/").cookies["csrftoken"].value
    checked = 0
    for url in urls(workshop.id, invite_token):
        allowed = allowed_methods(resolve(url).func)
        for method in UNSAFE:
            if method in allowed:
                continue
            for headers in ({}, {"X-CSRFToken": token}):
                response = send(client, method, url, headers=headers)
                assert response.status_code == 405, (method, url, headers, response.status_code)
                assert set(response["Allow"].split(", ")) == allowed, (method, url)
                checked += 1
    assert checked > 20


def test_an_outsider_is_told_405_too_the_method_comes_before_who_asks(workshop, invite_token):
    outsider = Client(enforce_csrf_checks=True)
    for url in (f"/api/w/{workshop.id}/invites", f"/api/w/{workshop.id}/state", f"/w/{workshop.id}/export/plan.md"):
        assert send(outsider, "PUT", url).status_code == 405, url
    assert send(outsider, "POST", "/").status_code == 405


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/w/{id}/invites"),
        ("DELETE", "/api/w/{id}/invites/{token}"),
        ("POST", "/api/w/{id}/me/link"),
        ("DELETE", "/api/w/{id}/me/link"),
    ],
)
def test_the_json_api_refuses_without_the_token_with_its_error_object(
    leader_user, workshop, invite_token, method, path
):
    client = logged_in(leader_user, enforce_csrf_checks=True)
    before = Invite.objects.filter(revoked_at__isnull=True).count()
    response = send(client, method, path.format(id=workshop.id, token=invite_token))
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    body = response.json()
    Draft202012Validator(error_schema()).validate(body)
    assert body["code"] == "forbidden"
    assert "X-CSRFToken" in body["message"]
    assert set(body["detail"]) == {"csrf"}
    assert body["detail"]["csrf"].startswith("CSRF ")
    assert Invite.objects.filter(revoked_at__isnull=True).count() == before


def test_a_wrong_token_is_said_in_the_error_object(leader_user, workshop):
    client = logged_in(leader_user, enforce_csrf_checks=True)
    client.get(f"/w/{workshop.id}/")
    response = send(client, "POST", f"/api/w/{workshop.id}/invites", headers={"X-CSRFToken": "x" * 32})
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert response.json()["detail"]["csrf"] == "CSRF token from the 'X-Csrftoken' HTTP header incorrect."


def test_pages_still_answer_the_form_expired_page(workshop, invite_token):
    response = Client(enforce_csrf_checks=True).post(f"/join/{invite_token}/", {"display_name": "Mia"})
    assert response.status_code == 403
    assert response["Content-Type"].startswith("text/html")
    assert b"This form has expired" in response.content


def test_the_openapi_description_says_the_refusal_is_json():
    refusal = description()["components"]["responses"]["CsrfFailed"]
    assert set(refusal["content"]) == {"application/json"}
