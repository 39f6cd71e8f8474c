"""The templates API (protocol §8) through HTTP: who sees what, import = export, save as template."""

from __future__ import annotations

import json

import pytest
from django.test import Client as Browser

from clients.models import Client
from frameworks.models import Template
from frameworks.templates import builtin_templates
from goals.invites import current_member_invite, token_for
from goals.models import Member, Role
from planning.models import Lane
from tests.goals.conftest import join_over_http, logged_in, make_user
from tests.planning.helpers import add_item, send

pytestmark = pytest.mark.django_db

TEMPLATE = {
    "name": "Our weekly plan",
    "description": "How we plan a week.",
    "lanes": ["Cards", "This week", "Later"],
    "votes_per_member": 4,
    "goal_prompts": {"why": "Who notices?", "criteria": ["A number with a date"]},
    "agenda": [
        {"title": "Write cards", "phase": "gather", "minutes": 10, "instructions": "Alone, in silence."},
        {"title": "Vote", "phase": "vote", "minutes": None, "instructions": ""},
    ],
    "planning": {"estimates": True, "capacity_hours": 80, "private_gather": False},
}


def post(browser, url, body):
    return browser.post(url, json.dumps(body), content_type="application/json")


def put(browser, url, body):
    return browser.put(url, json.dumps(body), content_type="application/json")


@pytest.fixture
def owner():
    return make_user()


@pytest.fixture
def browser(owner):
    return logged_in(owner)


@pytest.fixture
def mine(browser):
    response = post(browser, "/api/templates", TEMPLATE)
    assert response.status_code == 201, response.content
    return response.json()


def test_create_answers_the_template_and_lists_it_after_the_built_ins(browser, mine):
    assert mine == {**TEMPLATE, "id": mine["id"], "builtin": False, "client": None}
    assert mine["id"] not in builtin_templates()
    assert len(mine["id"]) >= 16
    listed = browser.get("/api/templates").json()["templates"]
    assert [entry["id"] for entry in listed] == [*builtin_templates(), mine["id"]]
    assert browser.get(f"/api/templates/{mine['id']}").json() == mine


def test_the_most_used_come_first(browser, mine):
    Template.objects.filter(pk=mine["id"]).update(uses=2)
    assert browser.get("/api/templates").json()["templates"][0]["id"] == mine["id"]


def test_a_bad_template_names_every_field_and_creates_nothing(browser):
    response = post(browser, "/api/templates", {**TEMPLATE, "name": "", "lanes": [""], "extra": 1})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert body["detail"]["field"] == "name"
    assert set(body["detail"]["fields"]) == {"name", "lanes[0]", "extra"}
    assert not Template.objects.exists()


def test_not_json_is_a_bad_request(browser):
    response = browser.post("/api/templates", "{", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_export_then_import_is_the_same_template_under_a_new_id(browser, mine):
    exported = browser.get(f"/api/templates/{mine['id']}").json()
    elsewhere = logged_in(make_user())
    imported = post(elsewhere, "/api/templates", exported)
    assert imported.status_code == 201, imported.content
    again = imported.json()
    assert again["id"] != mine["id"]
    assert {**again, "id": mine["id"]} == exported


def test_a_built_in_imports_as_an_own_copy(browser):
    builtin = browser.get("/api/templates/builtin-storyboard").json()
    assert builtin["builtin"] is True
    copy = post(browser, "/api/templates", {**builtin, "name": f"{builtin['name']} (copy)"}).json()
    assert copy["builtin"] is False
    assert copy["lanes"] == builtin["lanes"]
    assert copy["agenda"] == builtin["agenda"]


def test_replace_and_delete(browser, mine):
    url = f"/api/templates/{mine['id']}"
    replaced = put(browser, url, {**TEMPLATE, "name": "Renamed", "lanes": ["Only"]})
    assert replaced.status_code == 200
    assert replaced.json()["lanes"] == ["Only"]
    assert browser.get(url).json()["name"] == "Renamed"
    refused = put(browser, url, {**TEMPLATE, "votes_per_member": 0})
    assert refused.json()["detail"]["field"] == "votes_per_member"
    assert browser.get(url).json()["name"] == "Renamed"
    assert browser.delete(url).status_code == 204
    assert browser.get(url).status_code == 404


def test_built_ins_are_read_by_anyone_logged_in_and_changed_by_no_one(browser):
    url = "/api/templates/builtin-scrum-sprint"
    assert browser.get(url).status_code == 200
    assert put(browser, url, TEMPLATE).status_code == 403
    response = browser.delete(url)
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert "builtin-scrum-sprint" in builtin_templates()


def test_another_accounts_template_is_not_found_never_forbidden(mine):
    stranger = logged_in(make_user())
    url = f"/api/templates/{mine['id']}"
    for response in (stranger.get(url), put(stranger, url, TEMPLATE), stranger.delete(url)):
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert mine["id"] not in [entry["id"] for entry in stranger.get("/api/templates").json()["templates"]]
    assert Template.objects.filter(pk=mine["id"]).exists()


def test_the_colleagues_of_its_client_share_it(owner, browser):
    colleague, outsider = make_user(), make_user()
    client = Client.objects.create(name="Acme", created_by=owner)
    client.colleagues.add(owner, colleague)
    shared = post(browser, "/api/templates", {**TEMPLATE, "client": client.id}).json()
    assert shared["client"] == client.id
    theirs = logged_in(colleague)
    url = f"/api/templates/{shared['id']}"
    assert shared["id"] in [entry["id"] for entry in theirs.get("/api/templates").json()["templates"]]
    assert put(theirs, url, {**TEMPLATE, "client": client.id, "name": "Acme's way"}).status_code == 200
    assert logged_in(outsider).get(url).status_code == 404
    assert theirs.delete(url).status_code == 204


def test_a_client_the_account_does_not_share_is_a_named_field(browser):
    foreign = Client.objects.create(name="Not mine", created_by=make_user())
    for client in (foreign.id, 10**9):
        response = post(browser, "/api/templates", {**TEMPLATE, "client": client})
        assert response.status_code == 400
        assert response.json()["detail"]["fields"] == {"client": "`client` is not a client you share."}


def test_logged_out_is_refused():
    assert Browser().get("/api/templates").status_code == 403
    assert Browser().get("/api/templates/builtin-okr").status_code == 403


def test_state_changes_need_the_csrf_token(owner):
    strict = logged_in(owner, enforce_csrf_checks=True)
    assert post(strict, "/api/templates", TEMPLATE).status_code == 403
    assert not Template.objects.exists()


# --- save as template ---------------------------------------------------------------------------


def test_save_as_template_takes_the_way_of_working_never_items_goal_or_people(workshop, leader, member):
    add_item(workshop, member, title="A secret card", notes="Private notes")
    send(workshop, leader, "lane.add", title="Parked")
    send(workshop, leader, "lane.move", lane=Lane.objects.get(workshop=workshop, title="Parked").id, index=0)
    agenda = TEMPLATE["agenda"]
    workshop.agenda = agenda
    workshop.planning = {"estimates": True, "capacity_hours": 40, "private_gather": True}
    workshop.votes_per_member = 7
    workshop.save(update_fields=["agenda", "planning", "votes_per_member"])

    response = post(logged_in(leader.user), f"/api/w/{workshop.id}/template", {"name": "From the board"})
    assert response.status_code == 201, response.content
    made = response.json()
    assert made == {
        "id": made["id"],
        "name": "From the board",
        "description": "",
        "builtin": False,
        "client": None,
        "lanes": ["Parked", "Now", "Next", "Later"],
        "votes_per_member": 7,
        "goal_prompts": {"why": "", "criteria": []},
        "agenda": agenda,
        "planning": {"estimates": True, "capacity_hours": 40, "private_gather": True},
    }
    text = json.dumps(made)
    for secret in ("A secret card", "Private notes", workshop.title, workshop.why, "Mia", *workshop.success_criteria):
        assert secret not in text
    assert Template.objects.get(pk=made["id"]).owner == leader.user


def test_only_facilitators_with_an_account_save_a_template(workshop):
    url = f"/api/w/{workshop.id}/template"
    assert post(logged_in(make_user()), url, {"name": "x"}).status_code == 404
    guest = Browser()
    joined = join_over_http(guest, token_for(current_member_invite(workshop)), "Gil")
    assert post(guest, url, {"name": "x"}).status_code == 403
    Member.objects.filter(pk=joined.pk).update(role=Role.FACILITATOR)
    refused = post(guest, url, {"name": "x"})
    assert refused.status_code == 403
    assert "account" in refused.json()["message"]
    assert not Template.objects.exists()


def test_save_as_template_names_a_bad_name_and_refuses_unknown_fields(workshop, leader):
    browser = logged_in(leader.user)
    url = f"/api/w/{workshop.id}/template"
    assert post(browser, url, {"name": ""}).json()["detail"]["field"] == "name"
    assert post(browser, url, {"name": "x", "items": True}).json()["detail"]["field"] == "items"


# --- uses ---------------------------------------------------------------------------------------


def test_a_use_is_counted_by_the_change_that_starts_the_workshop(browser, mine, workshop, leader):
    """`template_used` writes through the Change (the write rule), built-ins and own alike, and the
    library orders by it."""
    from frameworks.templates import template_used
    from live.changes import run

    for template_id in ("builtin-okr", "builtin-okr", mine["id"]):
        run(workshop.id, leader.id, None, lambda change, tid=template_id: template_used(change, tid))
    listed = [entry["id"] for entry in browser.get("/api/templates").json()["templates"]]
    assert listed[:2] == ["builtin-okr", mine["id"]]
    assert Template.objects.get(pk=mine["id"]).uses == 1


def test_answers_match_the_openapi_description(owner, browser, mine, workshop, leader):
    from tests.workshop.test_openapi import check

    check(browser.get("/api/templates"), "/api/templates")
    check(browser.get("/api/templates/builtin-storyboard"), "/api/templates/{tid}")
    check(put(browser, f"/api/templates/{mine['id']}", TEMPLATE), "/api/templates/{tid}", "put")
    check(post(browser, "/api/templates", {"name": "", "lanes": []}), "/api/templates", "post")
    made = post(logged_in(leader.user), f"/api/w/{workshop.id}/template", {"name": "Saved"})
    check(made, "/api/w/{workshop_id}/template", "post")
