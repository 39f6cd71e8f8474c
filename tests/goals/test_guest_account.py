"""A guest becomes an account (goals.accounts.memberships_adopt, the sign-up page): signing up in the
browser that joined keeps every membership, with the same member id and everything it owns."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils.html import escape

from goals.accounts import memberships_adopt
from goals.invites import current_member_invite, token_for
from goals.models import Member, Role
from planning.models import Item, Ownership
from room.members import member_remove
from tests.goals.conftest import join_over_http, logged_in, make_user
from tests.planning.helpers import add_item, send

pytestmark = pytest.mark.django_db

User = get_user_model()
PASSWORD = "quiet-harbour-lantern-7"


def sign_up(client: Client, path: str = "/accounts/signup/", **extra):
    return client.post(path, {"username": "mia", "password1": PASSWORD, "password2": PASSWORD, **extra})


def test_signing_up_keeps_the_membership_and_all_it_owns(guest, workshop, other_workshop):
    laptop, member = guest(Role.MEMBER, "Mia Okafor")
    _, elsewhere = guest(Role.MEMBER, "Mia O.", target=other_workshop)  # another browser: not kept
    item = add_item(workshop, member, title="Write the welcome email")
    send(workshop, member, "item.claim", item=item)

    page = laptop.get("/accounts/signup/")
    text = page.content.decode()
    assert "You'll keep your place in" in text
    assert escape(workshop.title) in text
    assert escape(other_workshop.title) not in text
    assert 'value="Mia Okafor"' in text  # the display name offered is the guest's

    response = sign_up(laptop)
    assert (response.status_code, response["Location"]) == (302, "/")
    user = User.objects.get(username="mia")
    member.refresh_from_db()
    assert (member.user_id, member.guest_key) == (user.id, None)
    assert member.name == "Mia Okafor"
    assert user.first_name == "Mia Okafor"  # the form left display_name empty
    assert Item.objects.get(pk=item).author_id == member.id
    assert Ownership.objects.filter(item_id=item, member=member).exists()
    elsewhere.refresh_from_db()
    assert elsewhere.user_id is None
    assert laptop.get("/api/w/" + workshop.id + "/state").json()["me"]["member"] == member.id

    # Log out, then log in from a fresh browser: the workshop is there, as the same member.
    assert laptop.post("/accounts/logout/").status_code == 302
    assert laptop.get(f"/w/{workshop.id}/").status_code == 404
    phone = Client()
    assert phone.post("/accounts/login/", {"username": "mia", "password": PASSWORD}).status_code == 302
    home = phone.get("/").content.decode()
    assert "Your workshops" in home
    assert f"/w/{workshop.id}/" in home
    assert phone.get(f"/w/{workshop.id}/").status_code == 200
    assert phone.get(f"/api/w/{workshop.id}/state").json()["me"]["member"] == member.id


def test_a_display_name_given_at_sign_up_names_the_account_not_the_membership(guest, workshop):
    laptop, member = guest(Role.MEMBER, "Mia")
    sign_up(laptop, display_name="Mia Okafor")
    assert User.objects.get(username="mia").first_name == "Mia Okafor"
    member.refresh_from_db()
    assert member.name == "Mia"  # renaming is member.rename's, per workshop


def test_every_workshop_of_the_browser_is_kept_and_next_is_followed(guest, workshop, other_workshop):
    laptop, first = guest(Role.MEMBER, "Mia")
    second = join_over_http(laptop, token_for(current_member_invite(other_workshop)), "Mia O.")
    response = sign_up(laptop, f"/accounts/signup/?next=/w/{workshop.id}/")
    assert response["Location"] == f"/w/{workshop.id}/"
    user = User.objects.get(username="mia")
    assert set(Member.objects.filter(user=user).values_list("pk", flat=True)) == {first.pk, second.pk}
    # the newest membership's name is the default
    assert user.first_name == "Mia O."


def test_a_workshop_the_account_is_in_already_is_left_alone(guest, workshop):
    """Impossible for a fresh account, but guarded: never two memberships of one account."""
    laptop, member = guest(Role.MEMBER, "Mia")
    user = make_user()
    Member.objects.create(workshop=workshop, user=user, name="Mia (account)", role=Role.MEMBER)
    assert memberships_adopt(user=user, session=laptop.session) == []
    member.refresh_from_db()
    assert (member.user_id, member.guest_key is not None) == (None, True)


def test_a_removed_membership_is_not_taken_over(guest, workshop, leader):
    laptop, member = guest(Role.MEMBER, "Mia")
    member_remove(workshop_id=workshop.id, actor_id=leader.id, ref=None, member=member.id)
    assert "keep your place" not in laptop.get("/accounts/signup/").content.decode()
    sign_up(laptop)
    member.refresh_from_db()
    assert member.user_id is None


def test_a_browser_that_came_in_through_a_return_link_keeps_that_membership(guest, workshop):
    laptop, member = guest(Role.MEMBER, "Mia")
    url = laptop.post(f"/api/w/{workshop.id}/me/link").json()["url"]
    phone = Client()
    phone.get(url.removeprefix("http://testserver"))
    sign_up(phone)
    member.refresh_from_db()
    assert member.user_id == User.objects.get(username="mia").id
    # The membership is the account's now: the guest browser logs in to come back.
    assert laptop.get(f"/w/{workshop.id}/").status_code == 404


def test_a_logged_in_visitor_is_never_converted(workshop, leader_user):
    client = logged_in(leader_user)
    page = client.get("/accounts/signup/")
    assert "keep your place" not in page.content.decode()


def test_signing_up_without_guest_memberships_still_lands_on_post_a_goal(client):
    response = sign_up(client)
    assert response["Location"] == "/workshops/new/"


def test_joining_again_after_converting_is_the_same_member(guest, workshop, member_token):
    laptop, member = guest(Role.MEMBER, "Mia")
    sign_up(laptop)
    response = laptop.get(f"/join/{member_token}/")
    assert response.status_code == 302
    assert laptop.post(f"/join/{member_token}/", {"display_name": "Mia"}).status_code == 302
    assert Member.objects.filter(workshop=workshop, user__username="mia").get().pk == member.pk
