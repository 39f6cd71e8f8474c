"""`POST, DELETE /api/w/<id>/me/calendar` (protocol §9, "Calendar"): a member's secret feed URL.

One feed per member: a new one replaces the old, whose URL answers 404 from then on, as a
revoked or unknown one does. Only the SHA-256 of a token is kept: neither the feed's row nor
any session holds the token itself.
"""

from __future__ import annotations

import hashlib

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client

from calendars.models import CalendarFeed
from room.members import member_remove
from room.workshop_data import workshop_erase
from tests.calendars.conftest import SITE, browser_of, fetch, new_feed, path_of, token_of

pytestmark = pytest.mark.django_db


def test_a_member_gets_201_with_an_absolute_url_of_256_random_bits(room):
    client = browser_of(room.member)

    response = client.post(f"/api/w/{room.workshop.id}/me/calendar", content_type="application/json")

    assert response.status_code == 201
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    body = response.json()
    assert set(body) == {"url"}
    assert body["url"].startswith(f"{SITE}/calendar/")
    token = token_of(body["url"])
    assert len(token) >= 43  # token_urlsafe(32): 256 bits, base64url (at least 128 asked for)
    assert fetch(body["url"]).status_code == 200


def test_every_role_may_have_one_observers_too(room):
    for person in (room.leader, room.member, room.observer):
        assert fetch(new_feed(browser_of(person), room.workshop)).status_code == 200
    assert CalendarFeed.objects.count() == 3


def test_a_new_feed_replaces_the_old_which_answers_404(room):
    client = browser_of(room.member)
    first = new_feed(client, room.workshop)

    second = new_feed(client, room.workshop)

    assert token_of(first) != token_of(second)
    assert fetch(first).status_code == 404
    assert fetch(second).status_code == 200
    assert CalendarFeed.objects.filter(member=room.member).count() == 1


def test_delete_revokes_with_204_and_again_when_there_is_none(room):
    client = browser_of(room.member)
    url = new_feed(client, room.workshop)

    response = client.delete(f"/api/w/{room.workshop.id}/me/calendar")

    assert response.status_code == 204
    assert fetch(url).status_code == 404
    assert not CalendarFeed.objects.exists()
    assert client.delete(f"/api/w/{room.workshop.id}/me/calendar").status_code == 204


@pytest.mark.parametrize(
    "token",
    ["A" * 43, "x", "A" * 300, "not-a-token-but-long-enough-to-look-like-one", "%00" * 15, "..%2F..%2Fetc"],
)
def test_an_unknown_token_is_404(room, token):
    new_feed(browser_of(room.member), room.workshop)
    response = Client().get(f"/calendar/{token}.ics")
    assert response.status_code == 404
    assert room.workshop.title.encode() not in response.content


def test_a_removed_members_feed_is_404(room):
    url = new_feed(browser_of(room.member), room.workshop)
    member_remove(workshop_id=room.workshop.id, actor_id=room.leader.id, ref=None, member=room.member.id)
    assert fetch(url).status_code == 404


def test_non_members_get_404_as_json_and_nothing_is_made(room, other_workshop, join):
    stranger = join(target=other_workshop)
    for client in (Client(), browser_of(stranger)):
        for method in ("post", "delete"):
            response = getattr(client, method)(f"/api/w/{room.workshop.id}/me/calendar")
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"
        assert client.post("/api/w/no-such-workshop/me/calendar").status_code == 404
    assert not CalendarFeed.objects.exists()


def test_it_takes_only_post_and_delete(room):
    client = browser_of(room.member)
    for method in ("get", "put", "patch"):
        assert getattr(client, method)(f"/api/w/{room.workshop.id}/me/calendar").status_code == 405
    url = new_feed(client, room.workshop)
    assert Client().post(path_of(url)).status_code == 405


def test_state_changes_need_the_csrf_token(room):
    client = browser_of(room.member, enforce_csrf_checks=True)
    response = client.post(f"/api/w/{room.workshop.id}/me/calendar", content_type="application/json")
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert not CalendarFeed.objects.exists()


def test_the_token_is_stored_only_as_its_sha256(room):
    client = browser_of(room.member)
    token = token_of(new_feed(client, room.workshop))

    (feed,) = CalendarFeed.objects.all()
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM calendars_calendarfeed")
        rows = cursor.fetchall()
    assert token not in repr(rows)
    for session in Session.objects.all():
        assert token not in repr(session.get_decoded())
        assert token not in session.session_data


def test_erasing_the_workshop_erases_its_feeds_and_says_so(room):
    url = new_feed(browser_of(room.member), room.workshop)

    counts = workshop_erase(workshop_id=room.workshop.id)

    assert counts["calendars.calendarfeed"] == 1
    assert fetch(url).status_code == 404
