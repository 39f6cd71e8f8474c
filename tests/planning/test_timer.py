"""The shared countdown (protocol §2 "Timer"): 10 s – 2 h, the same end time for everyone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from core import clock
from goals.models import Workshop
from planning.snapshot import build_snapshot
from tests.planning.helpers import refuse, send

NOON = datetime(2026, 3, 2, 12, 0, 0, 123456, tzinfo=UTC)


@pytest.mark.parametrize("seconds", [10, 300, 7200])
def test_starting_sets_the_end_time_to_now_plus_seconds(room, monkeypatch, seconds):
    monkeypatch.setattr(clock, "now", lambda: NOON)
    outcome = send(room.workshop, room.facilitator, "timer.start", seconds=seconds)

    [event] = outcome.events
    assert event.name == "timer.changed"
    ends_at = NOON + timedelta(seconds=seconds)
    assert event.data == {"timer": {"ends_at": ends_at.isoformat()}}
    assert Workshop.objects.get(pk=room.workshop.pk).timer_ends_at == ends_at
    assert build_snapshot(room.workshop.id, room.member.id)["workshop"]["timer"] == event.data["timer"]


def test_the_end_time_is_about_now_plus_seconds_on_the_real_clock(room):
    before = timezone.now()
    outcome = send(room.workshop, room.facilitator, "timer.start", seconds=90)
    after = timezone.now()
    ends_at = datetime.fromisoformat(outcome.events[0].data["timer"]["ends_at"])
    assert before + timedelta(seconds=90) <= ends_at <= after + timedelta(seconds=90)


def test_restarting_moves_the_end_time(room):
    first = send(room.workshop, room.facilitator, "timer.start", seconds=7200).events[0].data["timer"]["ends_at"]
    second = send(room.workshop, room.leader, "timer.start", seconds=60).events[0].data["timer"]["ends_at"]
    assert datetime.fromisoformat(second) < datetime.fromisoformat(first)


def test_stopping_clears_the_timer(room):
    send(room.workshop, room.facilitator, "timer.start", seconds=60)
    outcome = send(room.workshop, room.facilitator, "timer.stop")
    assert [(event.name, event.data) for event in outcome.events] == [("timer.changed", {"timer": None})]
    assert Workshop.objects.get(pk=room.workshop.pk).timer_ends_at is None
    assert build_snapshot(room.workshop.id, room.member.id)["workshop"]["timer"] is None
    assert send(room.workshop, room.facilitator, "timer.stop").events == []


@pytest.mark.parametrize("seconds", [9, 0, -60, 7201, 10**9])
def test_a_countdown_outside_10_s_to_2_h_is_invalid(room, seconds):
    error = refuse(room.workshop, room.facilitator, "timer.start", "invalid", seconds=seconds)
    assert error.detail["field"] == "seconds"
