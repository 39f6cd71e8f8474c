"""Accounts (protocol §3): signup, login, logout, and "Your workshops" on the landing page."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils.html import escape

from goals.invites import current_member_invite, token_for
from room.members import member_remove
from room.workshops import workshop_create
from tests.goals.conftest import join_over_http, logged_in, make_user

User = get_user_model()

GOOD_PASSWORD = "quiet-harbour-lantern-7"


def is_logged_in(client: Client) -> bool:
    """Only a logged-in person may open /workshops/new/; everyone else is sent to log in."""
    response = client.get("/workshops/new/")
    assert response.status_code in (200, 302)
    return response.status_code == 200


@pytest.mark.django_db
def test_signup_page_has_the_protocol_fields(client):
    response = client.get("/accounts/signup/")
    assert response.status_code == 200
    for field in ("username", "password1", "password2"):
        assert f'name="{field}"'.encode() in response.content


@pytest.mark.django_db
def test_signup_creates_the_user_and_logs_them_in(client):
    assert not is_logged_in(client)
    response = client.post(
        "/accounts/signup/", {"username": "ada", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert response.status_code == 302
    assert User.objects.filter(username="ada").exists()
    assert is_logged_in(client)
    assert b"ada" in client.get("/").content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("password1", "password2"),
    [
        (GOOD_PASSWORD, GOOD_PASSWORD + "x"),  # do not match
        ("short1", "short1"),  # too short
        ("password", "password"),  # too common
        ("83920174655", "83920174655"),  # entirely numeric
        ("", ""),  # missing
    ],
)
def test_signup_with_a_bad_password_rerenders_with_errors_and_creates_nothing(client, password1, password2):
    response = client.post("/accounts/signup/", {"username": "ada", "password1": password1, "password2": password2})
    assert response.status_code == 200
    assert b'class="errors"' in response.content
    assert b'name="username"' in response.content
    assert not User.objects.filter(username="ada").exists()
    assert not is_logged_in(client)


@pytest.mark.django_db
def test_signup_with_a_taken_username_creates_nothing(client):
    make_user("ada")
    response = client.post(
        "/accounts/signup/", {"username": "ada", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )
    assert response.status_code == 200
    assert b'class="errors"' in response.content
    assert User.objects.filter(username="ada").count() == 1
    assert not is_logged_in(client)


@pytest.mark.django_db
def test_signup_does_not_redirect_to_another_site(client):
    response = client.post(
        "/accounts/signup/?next=https://evil.example/steal",
        {"username": "ada", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert response.status_code == 302
    assert not response["Location"].startswith(("http://", "https://", "//"))


@pytest.mark.django_db
def test_signup_follows_a_local_next(client):
    response = client.post(
        "/accounts/signup/?next=/workshops/new/",
        {"username": "ada", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )
    assert response.status_code == 302
    assert response["Location"] == "/workshops/new/"


@pytest.mark.django_db
def test_login_with_username_and_password(client):
    make_user("grace", GOOD_PASSWORD)
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b'name="username"' in page.content
    assert b'name="password"' in page.content
    response = client.post("/accounts/login/", {"username": "grace", "password": GOOD_PASSWORD})
    assert response.status_code == 302
    assert is_logged_in(client)


@pytest.mark.django_db
def test_login_with_a_wrong_password_is_refused(client):
    make_user("grace", GOOD_PASSWORD)
    response = client.post("/accounts/login/", {"username": "grace", "password": GOOD_PASSWORD + "x"})
    assert response.status_code == 200
    assert b'class="errors"' in response.content
    assert not is_logged_in(client)


@pytest.mark.django_db
def test_logout_by_post_logs_out():
    client = logged_in(make_user())
    assert is_logged_in(client)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert not is_logged_in(client)


@pytest.mark.django_db
def test_logout_by_get_is_refused_and_keeps_the_session():
    client = logged_in(make_user())
    assert client.get("/accounts/logout/").status_code == 405
    assert is_logged_in(client)


@pytest.mark.django_db
def test_landing_page_for_anonymous_visitors_lists_no_workshops(client, workshop):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Your workshops" not in response.content
    assert workshop.title.encode() not in response.content


@pytest.mark.django_db
def test_landing_page_lists_workshops_led_and_joined(workshop, leader_user, other_workshop):
    # leader_user leads `workshop` and joins `other_workshop` through its link, logged in.
    client = logged_in(leader_user)
    join_over_http(client, token_for(current_member_invite(other_workshop)), "Lee")
    unrelated = workshop_create(user=make_user(), title="Somebody else's secret goal")

    text = client.get("/").content.decode()
    assert "Your workshops" in text
    assert workshop.title in text
    assert escape(other_workshop.title) in text
    assert f"/w/{workshop.id}/" in text
    assert f"/w/{other_workshop.id}/" in text
    assert unrelated.title not in text
    assert f"/w/{unrelated.id}/" not in text


@pytest.mark.django_db
def test_landing_page_drops_a_workshop_one_was_removed_from(workshop, leader, other_workshop):
    user = make_user()
    client = logged_in(user)
    member = join_over_http(client, token_for(current_member_invite(workshop)), "Rem")
    assert workshop.title in client.get("/").content.decode()
    member_remove(workshop_id=workshop.id, actor_id=leader.id, ref=None, member=member.id)
    assert workshop.title not in client.get("/").content.decode()


# The display name (protocol §3) and where sign-up lands


def sign_up(client, **extra):
    form = {"username": "ada", "password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD, **extra}
    return client.post("/accounts/signup/", form)


def post_a_goal(client) -> str:
    response = client.post("/workshops/new/", {"title": "A goal", "votes_per_member": 5})
    assert response.status_code == 302
    return response["Location"]


@pytest.mark.django_db
def test_signup_without_next_lands_on_post_a_goal(client):
    response = sign_up(client)
    assert (response.status_code, response["Location"]) == (302, "/workshops/new/")
    assert b"Post a goal" in client.get(response["Location"]).content


@pytest.mark.django_db
def test_the_display_name_is_the_leaders_name_on_the_board(client):
    page = client.get("/accounts/signup/")
    assert b'name="display_name"' in page.content
    sign_up(client, display_name="  Ada Lovelace  ")
    board = post_a_goal(client)
    state = client.get(f"/api{board.removesuffix('/')}/state").json()
    [leader] = state["members"]
    assert leader["name"] == "Ada Lovelace"


@pytest.mark.django_db
@pytest.mark.parametrize("given", [None, "", "   "])
def test_without_a_display_name_the_username_is_shown(client, given):
    sign_up(client, **({} if given is None else {"display_name": given}))
    board = post_a_goal(client)
    assert client.get(f"/api{board.removesuffix('/')}/state").json()["members"][0]["name"] == "ada"


@pytest.mark.django_db
def test_a_display_name_over_40_characters_is_refused_with_the_others_errors(client):
    response = sign_up(client, display_name="x" * 41, password2="something-else-entirely")
    assert response.status_code == 200
    assert not User.objects.filter(username="ada").exists()
    html = response.content.decode()
    # Every field's error at once, each field marked invalid and pointing at its message.
    for field in ("display_name", "password2"):
        assert re.search(rf'<input[^>]*name="{field}"[^>]*aria-invalid="true"', html), field
        assert re.search(rf'<input[^>]*name="{field}"[^>]*aria-describedby="[^"]*id_{field}_error', html), field
        assert f'id="id_{field}_error"' in html, field
    assert '<script type="module" src="/static/js/forms.js"></script>' in html


@pytest.mark.django_db
def test_a_user_joining_another_workshop_is_offered_their_display_name(client, workshop):
    sign_up(client, display_name="Ada Lovelace")
    page = client.get(f"/join/{token_for(current_member_invite(workshop))}/")
    assert re.search(r'name="display_name"[^>]*value="Ada Lovelace"', page.content.decode())


@pytest.mark.django_db
def test_an_account_without_a_display_name_is_offered_its_username(client, workshop):
    user = make_user("grace")
    client.force_login(user)
    page = client.get(f"/join/{token_for(current_member_invite(workshop))}/")
    assert re.search(r'name="display_name"[^>]*value="grace"', page.content.decode())


@pytest.mark.django_db
def test_a_password_like_the_display_name_is_refused(client):
    response = sign_up(
        client, display_name="Quiet Harbour Lantern", password1="quietharbourlantern", password2="quietharbourlantern"
    )
    assert response.status_code == 200
    assert not User.objects.filter(username="ada").exists()
