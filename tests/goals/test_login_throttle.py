"""Leaders' passwords cannot be guessed: django-axes pauses logins per account and per address.

Five failures with no 15-minute pause between them, for one account from anywhere or from one
address for any accounts, and logging in is refused with 429 for 15 minutes after the last one,
the right password included. Failures are rows in the database, so every process counts them
together; moving those rows back in time stands in for waiting.
"""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F, Sum
from django.test import Client

from tests.goals.conftest import PASSWORD, make_user

FAILURES = 5
COOL_OFF = timedelta(minutes=15)

pytestmark = pytest.mark.django_db

_hosts = itertools.count(1)


def browser() -> Client:
    """A browser at an address of its own."""
    return Client(REMOTE_ADDR=f"198.51.100.{next(_hosts) % 250 + 1}")


def log_in(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def is_logged_in(client: Client) -> bool:
    return client.get("/workshops/new/").status_code == 200


def assert_paused(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) == COOL_OFF.total_seconds()
    text = response.content.decode()
    assert "Too many failed logins" in text
    assert "15 minutes" in text


def wait(duration: timedelta) -> None:
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - duration)


@pytest.fixture
def leader():
    return make_user("leader-login")


def test_four_wrong_passwords_are_just_wrong_and_the_fifth_pauses_the_account(leader):
    client = browser()
    for _ in range(FAILURES - 1):
        response = log_in(client, leader.username, "wrong-guess")
        assert response.status_code == 200
        assert b'class="errors"' in response.content
    assert_paused(log_in(client, leader.username, "wrong-guess"))
    assert_paused(log_in(client, leader.username, PASSWORD))
    assert not is_logged_in(client)


def test_the_right_password_before_the_limit_still_logs_in(leader):
    client = browser()
    for _ in range(FAILURES - 1):
        log_in(client, leader.username, "wrong-guess")
    assert log_in(client, leader.username, PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_guessing_one_account_from_many_addresses_pauses_the_account(leader):
    for _ in range(FAILURES):
        log_in(browser(), leader.username, "wrong-guess")
    somewhere_else = browser()
    assert_paused(log_in(somewhere_else, leader.username, PASSWORD))
    assert not is_logged_in(somewhere_else)
    # Other accounts are not held up by it.
    other = make_user("bystander")
    assert log_in(browser(), other.username, PASSWORD).status_code == 302


def test_guessing_many_accounts_from_one_address_pauses_the_address(leader):
    client = browser()
    for number in range(FAILURES):
        log_in(client, f"someone-{number}", "wrong-guess")
    assert_paused(log_in(client, leader.username, PASSWORD))
    assert log_in(browser(), leader.username, PASSWORD).status_code == 302


def test_failures_are_counted_in_the_database(leader):
    for _ in range(FAILURES - 1):
        log_in(browser(), leader.username, "wrong-guess")
    counted = AccessAttempt.objects.filter(username=leader.username).aggregate(n=Sum("failures_since_start"))["n"]
    assert counted == FAILURES - 1


def test_the_pause_ends_15_minutes_after_the_last_failure(leader):
    client = browser()
    for _ in range(FAILURES):
        log_in(client, leader.username, "wrong-guess")
    wait(COOL_OFF - timedelta(seconds=5))
    assert_paused(log_in(client, leader.username, PASSWORD))
    wait(timedelta(seconds=10))
    assert log_in(client, leader.username, PASSWORD).status_code == 302
    assert is_logged_in(client)


def test_trying_while_paused_does_not_make_the_pause_longer(leader):
    client = browser()
    for _ in range(FAILURES):
        log_in(client, leader.username, "wrong-guess")
    wait(COOL_OFF / 2)
    for _ in range(3):
        assert_paused(log_in(client, leader.username, "still-guessing"))
    wait(COOL_OFF / 2 + timedelta(seconds=5))
    assert log_in(client, leader.username, PASSWORD).status_code == 302


def test_failures_spread_out_over_more_than_15_minutes_never_pause(leader):
    client = browser()
    for _ in range(FAILURES * 2):
        assert log_in(client, leader.username, "wrong-guess").status_code == 200
        wait(COOL_OFF + timedelta(seconds=1))
    assert log_in(client, leader.username, PASSWORD).status_code == 302


def test_guests_joining_are_not_held_up_by_a_paused_address(workshop, member_token):
    client = browser()
    for number in range(FAILURES):
        log_in(client, f"someone-{number}", "wrong-guess")
    response = client.post(f"/join/{member_token}/", {"display_name": "Guest"})
    assert response.status_code == 302
