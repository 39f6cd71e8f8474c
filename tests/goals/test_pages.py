"""The storyboard page rendered on the server, its invite link, and the state API (protocol §3, §4)."""

import json
import re

import pytest
from django.test import Client
from django.utils.html import escape

from goals.models import Role
from planning.claims import item_claim
from planning.items import item_add
from planning.models import Lane
from tests.goals.conftest import join_over_http

SCRIPTS = re.compile(r"<script\b.*?</script>", re.S | re.I)
INVITE_URL = re.compile(r'data-invite-url="([^"]*)"')
SNAPSHOT_KEYS = {"type", "seq", "server_time", "me", "workshop", "lanes", "items", "members", "online"}


def html_without_scripts(response) -> str:
    """What a browser without JavaScript shows: the page minus its scripts."""
    assert response.status_code == 200
    return SCRIPTS.sub("", response.content.decode())


def lane(workshop, title: str) -> Lane:
    return Lane.objects.get(workshop=workshop, title=title)


@pytest.fixture
def board(workshop, guest):
    """A board with two items; one is claimed by a member, one by nobody."""
    client, member = guest(Role.MEMBER, name="Mia")
    now, later = lane(workshop, "Now").id, lane(workshop, "Later").id
    item_add(workshop_id=workshop.id, actor_id=member.id, lane=now, title="Write the welcome email")
    item_add(workshop_id=workshop.id, actor_id=member.id, lane=later, title="Record a tour video")
    state = client.get(f"/api/w/{workshop.id}/state").json()
    claimed = next(item for item in state["items"] if item["title"] == "Write the welcome email")
    item_claim(workshop_id=workshop.id, actor_id=member.id, item=claimed["id"])
    return client, member


# --- server-side rendering ----------------------------------------------------------------------------


def test_the_board_renders_the_goal_without_javascript(workshop, board):
    client, _ = board
    text = html_without_scripts(client.get(f"/w/{workshop.id}/"))
    assert escape(workshop.title) in text
    assert escape(workshop.why) in text
    for criterion in workshop.success_criteria:
        assert escape(criterion) in text


def test_the_board_renders_lanes_in_order_with_their_items(workshop, board):
    client, _ = board
    text = html_without_scripts(client.get(f"/w/{workshop.id}/"))
    positions = [text.index(f">{title}") for title in ("Now", "Next", "Later")]
    assert positions == sorted(positions)
    welcome = text.index("Write the welcome email")
    video = text.index("Record a tour video")
    assert positions[0] < welcome < positions[1] < positions[2] < video


def test_the_board_renders_item_owners(workshop, board):
    client, _ = board
    text = html_without_scripts(client.get(f"/w/{workshop.id}/"))
    welcome = text.index("Write the welcome email")
    video = text.index("Record a tour video")
    # Mia owns the welcome email: her name appears in that card, before the next card.
    assert "Mia" in text[welcome:video]


def test_every_role_sees_the_rendered_board(workshop, board, guest, leader_client):
    observer, _ = guest(Role.OBSERVER)
    facilitator, _ = guest(Role.FACILITATOR)
    for client in (board[0], observer, facilitator, leader_client):
        text = html_without_scripts(client.get(f"/w/{workshop.id}/"))
        assert "Write the welcome email" in text
        assert "Record a tour video" in text


def test_markup_typed_by_members_is_escaped(workshop, guest, leader_client):
    client, member = guest(Role.MEMBER, name="<b>x</b>")
    item_add(
        workshop_id=workshop.id,
        actor_id=member.id,
        lane=lane(workshop, "Now").id,
        title="<script>alert(1)</script>",
        notes='<img src=x onerror="alert(2)">',
    )
    state = client.get(f"/api/w/{workshop.id}/state").json()
    item_claim(workshop_id=workshop.id, actor_id=member.id, item=state["items"][0]["id"])
    for viewer in (client, leader_client):
        text = viewer.get(f"/w/{workshop.id}/").content.decode()
        assert "<script>alert(1)</script>" not in text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
        assert "<b>x</b>" not in text
        assert "&lt;b&gt;x&lt;/b&gt;" in text
        assert "<img src=x" not in text
    # The API gives the text back as typed.
    assert state["items"][0]["title"] == "<script>alert(1)</script>"
    assert "<b>x</b>" in [person["name"] for person in state["members"]]


def test_markup_in_the_goal_is_escaped_on_the_board_and_the_landing_page(workshop, leader_client):
    workshop.title = '<script>alert("goal")</script>'
    workshop.why = "<u>why</u>"
    workshop.success_criteria = ["<em>fast</em>"]
    workshop.save()
    for url in (f"/w/{workshop.id}/", "/"):
        text = leader_client.get(url).content.decode()
        assert '<script>alert("goal")</script>' not in text
        assert escape('<script>alert("goal")</script>') in text
    board_text = leader_client.get(f"/w/{workshop.id}/").content.decode()
    assert "<u>why</u>" not in board_text
    assert "<em>fast</em>" not in board_text


# --- data-invite-url ----------------------------------------------------------------------------------


def invite_url_of(client, workshop) -> str:
    urls = INVITE_URL.findall(client.get(f"/w/{workshop.id}/").content.decode())
    assert len(urls) == 1
    return urls[0]


@pytest.mark.parametrize("role", [Role.LEADER, Role.FACILITATOR])
def test_facilitators_see_an_absolute_invite_url_that_works(guest, leader_client, workshop, member_token, role):
    client = leader_client if role == Role.LEADER else guest(Role.FACILITATOR)[0]
    url = invite_url_of(client, workshop)
    assert re.fullmatch(r"http://testserver/join/[A-Za-z0-9_-]+/", url), url
    path = url.removeprefix("http://testserver")
    newcomer = Client()
    page = newcomer.get(path)
    assert page.status_code == 200
    assert b'name="display_name"' in page.content
    member = join_over_http(newcomer, url.split("/")[-2], "Newcomer")
    assert member.workshop_id == workshop.id
    assert member.role == Role.MEMBER
    assert newcomer.get(f"/w/{workshop.id}/").status_code == 200


def test_the_invite_url_is_the_default_member_invite(leader_client, workshop, member_token):
    assert invite_url_of(leader_client, workshop) == f"http://testserver/join/{member_token}/"


@pytest.mark.parametrize("role", [Role.MEMBER, Role.OBSERVER])
def test_members_and_observers_get_no_invite_url(guest, workshop, member_token, role):
    client, _ = guest(role)
    text = client.get(f"/w/{workshop.id}/").content.decode()
    assert "data-invite-url" not in text
    assert member_token not in text


def test_the_invite_url_follows_revocation_to_a_new_member_link(leader_client, workshop, member_token):
    api = f"/api/w/{workshop.id}/invites"
    assert leader_client.delete(f"{api}/{member_token}").status_code == 204
    assert member_token not in invite_url_of(leader_client, workshop)
    created = leader_client.post(api, json.dumps({"role": "member"}), content_type="application/json").json()
    leader_client.post(api, json.dumps({"role": "observer"}), content_type="application/json")
    assert invite_url_of(leader_client, workshop) == created["url"]


def test_the_invite_url_never_points_at_a_used_up_link(leader_client, workshop, member_token):
    api = f"/api/w/{workshop.id}/invites"
    assert leader_client.delete(f"{api}/{member_token}").status_code == 204
    single = leader_client.post(api, json.dumps({"max_uses": 1}), content_type="application/json").json()
    assert invite_url_of(leader_client, workshop) == single["url"]
    join_over_http(Client(), single["token"], "Only one")
    url = invite_url_of(leader_client, workshop)
    assert single["token"] not in url


# --- the state API ------------------------------------------------------------------------------------


def test_state_returns_the_snapshot(workshop, board, leader):
    client, member = board
    response = client.get(f"/api/w/{workshop.id}/state")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    snapshot = response.json()
    assert set(snapshot) >= SNAPSHOT_KEYS
    assert snapshot["type"] == "snapshot"
    assert isinstance(snapshot["seq"], int)
    assert snapshot["seq"] >= 4  # joined, two items added, one claimed
    assert snapshot["me"]["member"] == member.id
    assert snapshot["me"]["role"] == "member"
    assert snapshot["me"]["votes"] == {}
    assert snapshot["me"]["votes_left"] == workshop.votes_per_member
    assert snapshot["workshop"]["id"] == workshop.id
    assert snapshot["workshop"]["title"] == workshop.title
    assert snapshot["workshop"]["success_criteria"] == workshop.success_criteria
    assert snapshot["workshop"]["plan_version"] == 0
    assert snapshot["workshop"]["agreed_at"] is None
    assert [lane_["title"] for lane_ in snapshot["lanes"]] == ["Now", "Next", "Later"]
    assert {item["title"] for item in snapshot["items"]} == {"Write the welcome email", "Record a tour video"}
    welcome = next(item for item in snapshot["items"] if item["title"] == "Write the welcome email")
    assert welcome["owners"] == [member.id]
    assert welcome["author"] == member.id
    assert welcome["status"] == "proposed"
    assert {(person["id"], person["role"]) for person in snapshot["members"]} == {
        (leader.id, "leader"),
        (member.id, "member"),
    }
    assert isinstance(snapshot["online"], list)


def test_state_me_differs_per_viewer(workshop, board, leader_client, leader):
    me = leader_client.get(f"/api/w/{workshop.id}/state").json()["me"]
    assert (me["member"], me["role"]) == (leader.id, "leader")


def test_the_board_hands_out_a_csrf_cookie_for_its_json_calls(workshop, leader_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(leader_user)

    response = client.get(f"/w/{workshop.id}/")

    assert response.status_code == 200
    token = response.cookies["csrftoken"].value
    created = client.post(
        f"/api/w/{workshop.id}/invites",
        data=json.dumps({"role": "observer"}),
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )
    assert created.status_code == 201


@pytest.mark.parametrize("path", ["/accounts/signup/", "/accounts/login/", "/workshops/new/", "/join/{token}/"])
def test_the_forms_show_every_error_and_focus_the_first(path, member_token, leader_user):
    """`novalidate`: the browser does not stop at the first error, the server shows them all, and
    static/js/forms.js (a module: the CSP allows no inline script) moves the focus to the first."""
    client = Client()
    if path == "/workshops/new/":
        client.force_login(leader_user)
    url = path.format(token=member_token)
    blank = {"username": "", "password": "", "password1": "", "display_name": "", "title": ""}
    for response in (client.get(url), client.post(url, blank)):
        html = response.content.decode()
        assert re.search(r'<form method="post"[^>]* novalidate>', html), url
        assert '<script type="module" src="/static/js/forms.js"></script>' in html, url
    if path != "/accounts/login/":  # a failed login is an error of the whole form
        assert 'aria-invalid="true"' in html, url
