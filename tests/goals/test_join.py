"""Joining through an invite link: /join/<token>/ (protocol §3)."""

import json
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django.utils.html import escape

from goals.models import Invite, Member, Role
from live.models import Event
from room.members import member_remove
from tests.goals.conftest import assert_removed_page, join_over_http, logged_in, make_user

H1 = re.compile(r"<h1[^>]*>(.*?)</h1>", re.S)


def join_url(token: str) -> str:
    return f"/join/{token}/"


def new_invite(leader_client, workshop, **body) -> str:
    response = leader_client.post(f"/api/w/{workshop.id}/invites", json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["token"]


def heading(response) -> str:
    match = H1.search(response.content.decode())
    assert match, response.content
    return " ".join(match[1].split()).lower()


def present_members(workshop) -> int:
    return Member.objects.filter(workshop=workshop, removed_at__isnull=True).count()


# --- the join page ------------------------------------------------------------------------------------


def test_the_join_page_shows_the_goal_and_a_display_name_field(workshop, member_token):
    response = Client().get(join_url(member_token))
    assert response.status_code == 200
    assert escape(workshop.title) in response.content.decode()
    assert b'name="display_name"' in response.content


def test_the_join_page_escapes_the_goal(leader_user, workshop, member_token):
    workshop.title = "<i>Ship</i> it"
    workshop.save()
    text = Client().get(join_url(member_token)).content.decode()
    assert "&lt;i&gt;Ship&lt;/i&gt; it" in text
    assert "<i>Ship</i>" not in text


def test_an_unknown_token_is_404_with_a_page_that_says_so(db):
    response = Client().get(join_url("a" * 43))
    assert response.status_code == 404
    text = heading(response)
    assert "invite" in text
    assert "expired" not in text
    assert b'name="display_name"' not in response.content
    response = Client().post(join_url("a" * 43), {"display_name": "Nobody"})
    assert response.status_code == 404
    assert not Member.objects.filter(name="Nobody").exists()


def test_a_short_garbage_token_is_404(db):
    assert Client().get(join_url("x")).status_code == 404


def test_an_expired_link_is_410(leader_client, workshop, clock):
    token = new_invite(leader_client, workshop, expires_in_hours=1)
    clock(minutes=59)
    assert Client().get(join_url(token)).status_code == 200
    clock(minutes=2)
    response = Client().get(join_url(token))
    assert response.status_code == 410
    assert "expired" in heading(response)
    response = Client().post(join_url(token), {"display_name": "Late"})
    assert response.status_code == 410
    assert not Member.objects.filter(name="Late").exists()


def test_a_link_whose_expiry_has_passed_is_410(workshop, member_token):
    Invite.objects.filter(workshop=workshop).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().post(join_url(member_token), {"display_name": "Late"})
    assert response.status_code == 410
    assert "expired" in heading(response)
    assert present_members(workshop) == 1


def test_a_revoked_link_is_410(leader_client, workshop, member_token):
    assert leader_client.delete(f"/api/w/{workshop.id}/invites/{member_token}").status_code == 204
    response = Client().get(join_url(member_token))
    assert response.status_code == 410
    assert "withdrawn" in heading(response) or "revoked" in heading(response)
    assert Client().post(join_url(member_token), {"display_name": "Late"}).status_code == 410
    assert present_members(workshop) == 1


def test_a_used_up_link_admits_exactly_max_uses_people(leader_client, workshop):
    token = new_invite(leader_client, workshop, max_uses=1)
    first = Client()
    join_over_http(first, token, "First")
    second = Client()
    response = second.get(join_url(token))
    assert response.status_code == 410
    assert "used up" in heading(response)
    assert second.post(join_url(token), {"display_name": "Second"}).status_code == 410
    assert not Member.objects.filter(name="Second").exists()
    # The one who got in still gets to the board through the link.
    again = first.post(join_url(token), {"display_name": "First"})
    assert again.status_code == 302
    assert first.get(again["Location"]).status_code == 200
    assert Member.objects.filter(workshop=workshop, name="First").count() == 1


def test_each_refusal_says_something_different(leader_client, workshop, clock):
    expired = new_invite(leader_client, workshop, expires_in_hours=1)
    revoked = new_invite(leader_client, workshop)
    used_up = new_invite(leader_client, workshop, max_uses=1)
    join_over_http(Client(), used_up, "Only one")
    leader_client.delete(f"/api/w/{workshop.id}/invites/{revoked}")
    clock(hours=2)
    pages = {
        "unknown": Client().get(join_url("b" * 43)),
        "expired": Client().get(join_url(expired)),
        "revoked": Client().get(join_url(revoked)),
        "used up": Client().get(join_url(used_up)),
    }
    assert {name: page.status_code for name, page in pages.items()} == {
        "unknown": 404,
        "expired": 410,
        "revoked": 410,
        "used up": 410,
    }
    headings = {name: heading(page) for name, page in pages.items()}
    assert len(set(headings.values())) == 4, headings
    bodies = {name: page.content.decode().lower() for name, page in pages.items()}
    assert "expired" in bodies["expired"]
    assert "used up" in bodies["used up"]
    for name in ("unknown", "revoked", "used up"):
        assert "expired" not in bodies[name], name
    for name in ("unknown", "expired", "revoked"):
        assert "used up" not in bodies[name], name


# --- joining ------------------------------------------------------------------------------------------


def test_joining_makes_a_member_and_redirects_to_the_board(workshop, member_token):
    client = Client()
    response = client.post(join_url(member_token), {"display_name": "  Mia  "})
    assert response.status_code == 302
    assert response["Location"] == f"/w/{workshop.id}/"
    assert client.get(f"/w/{workshop.id}/").status_code == 200
    me = client.get(f"/api/w/{workshop.id}/state").json()["me"]
    assert me["role"] == "member"
    member = Member.objects.get(pk=me["member"])
    assert member.name == "Mia"
    assert member.user is None


def test_a_guest_is_a_member_only_in_their_own_browser(workshop, member_token):
    join_over_http(Client(), member_token, "Mia")
    assert Client().get(f"/w/{workshop.id}/").status_code == 404


def test_an_observer_link_makes_an_observer(leader_client, workshop):
    token = new_invite(leader_client, workshop, role="observer")
    page = Client().get(join_url(token))
    assert page.status_code == 200
    assert b'name="display_name"' in page.content
    member = join_over_http(Client(), token, "Otto")
    assert member.role == Role.OBSERVER


@pytest.mark.parametrize("name", ["M", "m" * 40])
def test_display_names_of_1_to_40_characters_are_accepted(workshop, member_token, name):
    assert join_over_http(Client(), member_token, name).name == name


@pytest.mark.parametrize("name", ["", "   ", "m" * 41])
def test_empty_or_too_long_display_names_are_refused(workshop, member_token, name):
    client = Client()
    response = client.post(join_url(member_token), {"display_name": name})
    assert response.status_code in (200, 400)
    assert b'name="display_name"' in response.content
    assert b'class="errors"' in response.content
    assert present_members(workshop) == 1
    assert client.get(f"/w/{workshop.id}/").status_code == 404


def test_a_missing_display_name_is_refused(workshop, member_token):
    response = Client().post(join_url(member_token), {})
    assert response.status_code in (200, 400)
    assert present_members(workshop) == 1


def test_joining_twice_from_one_session_makes_one_member(workshop, member_token):
    client = Client()
    first = join_over_http(client, member_token, "Mia")
    response = client.post(join_url(member_token), {"display_name": "Mia again"})
    assert response.status_code == 302
    assert response["Location"] == f"/w/{workshop.id}/"
    assert present_members(workshop) == 2
    assert client.get(f"/api/w/{workshop.id}/state").json()["me"]["member"] == first.id


def test_joining_twice_does_not_use_the_link_up(leader_client, workshop):
    token = new_invite(leader_client, workshop, max_uses=2)
    client = Client()
    join_over_http(client, token, "Mia")
    join_over_http(client, token, "Mia")
    join_over_http(Client(), token, "Noah")
    assert present_members(workshop) == 3


def test_a_logged_in_user_joins_as_themselves_and_comes_back_from_another_device(workshop, member_token):
    user = make_user("sam", "sams-password-77")
    laptop = logged_in(user)
    member = join_over_http(laptop, member_token, "Sam")
    assert member.user == user

    phone = Client()
    assert phone.get(f"/w/{workshop.id}/").status_code == 404
    assert phone.post("/accounts/login/", {"username": "sam", "password": "sams-password-77"}).status_code == 302
    assert phone.get(f"/w/{workshop.id}/").status_code == 200
    assert phone.get(f"/api/w/{workshop.id}/state").json()["me"]["member"] == member.id


def test_joining_twice_from_one_account_makes_one_member(workshop, member_token):
    user = make_user()
    first = join_over_http(logged_in(user), member_token, "Sam")
    second_device = logged_in(user)
    response = second_device.post(join_url(member_token), {"display_name": "Sam on the phone"})
    assert response.status_code == 302
    assert Member.objects.filter(workshop=workshop, user=user).count() == 1
    assert second_device.get(f"/api/w/{workshop.id}/state").json()["me"]["member"] == first.id


def test_the_leader_following_their_own_link_stays_the_leader(leader_client, workshop, leader, member_token):
    response = leader_client.post(join_url(member_token), {"display_name": "Leader again"})
    assert response.status_code == 302
    assert present_members(workshop) == 1
    me = leader_client.get(f"/api/w/{workshop.id}/state").json()["me"]
    assert (me["member"], me["role"]) == (leader.id, "leader")


def test_a_token_of_one_workshop_does_not_open_another(workshop, member_token, other_workshop):
    client = Client()
    join_over_http(client, member_token, "Mia")
    assert client.get(f"/w/{other_workshop.id}/").status_code == 404
    assert client.get(f"/api/w/{other_workshop.id}/state").status_code == 404
    assert not Member.objects.filter(workshop=other_workshop, name="Mia").exists()


def test_joining_emits_member_joined_with_the_member_object(workshop, member_token):
    before = workshop.events.count()
    member = join_over_http(Client(), member_token, "Mia")
    events = list(Event.objects.filter(workshop=workshop).order_by("seq")[before:])
    assert [event.name for event in events] == ["member.joined"]
    assert events[0].data == {"member": {"id": member.id, "name": "Mia", "role": "member", "ready": False}}
    # The snapshot's seq moves with the log.
    state = logged_in(workshop.created_by).get(f"/api/w/{workshop.id}/state").json()
    assert state["seq"] == events[0].seq


def test_joining_twice_emits_no_second_event(workshop, member_token):
    client = Client()
    join_over_http(client, member_token, "Mia")
    count = Event.objects.filter(workshop=workshop).count()
    client.post(join_url(member_token), {"display_name": "Mia"})
    assert Event.objects.filter(workshop=workshop).count() == count


def test_a_removed_guest_cannot_rejoin_with_the_same_session(workshop, leader, member_token):
    client = Client()
    member = join_over_http(client, member_token, "Gone")
    member_remove(workshop_id=workshop.id, actor_id=leader.id, ref=None, member=member.id)
    for response in (client.get(join_url(member_token)), client.post(join_url(member_token), {"display_name": "Back"})):
        assert_removed_page(response, workshop)
    assert not Member.objects.filter(workshop=workshop, name="Back").exists()
    assert_removed_page(client.get(f"/w/{workshop.id}/"), workshop)


def test_a_removed_user_cannot_rejoin_from_another_device(workshop, leader, member_token):
    user = make_user()
    member = join_over_http(logged_in(user), member_token, "Gone")
    member_remove(workshop_id=workshop.id, actor_id=leader.id, ref=None, member=member.id)
    other_device = logged_in(user)
    assert_removed_page(other_device.get(join_url(member_token)), workshop)
    assert_removed_page(other_device.post(join_url(member_token), {"display_name": "Back again"}), workshop)
    assert_removed_page(other_device.get(f"/w/{workshop.id}/"), workshop)
