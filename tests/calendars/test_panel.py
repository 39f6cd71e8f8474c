"""The calendar panel of My commitments (`/w/<id>/mine/`): make the feed, see its URL once, turn it off.

The panel posts to `/w/<id>/mine/calendar/`, which redirects back (303); the page after the
redirect shows the new URL once, with the page's Copy button and a `webcal://` link. Between the
two the URL waits in the session sealed, never as it is.
"""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from calendars.models import CalendarFeed
from tests.calendars.conftest import SITE, browser_of, fetch, token_of

pytestmark = pytest.mark.django_db

PANEL = re.compile(rb'<section class="card phone-card calendar-card".*?</section>', re.DOTALL)


def panel_of(response) -> bytes:
    assert response.status_code == 200, response.status_code
    found = PANEL.search(response.content)
    assert found, "no calendar panel on the page"
    return found[0]


def shown_url(panel: bytes) -> str | None:
    found = re.search(rb'id="calendar-link"[^>]* value="([^"]+)"', panel)
    return found[1].decode() if found else None


def test_a_member_sees_the_panel_with_a_button_and_no_feed_yet(room):
    panel = panel_of(browser_of(room.member).get(f"/w/{room.workshop.id}/mine/"))

    assert b"Add your due dates to your calendar" in panel
    assert b"Add to my calendar" in panel
    assert f'action="/w/{room.workshop.id}/mine/calendar/"'.encode() in panel
    assert b"csrfmiddlewaretoken" in panel
    assert b"Turn off" not in panel
    assert shown_url(panel) is None


def test_making_the_feed_redirects_back_and_shows_its_url_once(room):
    client = browser_of(room.member)

    made = client.post(f"/w/{room.workshop.id}/mine/calendar/", {"action": "create"})

    assert made.status_code == 303
    assert made["Location"] == f"/w/{room.workshop.id}/mine/#calendar"
    page = client.get(made["Location"])
    assert "no-store" in page["Cache-Control"]
    panel = panel_of(page)
    url = shown_url(panel)
    assert url is not None
    assert url.startswith(f"{SITE}/calendar/")
    assert b'data-copy="#calendar-link"' in panel
    webcal = "webcal://" + url.removeprefix("https://")
    assert f'href="{webcal}"'.encode() in panel
    assert b"Turn off" in panel
    assert fetch(url).status_code == 200

    again = panel_of(client.get(f"/w/{room.workshop.id}/mine/"))
    assert shown_url(again) is None, "the URL is shown once"
    assert b"Turn off" in again
    assert b"Make a new address" in again


def test_the_url_waits_in_the_session_sealed(room):
    client = browser_of(room.member)
    client.post(f"/w/{room.workshop.id}/mine/calendar/", {"action": "create"})
    sessions = list(Session.objects.all())

    url = shown_url(panel_of(client.get(f"/w/{room.workshop.id}/mine/")))

    token = token_of(url)
    for session in sessions:
        assert token not in repr(session.get_decoded())
    for session in Session.objects.all():
        assert "calendars_new_feed" not in session.get_decoded(), "dropped once shown"


def test_a_new_address_turns_the_old_one_off(room):
    client = browser_of(room.member)
    client.post(f"/w/{room.workshop.id}/mine/calendar/", {"action": "create"})
    first = shown_url(panel_of(client.get(f"/w/{room.workshop.id}/mine/")))
    client.post(f"/w/{room.workshop.id}/mine/calendar/", {"action": "create"})
    second = shown_url(panel_of(client.get(f"/w/{room.workshop.id}/mine/")))

    assert first != second
    assert fetch(first).status_code == 404
    assert fetch(second).status_code == 200


def test_turning_it_off_revokes_the_feed(room):
    client = browser_of(room.member)
    client.post(f"/w/{room.workshop.id}/mine/calendar/", {"action": "create"})
    url = shown_url(panel_of(client.get(f"/w/{room.workshop.id}/mine/")))

    off = client.post(f"/w/{room.workshop.id}/mine/calendar/", {"action": "revoke"})

    assert off.status_code == 303
    page = client.get(off["Location"])
    assert b"Your calendar feed is turned off" in page.content
    panel = panel_of(page)
    assert b"Turn off" not in panel
    assert b"Add to my calendar" in panel
    assert fetch(url).status_code == 404
    assert not CalendarFeed.objects.exists()


def test_observers_see_it_only_to_turn_off_a_feed_they_have(room):
    client = browser_of(room.observer)
    assert not PANEL.search(client.get(f"/w/{room.workshop.id}/mine/").content)
    client.post(f"/api/w/{room.workshop.id}/me/calendar")
    assert b"Turn off" in panel_of(client.get(f"/w/{room.workshop.id}/mine/"))


def test_the_panel_has_no_inline_script_or_style(room):
    client = browser_of(room.member)
    client.post(f"/w/{room.workshop.id}/mine/calendar/", {"action": "create"})
    panel = panel_of(client.get(f"/w/{room.workshop.id}/mine/"))
    assert b"<script" not in panel
    assert b"style=" not in panel
    assert b"<style" not in panel
    assert not re.search(rb"<[^>]*\son[a-z]+=", panel), "no inline handlers"


def test_outsiders_get_404_and_only_posts_are_taken(room, other_workshop, join):
    stranger = browser_of(join(target=other_workshop))
    for client in (Client(), stranger):
        assert client.post(f"/w/{room.workshop.id}/mine/calendar/", {"action": "create"}).status_code == 404
    assert not CalendarFeed.objects.exists()
    assert browser_of(room.member).get(f"/w/{room.workshop.id}/mine/calendar/").status_code == 405
