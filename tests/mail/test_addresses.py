"""Addresses and their confirmation (protocol §3 `email`, §9): nothing but a confirmation goes to
an address until the link's button is pressed; a GET of the link changes nothing."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from mail.models import Address, Mail
from tests.mail.conftest import SITE, browser_of, confirmed, drain, parts
from tests.planning.helpers import add_item, agree

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-password-1"


def confirmation_link(message) -> str:
    text, html = parts(message)
    found = re.search(re.escape(SITE) + r"(/mail/confirm/[A-Za-z0-9_-]+/)", text)
    assert found, text
    assert found.group(1) in html
    return found.group(1)


def test_signup_with_an_email_sends_a_confirmation_whose_button_confirms(smtp):
    browser = Client()
    response = browser.post(
        "/accounts/signup/",
        {"username": "lea", "password1": PASSWORD, "password2": PASSWORD, "email": "lea@example.org"},
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="lea")
    address = Address.objects.get(user=user)
    assert address.email == "lea@example.org"
    assert address.confirmed_at is None
    drain()
    (message,) = smtp.to("lea@example.org")
    assert "Confirm" in message["Subject"]
    assert message["Message-ID"] == Mail.objects.get(address=address).message_id
    assert "List-Unsubscribe" not in message  # not list mail: the person just asked for it
    link = confirmation_link(message)
    # The token is not in the database: only its hash.
    token = link.rstrip("/").rsplit("/", 1)[1]
    assert token not in str(list(Address.objects.values()))
    assert token not in str(list(Mail.objects.values()))

    # A mail scanner (or anyone) opening the link changes nothing, signed in or not.
    page = Client().get(link)
    assert page.status_code == 200
    assert b"data-confirm-page" in page.content
    assert Address.objects.get(pk=address.pk).confirmed_at is None
    page = Client().post(link)
    assert page.status_code == 200
    assert b"Address confirmed" in page.content
    assert Address.objects.get(pk=address.pk).confirmed_at is not None
    # Used once.
    assert Client().post(link).status_code == 404
    assert Client().get("/mail/confirm/not-a-token/").status_code == 404
    drain()
    assert len(smtp.received) == 1


def test_signup_without_an_email_makes_no_address(smtp):
    response = Client().post("/accounts/signup/", {"username": "nomail", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    assert not Address.objects.exists()
    assert b'name="email"' in Client().get("/accounts/signup/").content


def test_signup_refuses_a_malformed_email(smtp):
    response = Client().post(
        "/accounts/signup/",
        {"username": "bad", "password1": PASSWORD, "password2": PASSWORD, "email": "not-an-address"},
    )
    assert response.status_code == 200
    assert not get_user_model().objects.filter(username="bad").exists()


def test_account_settings_set_change_and_remove_the_address(smtp, leader_user):
    browser = Client()
    browser.force_login(leader_user)
    assert browser.get("/accounts/settings/").status_code == 200
    assert Client().get("/accounts/settings/").status_code == 302  # to the login page
    assert browser.post("/accounts/settings/", {"email": "one@example.org"}).status_code == 303
    drain()
    first = confirmation_link(smtp.to("one@example.org")[0])
    assert browser.post("/accounts/settings/", {"email": "two@example.org"}).status_code == 303
    drain()
    second = confirmation_link(smtp.to("two@example.org")[0])
    assert Client().post(first).status_code == 404, "a changed address's old link confirms nothing"
    assert Client().post(second).status_code == 200
    assert Address.objects.get(user=leader_user).confirmed_at is not None
    assert b"two@example.org" in browser.get("/accounts/settings/").content
    assert browser.post("/accounts/settings/", {"email": ""}).status_code == 303
    assert not Address.objects.filter(user=leader_user).exists()


def test_nothing_but_a_confirmation_goes_to_an_unconfirmed_address(smtp, workshop, leader, member):
    browser = browser_of(member)
    response = browser.post(f"/w/{workshop.id}/mine/mail/", {"action": "address", "email": "mia@example.org"})
    assert response.status_code == 303
    item = add_item(workshop, member, title="Write the welcome mail")
    agree(workshop, leader, {item: member})
    drain()
    (message,) = smtp.to("mia@example.org")
    assert "Confirm" in message["Subject"]
    assert not Mail.objects.filter(kind="commitments").exists()


def test_an_accounts_address_serves_all_its_memberships(smtp, workshop, leader, member, leader_user):
    confirmed(leader, "lead@example.org")
    item = add_item(workshop, leader, title="Plan the launch")
    agree(workshop, leader, {item: leader})
    drain()
    (message,) = smtp.to("lead@example.org")
    assert "Plan the launch" in parts(message)[0]


def test_a_guest_sets_removes_and_resends_on_the_mine_page(smtp, workshop, member):
    browser = browser_of(member)
    page = browser.get(f"/w/{workshop.id}/mine/")
    assert b"data-mail-panel" in page.content
    browser.post(f"/w/{workshop.id}/mine/mail/", {"action": "address", "email": "mia@example.org"})
    assert b'data-address-state="unconfirmed"' in browser.get(f"/w/{workshop.id}/mine/").content
    drain()
    browser.post(f"/w/{workshop.id}/mine/mail/", {"action": "resend"})
    browser.post(f"/w/{workshop.id}/mine/mail/", {"action": "resend"})
    drain()
    # A link asked for again before the mail went is not sent: only the newest link is.
    first, second = smtp.to("mia@example.org")
    assert Client().post(confirmation_link(first)).status_code == 404, "a new link replaces the old"
    assert Client().post(confirmation_link(second)).status_code == 200
    assert b'data-address-state="confirmed"' in browser.get(f"/w/{workshop.id}/mine/").content
    browser.post(f"/w/{workshop.id}/mine/mail/", {"action": "remove"})
    assert not Address.objects.filter(member=member).exists()
    bad = browser.post(f"/w/{workshop.id}/mine/mail/", {"action": "address", "email": "<script>"}, follow=True)
    assert b"Enter a valid email address" in bad.content
    assert not Address.objects.exists()
