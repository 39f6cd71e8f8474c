"""Estimates and the capacity (protocol §10): what an agreement is checked against."""

from __future__ import annotations

import pytest

from goals.models import Phase, Workshop
from planning.models import Item
from planning.snapshot import build_snapshot
from tests.planning.helpers import add_item, refuse, send, set_phase


def accept(room, item_id, owner, hours=None):
    send(room.workshop, room.facilitator, "item.status", item=item_id, status="accepted")
    send(room.workshop, owner, "item.claim", item=item_id)
    if hours is not None:
        send(room.workshop, owner, "item.estimate", item=item_id, hours=hours)


@pytest.mark.parametrize("hours", [2, 4, 8, 16, 32, None])
def test_an_estimate_is_one_of_the_cards_or_none(room, hours):
    item_id = add_item(room.workshop, room.member)
    send(room.workshop, room.member, "item.estimate", item=item_id, hours=2 if hours == 32 else 32)
    outcome = send(room.workshop, room.target, "item.estimate", item=item_id, hours=hours)
    assert [(event.name, event.data) for event in outcome.events] == [
        ("item.estimated", {"item": item_id, "estimate": hours})
    ]
    assert Item.objects.get(pk=item_id).estimate == hours


@pytest.mark.parametrize(
    ("hours", "code"),
    [
        (0, "invalid"),
        (1, "invalid"),
        (3, "invalid"),
        (64, "invalid"),
        (-8, "invalid"),
        (8.5, "bad_request"),
        ("8", "bad_request"),
    ],
)
def test_any_other_number_of_hours_is_refused(room, hours, code):
    item_id = add_item(room.workshop, room.member)
    assert refuse(room.workshop, room.member, "item.estimate", code, item=item_id, hours=hours).detail == {
        "field": "hours"
    }


def test_the_same_estimate_again_sends_nothing_and_keeps_the_version(room):
    item_id = add_item(room.workshop, room.member)
    send(room.workshop, room.member, "item.estimate", item=item_id, hours=4)
    assert send(room.workshop, room.member, "item.estimate", item=item_id, hours=4).events == []
    assert Item.objects.get(pk=item_id).version == 1


def test_estimating_is_refused_while_voting_and_once_agreed(room):
    item_id = add_item(room.workshop, room.member)
    for phase in (Phase.VOTE, Phase.AGREED):
        set_phase(room.workshop, phase)
        refuse(room.workshop, room.member, "item.estimate", "phase", item=item_id, hours=2)


def test_the_load_is_what_the_accepted_items_need(room):
    set_phase(room.workshop, Phase.PLAN)
    a, b, c = (add_item(room.workshop, room.member, title=title) for title in "abc")
    accept(room, a, room.member, 8)
    accept(room, b, room.target, 16)
    send(room.workshop, room.member, "item.estimate", item=c, hours=32)  # proposed: not in the load
    assert build_snapshot(room.workshop.id, room.observer.id)["workshop"]["load"] == 24


def test_planning_set_changes_only_what_it_names_and_says_the_load(room):
    set_phase(room.workshop, Phase.PLAN)
    a = add_item(room.workshop, room.member)
    accept(room, a, room.member, 16)
    outcome = send(room.workshop, room.facilitator, "planning.set", capacity_hours=40)
    assert [(event.name, event.data) for event in outcome.events] == [
        (
            "planning.changed",
            {"planning": {"estimates": False, "capacity_hours": 40, "private_gather": False}, "load": 16},
        )
    ]
    send(room.workshop, room.leader, "planning.set", estimates=True)
    assert Workshop.objects.get(pk=room.workshop.pk).planning == {
        "estimates": True,
        "capacity_hours": 40,
        "private_gather": False,
    }
    assert send(room.workshop, room.facilitator, "planning.set", estimates=True).events == []


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"capacity_hours": 0}, "invalid", "capacity_hours"),
        ({"capacity_hours": 100_001}, "invalid", "capacity_hours"),
        ({"capacity_hours": "40"}, "bad_request", "capacity_hours"),
        ({"estimates": "yes"}, "bad_request", "estimates"),
        ({"private_gather": 1}, "bad_request", "private_gather"),
        ({}, "bad_request", "estimates"),
    ],
)
def test_bad_planning_settings_are_refused_naming_the_field(room, fields, code, field):
    error = refuse(room.workshop, room.facilitator, "planning.set", code, **fields)
    assert error.detail["field"] == field


def test_planning_settings_stay_as_agreed_until_the_plan_is_reopened(room):
    set_phase(room.workshop, Phase.AGREED)
    refuse(room.workshop, room.facilitator, "planning.set", "phase", capacity_hours=10)


def test_an_agreement_over_capacity_is_refused_with_the_load_and_the_capacity(room):
    set_phase(room.workshop, Phase.PLAN)
    a, b = (add_item(room.workshop, room.member, title=title) for title in "ab")
    accept(room, a, room.member, 16)
    accept(room, b, room.target, 8)
    send(room.workshop, room.facilitator, "planning.set", capacity_hours=20)
    error = refuse(room.workshop, room.facilitator, "phase.set", "over_capacity", phase="agreed")
    assert error.detail == {"load": 24, "capacity": 20}
    assert "need 24 hours and the capacity is 20" in error.message
    send(room.workshop, room.facilitator, "planning.set", capacity_hours=24)  # exactly full fits
    assert send(room.workshop, room.facilitator, "phase.set", phase="agreed").events[0].name == "phase.changed"


def test_refusals_come_unowned_then_unestimated_then_over_capacity(room):
    set_phase(room.workshop, Phase.PLAN)
    a, b, c = (add_item(room.workshop, room.member, title=title) for title in "abc")
    accept(room, a, room.member, 32)
    accept(room, b, room.target)  # owned, no estimate
    send(room.workshop, room.facilitator, "item.status", item=c, status="accepted")  # no owner, no estimate
    send(room.workshop, room.facilitator, "planning.set", capacity_hours=10)
    assert refuse(room.workshop, room.facilitator, "phase.set", "unowned_items", phase="agreed").detail == {
        "items": [c]
    }
    send(room.workshop, room.target, "item.claim", item=c)
    assert refuse(room.workshop, room.facilitator, "phase.set", "unestimated_items", phase="agreed").detail == {
        "items": [b, c]
    }
    send(room.workshop, room.target, "item.estimate", item=b, hours=2)
    send(room.workshop, room.target, "item.estimate", item=c, hours=2)
    refuse(room.workshop, room.facilitator, "phase.set", "over_capacity", phase="agreed")


def test_without_a_capacity_unestimated_items_may_be_agreed(room):
    set_phase(room.workshop, Phase.PLAN)
    a = add_item(room.workshop, room.member)
    accept(room, a, room.member)
    send(room.workshop, room.facilitator, "planning.set", estimates=True)
    assert send(room.workshop, room.facilitator, "phase.set", phase="agreed").events[0].name == "phase.changed"


def test_an_agenda_step_into_agreed_is_refused_as_phase_set_is(room):
    set_phase(room.workshop, Phase.PLAN)
    a = add_item(room.workshop, room.member)
    accept(room, a, room.member, 32)
    send(room.workshop, room.facilitator, "planning.set", capacity_hours=8)
    send(room.workshop, room.facilitator, "agenda.set", agenda=[{"title": "Agree", "phase": "agreed", "minutes": 5}])
    refuse(room.workshop, room.facilitator, "agenda.step", "over_capacity", index=0)
