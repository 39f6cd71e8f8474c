"""The header's "who you are" (goals.identity, templates/base.html) on every page."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from goals.models import Role
from tests.goals.conftest import logged_in, make_user
from tests.planning.helpers import send

pytestmark = pytest.mark.django_db


def header(response) -> str:
    text = response.content.decode()
    return text[text.index("<header") : text.index("</header>")]


def summary(response) -> list[str]:
    found = re.search(r"<summary class=\"identity-button\">(.*?)</summary>", header(response), re.S)
    assert found, header(response)
    return re.sub(r"<[^>]+>|\s+", " ", found[1]).split()


def test_a_guest_on_the_board_sees_their_name_and_guest_not_sign_up(guest, workshop):
    laptop, _ = guest(Role.MEMBER, "Mia Okafor")
    page = laptop.get(f"/w/{workshop.id}/")
    assert summary(page) == ["You", "are", "M", "Mia", "Okafor", "·", "guest"]
    text = header(page)
    assert "Change my name" in text
    assert "Get my return link" in text
    assert f'href="/accounts/signup/?next=/w/{workshop.id}/"' in text
    assert f'href="/accounts/login/?next=/w/{workshop.id}/"' in text
    assert ">Sign up<" not in text
    assert "Log out" not in text


def test_an_observer_sees_their_role(guest, workshop):
    phone, _ = guest(Role.OBSERVER, "Olu")
    assert summary(phone.get(f"/w/{workshop.id}/"))[-2:] == ["·", "observer"]


def test_the_name_follows_a_rename(guest, workshop):
    laptop, member = guest(Role.MEMBER, "Mia")
    send(workshop, member, "member.rename", name="Mia Okafor")
    assert "Mia Okafor" in " ".join(summary(laptop.get(f"/w/{workshop.id}/mine/")))


def test_a_guest_elsewhere_sees_the_name_they_joined_with(guest, workshop):
    laptop, _ = guest(Role.MEMBER, "Mia Okafor")
    page = laptop.get("/")
    assert summary(page)[-3:] == ["Okafor", "·", "guest"]
    text = header(page)
    assert "Change my name" not in text  # a name is a workshop's: on its pages
    assert 'href="/accounts/signup/"' in text  # lands on "/" anyway


def test_a_user_sees_their_display_name_and_on_a_board_their_role(workshop, leader_user):
    leader_user.first_name = "Lee Host"
    leader_user.save()
    client = logged_in(leader_user)
    assert summary(client.get("/"))[-2:] == ["Lee", "Host"]
    board = client.get(f"/w/{workshop.id}/")
    assert summary(board)[-2:] == ["·", "leader"]
    assert "Log out" in header(board)
    assert "Create an account" not in header(board)


def test_a_visitor_who_is_nobody_gets_log_in_and_sign_up():
    text = header(Client().get("/"))
    assert 'id="identity"' not in text
    assert ">Log in<" in text
    assert ">Sign up<" in text


def test_only_a_workshops_pages_are_come_back_to(guest):
    laptop, _ = guest(Role.MEMBER, "Mia")
    text = header(laptop.get("/accounts/signup/"))
    assert 'href="/accounts/signup/"' in text
    assert "next=" not in text


def test_a_user_who_is_not_a_member_sees_their_name_on_the_404(workshop):
    client = logged_in(make_user("zed"))
    page = client.get(f"/w/{workshop.id}/")
    assert page.status_code == 404
    assert summary(page)[-1] == "zed"
