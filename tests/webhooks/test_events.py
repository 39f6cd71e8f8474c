"""The names an endpoint may subscribe to are every name the ops emit (and §10's, named by the
contract), so no event is out of a subscription's reach."""

from __future__ import annotations

import re
from pathlib import Path

from webhooks.events import EVENT_NAMES, SUBSCRIBABLE

ROOT = Path(__file__).resolve().parents[2]
EMITTED = re.compile(r"emit\(\s*\"([a-z_]+\.[a-z_]+)\"")


def emitted_names() -> set[str]:
    names: set[str] = set()
    for package in ("goals", "planning", "room", "frameworks", "clients", "live"):
        for source in (ROOT / package).rglob("*.py"):
            names |= set(EMITTED.findall(source.read_text(encoding="utf-8")))
    return names


def test_every_emitted_event_can_be_subscribed_to():
    emitted = emitted_names()
    assert len(emitted) > 20
    assert emitted <= set(EVENT_NAMES)


def test_names_are_unique_and_ping_is_one():
    assert len(EVENT_NAMES) == len(set(EVENT_NAMES))
    assert {*EVENT_NAMES, "ping"} == SUBSCRIBABLE
