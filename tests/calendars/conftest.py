"""Fixtures of the calendar feed's tests: a room of people, their browsers, and a feed's URL."""

from __future__ import annotations

from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.test import Client
from icalendar import Calendar

from goals.models import Role
from room.workshops import workshop_create
from tests.planning.helpers import lanes_of
from tests.planning.ws import session_cookie

SITE = "https://rallypoint.example.org"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def room(workshop, leader, join):
    return SimpleNamespace(
        workshop=workshop,
        leader=leader,
        member=join(Role.MEMBER, "Mia"),
        target=join(Role.MEMBER, "Tess"),
        observer=join(Role.OBSERVER, "Otto"),
        lanes=lanes_of(workshop),
    )


@pytest.fixture
def other_workshop(django_user_model):
    user = django_user_model.objects.create_user(username="another-leader", password="a-long-password-2")
    return workshop_create(user=user, title="Another team's goal", why="", success_criteria=[])


def browser_of(member, **options) -> Client:
    client = Client(**options)
    client.cookies[settings.SESSION_COOKIE_NAME] = session_cookie(member)
    return client


def new_feed(client: Client, workshop) -> str:
    """The absolute URL of a fresh feed made by `client`'s member through the API."""
    response = client.post(f"/api/w/{workshop.id}/me/calendar", content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["url"]


def path_of(url: str) -> str:
    assert url.startswith(SITE + "/"), url
    return urlsplit(url).path


def token_of(url: str) -> str:
    path = path_of(url)
    assert path.startswith("/calendar/"), path
    assert path.endswith(".ics"), path
    return path.removeprefix("/calendar/").removesuffix(".ics")


def fetch(url: str, **headers):
    """What a calendar app gets: no cookies, no session."""
    return Client().get(path_of(url), **headers)


def parsed(url: str) -> Calendar:
    response = fetch(url)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return Calendar.from_ical(response.content)


def events_of(calendar: Calendar) -> dict[str, dict]:
    """The calendar's events by SUMMARY, each as {property name: value}."""
    return {str(event["summary"]): event for event in calendar.walk("VEVENT")}
