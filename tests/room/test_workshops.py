"""Creating a workshop through /workshops/new/ (protocol §3)."""

import re

import pytest
from django.test import Client

from goals.models import Workshop
from tests.goals.conftest import logged_in, make_user

WORKSHOP_URL = re.compile(r"^/w/(?P<id>[^/]+)/$")
OPAQUE_ID = re.compile(r"^[A-Za-z0-9_-]{8,32}$")


@pytest.fixture
def user(db):
    return make_user("lena")


@pytest.fixture
def client(user):
    return logged_in(user)


def create(client, **fields):
    data = {"title": "Halve onboarding time", "why": "", "success_criteria": "", "votes_per_member": ""}
    data.update(fields)
    return client.post("/workshops/new/", data)


def created_id(response) -> str:
    assert response.status_code == 302, response.content.decode()
    match = WORKSHOP_URL.match(response["Location"])
    assert match, response["Location"]
    return match["id"]


def refused(response, field: str) -> None:
    """The form comes back with an error on `field` and no workshop exists."""
    assert response.status_code in (200, 400)
    assert f'name="{field}"'.encode() in response.content
    assert b'class="errors"' in response.content
    assert not Workshop.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(db):
    anonymous = Client()
    response = anonymous.get("/workshops/new/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert "next=/workshops/new/" in response["Location"]
    response = anonymous.post("/workshops/new/", {"title": "Sneaky"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Workshop.objects.exists()


def test_the_form_has_the_protocol_fields(client):
    response = client.get("/workshops/new/")
    assert response.status_code == 200
    for field in ("title", "why", "success_criteria", "votes_per_member"):
        assert f'name="{field}"'.encode() in response.content


def test_creating_redirects_to_the_board_under_an_opaque_id(client):
    workshop_id = created_id(create(client))
    assert OPAQUE_ID.match(workshop_id)
    assert not workshop_id.isdigit()
    assert client.get(f"/w/{workshop_id}/").status_code == 200


def test_ids_are_not_sequential(client):
    ids = [created_id(create(client, title=f"Goal {n}")) for n in range(5)]
    assert len(set(ids)) == 5
    assert all(OPAQUE_ID.match(workshop_id) and not workshop_id.isdigit() for workshop_id in ids)


def test_the_workshop_has_the_goal_as_typed(client):
    workshop_id = created_id(
        create(
            client,
            title="  Halve onboarding time  ",
            why="Week one decides\nwho stays.",
            success_criteria="Activation above 60%\n\nSupport tickets halved\r\n",
            votes_per_member="3",
        )
    )
    workshop = client.get(f"/api/w/{workshop_id}/state").json()["workshop"]
    assert workshop["id"] == workshop_id
    assert workshop["title"] == "Halve onboarding time"
    assert workshop["why"] == "Week one decides\nwho stays."
    assert workshop["success_criteria"] == ["Activation above 60%", "Support tickets halved"]
    assert workshop["votes_per_member"] == 3
    assert workshop["phase"] == "gather"


def test_creates_lanes_now_next_later_in_that_order(client):
    workshop_id = created_id(create(client))
    state = client.get(f"/api/w/{workshop_id}/state").json()
    assert [lane["title"] for lane in state["lanes"]] == ["Now", "Next", "Later"]
    assert state["items"] == []


def test_the_creator_is_the_leader_and_the_only_member(client, user):
    workshop_id = created_id(create(client))
    state = client.get(f"/api/w/{workshop_id}/state").json()
    assert state["me"]["role"] == "leader"
    assert [member["role"] for member in state["members"]] == ["leader"]
    assert Workshop.objects.get(pk=workshop_id).members.get(role="leader").user == user


def test_creates_one_default_member_invite(client):
    workshop_id = created_id(create(client))
    invites = client.get(f"/api/w/{workshop_id}/invites").json()
    assert len(invites) == 1
    assert invites[0]["role"] == "member"
    assert invites[0]["expires_at"] is None
    assert invites[0]["max_uses"] is None
    assert invites[0]["uses"] == 0
    page = client.get(f"/w/{workshop_id}/").content.decode()
    assert f'data-invite-url="{invites[0]["url"]}"' in page


def test_votes_per_member_defaults_to_five(client):
    workshop_id = created_id(create(client, votes_per_member=""))
    assert client.get(f"/api/w/{workshop_id}/state").json()["workshop"]["votes_per_member"] == 5


def test_votes_per_member_default_when_the_field_is_left_out(client):
    response = client.post("/workshops/new/", {"title": "Only a title"})
    workshop_id = created_id(response)
    workshop = client.get(f"/api/w/{workshop_id}/state").json()["workshop"]
    assert workshop["votes_per_member"] == 5
    assert workshop["why"] == ""
    assert workshop["success_criteria"] == []


@pytest.mark.parametrize("votes", ["1", "20"])
def test_votes_per_member_bounds_are_accepted(client, votes):
    workshop_id = created_id(create(client, votes_per_member=votes))
    assert client.get(f"/api/w/{workshop_id}/state").json()["workshop"]["votes_per_member"] == int(votes)


@pytest.mark.parametrize("votes", ["0", "21", "-1", "five"])
def test_votes_per_member_out_of_range_is_refused(client, votes):
    refused(create(client, votes_per_member=votes), "votes_per_member")


@pytest.mark.parametrize("votes", ["²", "①", "٣", "３", "1e1", "5.0", "1_0", "+5", "-0", "9" * 19, "9" * 5000])
def test_votes_per_member_in_anything_but_ascii_digits_is_refused(client, votes):
    """Django's own IntegerField reads "٣" as 3 and "5.0" as 5: here a number is ASCII digits only."""
    refused(create(client, votes_per_member=votes), "votes_per_member")


def test_title_is_required(client):
    refused(create(client, title=""), "title")


def test_a_title_of_spaces_is_empty(client):
    refused(create(client, title="    "), "title")


def test_title_of_200_characters_is_accepted(client):
    workshop_id = created_id(create(client, title="t" * 200))
    assert client.get(f"/api/w/{workshop_id}/state").json()["workshop"]["title"] == "t" * 200


def test_title_of_201_characters_is_refused(client):
    refused(create(client, title="t" * 201), "title")


def test_why_of_2000_characters_is_accepted(client):
    created_id(create(client, why="w" * 2000))


def test_why_of_2001_characters_is_refused(client):
    refused(create(client, why="w" * 2001), "why")


def test_twenty_success_criteria_are_accepted(client):
    lines = [f"Criterion {n}" for n in range(20)]
    workshop_id = created_id(create(client, success_criteria="\n".join(lines)))
    assert client.get(f"/api/w/{workshop_id}/state").json()["workshop"]["success_criteria"] == lines


def test_twenty_one_success_criteria_are_refused(client):
    refused(create(client, success_criteria="\n".join(f"Criterion {n}" for n in range(21))), "success_criteria")


def test_a_success_criterion_over_200_characters_is_refused(client):
    refused(create(client, success_criteria="fine\n" + "c" * 201), "success_criteria")


def test_get_does_not_create_anything(client):
    client.get("/workshops/new/?title=Sneaky")
    assert not Workshop.objects.exists()
