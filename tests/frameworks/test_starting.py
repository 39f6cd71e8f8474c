"""Starting a workshop from a template, for a client (protocol §8): `/workshops/new/` and
`POST /api/workshops`. The template gives lanes, vote budget, agenda and planning settings; a
field given explicitly wins; the goal's prompts guide the form and are never its text."""

from __future__ import annotations

import json
import re

import pytest

from clients.models import Client, ClientWorkshop
from core.errors import OverCapacity
from frameworks.models import BuiltinUse, Template
from frameworks.templates import builtin_templates
from frameworks.validation import template_fields
from goals.models import Member, Role, Workshop
from planning.models import Lane
from room.protocol import dispatch
from tests.frameworks.test_api import TEMPLATE
from tests.goals.conftest import logged_in, make_user

pytestmark = pytest.mark.django_db

STORYBOARD = "builtin-storyboard"


def lanes_of(workshop_id: str) -> list[str]:
    return list(Lane.objects.filter(workshop_id=workshop_id).order_by("position").values_list("title", flat=True))


def start(browser, **body):
    return browser.post("/api/workshops", json.dumps(body), content_type="application/json")


def test_a_workshop_started_from_a_built_in_takes_its_way_of_working():
    browser = logged_in(make_user())
    response = start(browser, title="Ship onboarding", template=STORYBOARD)
    assert response.status_code == 201
    made = response.json()
    assert set(made) == {"id", "url", "invite_url"}
    assert made["url"].endswith(f"/w/{made['id']}/")
    assert "/join/" in made["invite_url"]
    builtin = builtin_templates()[STORYBOARD]
    workshop = Workshop.objects.get(pk=made["id"])
    assert lanes_of(workshop.id) == builtin["lanes"]
    assert workshop.votes_per_member == builtin["votes_per_member"]
    assert workshop.agenda == builtin["agenda"]
    assert workshop.planning == builtin["planning"]
    assert workshop.why == ""  # the prompts guide; they are never the goal's text
    assert BuiltinUse.objects.get(template_id=STORYBOARD).uses == 1
    state = browser.get(f"/api/w/{workshop.id}/state").json()
    assert state["workshop"]["agenda"] == builtin["agenda"]
    assert state["workshop"]["planning"] == builtin["planning"]


def test_an_explicit_vote_budget_wins_and_an_own_template_counts_its_use():
    owner = make_user()
    template = Template.objects.create(owner=owner, **template_fields(TEMPLATE))
    made = start(logged_in(owner), title="Plan the week", template=template.id, votes_per_member=9).json()
    workshop = Workshop.objects.get(pk=made["id"])
    assert workshop.votes_per_member == 9
    assert lanes_of(workshop.id) == TEMPLATE["lanes"]
    template.refresh_from_db()
    assert template.uses == 1


def test_without_a_template_the_lanes_are_now_next_later_and_there_is_no_agenda():
    made = start(logged_in(make_user()), title="Blank", why="Because", success_criteria=["Done"]).json()
    workshop = Workshop.objects.get(pk=made["id"])
    assert lanes_of(workshop.id) == ["Now", "Next", "Later"]
    assert (workshop.agenda, workshop.votes_per_member, workshop.why) == ([], 5, "Because")


def test_another_accounts_template_or_client_is_not_found_and_nothing_is_made():
    owner, stranger = make_user(), make_user()
    template = Template.objects.create(owner=owner, **template_fields(TEMPLATE))
    client = Client.objects.create(name="Northwind", created_by=owner)
    client.colleagues.add(owner)
    browser = logged_in(stranger)
    for body in ({"template": template.id}, {"client": client.id}):
        response = start(browser, title="Mine", **body)
        assert response.status_code == 404, body
        assert response.json()["code"] == "not_found"
    assert not Workshop.objects.exists()


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        ({}, 400, "title"),
        ({"title": ""}, 400, "title"),
        ({"title": "Fine", "colour": "red"}, 400, "colour"),
        ({"title": "Fine", "votes_per_member": 21}, 400, "votes_per_member"),
        ({"title": "Fine", "template": 7}, 400, "template"),
        ({"title": "Fine", "client": "²"}, 404, "client"),
    ],
)
def test_bad_fields_are_named_and_change_nothing(body, status, field):
    response = start(logged_in(make_user()), **body)
    assert response.status_code == status
    assert response.json()["detail"]["field"] == field
    assert not Workshop.objects.exists()


def test_a_workshop_started_for_a_client_brings_its_colleagues_in_as_facilitators():
    lead, colleague = make_user(), make_user()
    client = Client.objects.create(name="Northwind", created_by=lead)
    client.colleagues.add(lead, colleague)
    made = start(logged_in(lead), title="Northwind's Q1", client=client.id).json()
    assert ClientWorkshop.objects.get(workshop_id=made["id"]).client == client
    assert Member.objects.get(workshop_id=made["id"], user=colleague).role == Role.FACILITATOR
    assert Member.objects.get(workshop_id=made["id"], user=lead).role == Role.LEADER
    portfolio = logged_in(colleague).get("/api/portfolio").json()
    assert made["id"] in {w["id"] for group in portfolio["clients"] for w in group["workshops"]}


def test_the_page_offers_the_library_first_then_shows_the_prompts_beside_empty_fields():
    browser = logged_in(make_user())
    page = browser.get("/workshops/new/").content.decode()
    names = [template["name"] for template in builtin_templates().values()]
    assert all(name in page for name in names)
    assert page.index(names[0]) < page.index('name="title"'), "the library comes before the goal form"

    chosen = browser.get(f"/workshops/new/?template={STORYBOARD}").content.decode()
    prompt = builtin_templates()[STORYBOARD]["goal_prompts"]["why"]
    assert prompt in chosen
    why = re.search(r"<textarea[^>]*name=\"why\"[^>]*>(.*?)</textarea>", chosen, re.S)
    assert why is not None
    assert why.group(1).strip() == "", "a prompt is guidance, not pre-filled text"

    response = browser.post(
        "/workshops/new/", {"title": "From the page", "template": STORYBOARD, "why": "", "success_criteria": ""}
    )
    assert response.status_code == 302
    workshop = Workshop.objects.get(title="From the page")
    assert lanes_of(workshop.id) == builtin_templates()[STORYBOARD]["lanes"]


def test_the_templates_planning_settings_rule_the_board_it_starts():
    """Protocol §10 through §8: a workshop from a template with a capacity and private writing
    keeps cards face down while gathering and refuses an agreement over that capacity."""
    browser = logged_in(make_user())
    planning = {"estimates": True, "capacity_hours": 8, "private_gather": True}
    template = browser.post(
        "/api/templates", json.dumps({**TEMPLATE, "planning": planning}), content_type="application/json"
    ).json()
    made = start(browser, title="Fits or not", template=template["id"]).json()
    leader = Member.objects.get(workshop_id=made["id"], role=Role.LEADER)
    other = Member.objects.create(workshop_id=made["id"], name="Mo", role=Role.MEMBER)

    def op(actor, name, **fields):
        return dispatch(
            workshop_id=made["id"], actor_id=actor.id, frame={"op": name, "ref": f"r{name}{fields}", **fields}
        )

    lane = Lane.objects.filter(workshop_id=made["id"]).order_by("position").first()
    _, outcome = op(leader, "item.add", lane=lane.id, title="Too big for the week")
    item = outcome.events[0].data["item"]["id"]
    assert outcome.events[0].data["item"] == {
        "id": item,
        "lane": lane.id,
        "position": 0,
        "author": leader.id,
        "stack": None,
        "hidden": True,
    }
    op(leader, "item.estimate", item=item, hours=16)
    op(leader, "phase.set", phase="plan")
    op(leader, "item.status", item=item, status="accepted")
    op(other, "item.claim", item=item)
    with pytest.raises(OverCapacity) as refused:
        op(leader, "phase.set", phase="agreed")
    assert refused.value.detail == {"load": 16, "capacity": 8}
