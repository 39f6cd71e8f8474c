"""`GET /api/openapi.json`: a valid OpenAPI 3.1 description of every JSON endpoint, served to anyone.

The description is held to the code three ways: it is valid OpenAPI (openapi-spec-validator);
its paths are exactly the API's URL patterns, so an endpoint added without a description fails;
and real answers of the API validate against the schemas it gives them (jsonschema), objects
closed with `additionalProperties: false`, so a field added to the snapshot without a
description fails too.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from goals.models import Role
from tests.goals.conftest import logged_in
from tests.planning.helpers import add_item, agree, send, set_phase
from workshop.openapi import DESCRIPTION, description

# Endpoints outside /api/ that answer what a script reads: the health check and the plan export.
ALSO_DESCRIBED = {"healthz", "w/<str:workshop_id>/export/plan.<str:extension>"}


def api_paths() -> set[str]:
    from workshop.urls import urlpatterns

    routes = {str(pattern.pattern) for pattern in urlpatterns}
    described = {route for route in routes if route.startswith("api/")} | ALSO_DESCRIBED
    assert routes >= ALSO_DESCRIBED
    return {"/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route) for route in described}


def test_the_description_is_valid_openapi_3_1():
    spec = json.loads(DESCRIPTION.read_text(encoding="utf-8"))
    assert spec["openapi"].startswith("3.1.")
    validate(spec)


def test_it_describes_exactly_the_apis_urls():
    assert set(description()["paths"]) == api_paths()


@pytest.mark.django_db
def test_anyone_gets_it_as_json():
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == json.loads(DESCRIPTION.read_text(encoding="utf-8"))


# --- real answers against their schemas ---------------------------------------------------------


def schema_of(path: str, method: str, status: int) -> dict[str, Any]:
    spec = description()
    operation = spec["paths"][path][method]
    answer = operation["responses"][str(status)]
    if "$ref" in answer:
        answer = spec["components"]["responses"][answer["$ref"].rsplit("/", 1)[1]]
    # The operation's schema, with the components its references point into.
    return {**answer["content"]["application/json"]["schema"], "components": spec["components"]}


def check(response, path: str, method: str = "get") -> Any:
    body = response.json()
    Draft202012Validator(schema_of(path, method, response.status_code)).validate(body)
    return body


@pytest.fixture
def board(workshop, leader, join):
    """A workshop with something in every part of the snapshot: items, dots, owners, progress,
    helpers, a check-in, a confidence result, a timer and a walk."""
    member = join(Role.MEMBER, "Mia")
    observer = join(Role.OBSERVER, "Otto")
    first = add_item(workshop, member, title="Guided start", notes="Three calls", due="2026-12-05", criterion=0)
    second = add_item(workshop, leader, title="Tickets")
    set_phase(workshop, "vote")
    send(workshop, member, "vote.cast", item=first)
    send(workshop, leader, "vote.cast", item=first)
    return workshop, leader, member, observer, first, second


@pytest.mark.django_db
def test_the_state_validates_while_tallies_are_hidden_and_after_the_agreement(board):
    workshop, leader, member, _, first, second = board
    client = logged_in(leader.user)
    path = "/api/w/{workshop_id}/state"
    hidden = check(client.get(f"/api/w/{workshop.id}/state"), path)
    assert hidden["items"][0]["votes"] is None
    assert hidden["me"]["votes"] == {str(first): 1}

    send(workshop, leader, "phase.set", phase="plan")
    send(workshop, leader, "confidence.open")
    send(workshop, member, "confidence.answer", score=4)
    send(workshop, leader, "confidence.close")
    agree(workshop, leader, {first: member, second: leader})
    send(workshop, member, "item.progress", item=first, state="at_risk", note="Waiting on legal")
    send(workshop, leader, "item.help", item=first, offer=True)
    send(workshop, leader, "checkin.record", note="Week 1")
    send(workshop, leader, "timer.start", seconds=300)
    send(workshop, leader, "walk.focus", item=first)
    agreed = check(client.get(f"/api/w/{workshop.id}/state"), path)
    item = next(item for item in agreed["items"] if item["id"] == first)
    assert item["progress"]["state"] == "at_risk"
    assert item["helpers"] == [leader.id]
    assert agreed["workshop"]["checkins"][0]["counts"]["at_risk"] == 1
    assert agreed["workshop"]["confidence"]["result"]["histogram"][4] == 1
    assert agreed["workshop"]["focus"] == first


@pytest.mark.django_db
def test_invites_plans_return_links_and_errors_validate(board):
    workshop, leader, *_ = board
    client = logged_in(leader.user)
    invites = f"/api/w/{workshop.id}/invites"
    created = client.post(
        invites, {"role": "observer", "expires_in_hours": 24, "max_uses": 3}, content_type="application/json"
    )
    assert created.status_code == 201
    token = check(created, "/api/w/{workshop_id}/invites", "post")["token"]
    assert token in [invite["token"] for invite in check(client.get(invites), "/api/w/{workshop_id}/invites")]
    refused = client.post(invites, {"role": "leader"}, content_type="application/json")
    assert check(refused, "/api/w/{workshop_id}/invites", "post")["code"] == "invalid"
    link = client.post(f"/api/w/{workshop.id}/me/link")
    assert link.status_code == 201
    check(link, "/api/w/{workshop_id}/me/link", "post")

    send(workshop, leader, "phase.set", phase="plan")
    agree(workshop, leader, {board[4]: leader})
    (version,) = check(client.get(f"/api/w/{workshop.id}/plans"), "/api/w/{workshop_id}/plans")
    assert version["number"] == 1

    outsider = Client().get(f"/api/w/{workshop.id}/state")
    assert outsider.status_code == 404
    check(outsider, "/api/w/{workshop_id}/state")


@pytest.mark.django_db
def test_the_health_check_validates():
    check(Client().get("/healthz"), "/healthz")


@pytest.mark.django_db
def test_the_calendar_feed_validates(board):
    workshop, leader, *_ = board
    client = logged_in(leader.user)
    path = "/api/w/{workshop_id}/me/calendar"
    made = client.post(f"/api/w/{workshop.id}/me/calendar")
    assert made.status_code == 201
    assert check(made, path, "post")["url"].endswith(".ics")
    assert client.delete(f"/api/w/{workshop.id}/me/calendar").status_code == 204
    outsider = Client().post(f"/api/w/{workshop.id}/me/calendar")
    assert outsider.status_code == 404
    check(outsider, path, "post")


@pytest.mark.django_db
def test_the_likely_duplicates_validate_while_gathering_and_after(workshop, leader, join):
    member = join(Role.MEMBER, "Mia")
    first = add_item(workshop, leader, title="Write the onboarding guide")
    add_item(workshop, member, title="write onboarding guide!")
    client = logged_in(leader.user)
    path = "/api/w/{workshop_id}/duplicates"
    (found,) = check(client.get(f"/api/w/{workshop.id}/duplicates"), path)["duplicates"]
    assert found["head"] == first
    set_phase(workshop, "vote")
    refused = client.get(f"/api/w/{workshop.id}/duplicates")
    assert refused.status_code == 409
    assert check(refused, path)["code"] == "phase"
