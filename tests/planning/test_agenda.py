"""The agenda in the room (protocol §8): `agenda.set` and `agenda.step`.

Stepping sets the step's phase exactly as `phase.set` would: each case below is played both ways
on the same board (phase.set rolled back first), and the events of the step must begin with
phase.set's very events, or end in its very refusal.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction

from core import clock
from core.errors import DomainError
from goals.models import Phase, Workshop
from planning.models import ConfidenceCheck, PlanVersion
from planning.snapshot import build_snapshot
from room.protocol import dispatch
from tests.planning.helpers import add_item, board_state, new_ref, refuse, send, set_phase

NOON = datetime(2026, 3, 2, 12, 0, 0, 123456, tzinfo=UTC)

IDEAS = {"title": "Ideas", "phase": "gather", "minutes": 10, "instructions": "One idea per card."}
DOTS = {"title": "Dots", "phase": "vote", "minutes": 5, "instructions": ""}
PLAN = {"title": "Who does what", "phase": "plan", "minutes": None, "instructions": "Claim what you will do."}
AGREE = {"title": "Agree", "phase": "agreed", "minutes": 3, "instructions": ""}
AGENDA = [IDEAS, DOTS, PLAN, AGREE]


@pytest.fixture
def noon(monkeypatch):
    monkeypatch.setattr(clock, "now", lambda: NOON)
    return NOON


def named(outcome):
    return [(event.name, event.data) for event in outcome.events]


def workshop_of(room):
    return Workshop.objects.get(pk=room.workshop.pk)


def with_agenda(room, agenda=AGENDA, step=None):
    """Arrange an agenda directly, without its event."""
    Workshop.objects.filter(pk=room.workshop.pk).update(agenda=agenda, agenda_step=step)


def ends(minutes):
    return {"ends_at": (NOON + timedelta(minutes=minutes)).isoformat()}


# agenda.set


def test_setting_the_agenda_stores_its_steps_and_says_so_with_no_step(room):
    sent = [{"title": "  Ideas ", "phase": "gather", "minutes": 10}, {**DOTS, "minutes": 5.0}]
    outcome = send(room.workshop, room.facilitator, "agenda.set", agenda=sent)
    cleaned = [{**IDEAS, "instructions": ""}, DOTS]  # trimmed, instructions default to "", 5.0 is 5
    assert named(outcome) == [("agenda.changed", {"agenda": cleaned, "step": None})]
    workshop = build_snapshot(room.workshop.id, room.member.id)["workshop"]
    assert (workshop["agenda"], workshop["step"]) == (cleaned, None)


def test_a_new_agenda_clears_the_step_and_leaves_the_timer_running(room, noon):
    send(room.workshop, room.facilitator, "agenda.set", agenda=AGENDA)
    send(room.workshop, room.facilitator, "agenda.step", index=0)
    outcome = send(room.workshop, room.leader, "agenda.set", agenda=AGENDA)  # the same steps: the step goes
    assert named(outcome) == [("agenda.changed", {"agenda": AGENDA, "step": None})]
    workshop = build_snapshot(room.workshop.id, room.member.id)["workshop"]
    assert (workshop["step"], workshop["timer"]) == (None, ends(10))


def test_the_same_agenda_again_with_no_step_sends_nothing(room):
    send(room.workshop, room.facilitator, "agenda.set", agenda=AGENDA)
    assert send(room.workshop, room.facilitator, "agenda.set", agenda=AGENDA).events == []
    assert named(send(room.workshop, room.facilitator, "agenda.set", agenda=[])) == [
        ("agenda.changed", {"agenda": [], "step": None})
    ]


@pytest.mark.parametrize(
    ("agenda", "code", "field"),
    [
        ([IDEAS, {**DOTS, "minutes": 181}], "invalid", "agenda[1].minutes"),
        ([IDEAS, {**DOTS, "minutes": 0}], "invalid", "agenda[1].minutes"),
        ([{**IDEAS, "title": "   "}], "invalid", "agenda[0].title"),
        ([{**IDEAS, "title": "x" * 81}], "invalid", "agenda[0].title"),
        ([IDEAS, IDEAS, {**PLAN, "phase": "done"}], "invalid", "agenda[2].phase"),
        ([{**IDEAS, "instructions": "x" * 2001}], "invalid", "agenda[0].instructions"),
        ([{**IDEAS, "colour": "red"}], "invalid", "agenda[0].colour"),
        ([IDEAS, "Vote"], "bad_request", "agenda[1]"),
        ([{**IDEAS, "minutes": "10"}], "bad_request", "agenda[0].minutes"),
        ([IDEAS] * 31, "invalid", "agenda"),
        ({"steps": [IDEAS]}, "bad_request", "agenda"),
    ],
)
def test_a_bad_agenda_is_refused_naming_the_field_and_changes_nothing(room, agenda, code, field):
    with_agenda(room, [PLAN], step=0)
    error = refuse(room.workshop, room.facilitator, "agenda.set", code, agenda=agenda)
    assert error.detail["field"] == field
    assert (workshop_of(room).agenda, workshop_of(room).agenda_step) == ([PLAN], 0)


# agenda.step: the timer and the step


def test_a_step_in_the_current_phase_sets_the_timer_and_sends_no_phase_change(room, noon):
    with_agenda(room)
    outcome = send(room.workshop, room.facilitator, "agenda.step", index=0)
    assert named(outcome) == [
        ("timer.changed", {"timer": ends(10)}),
        ("agenda.stepped", {"step": 0, "timer": ends(10)}),
    ]
    workshop = build_snapshot(room.workshop.id, room.observer.id)["workshop"]
    assert (workshop["phase"], workshop["step"], workshop["timer"]) == ("gather", 0, ends(10))


def test_stepping_to_the_current_step_again_restarts_its_time_box(room, monkeypatch):
    with_agenda(room)
    monkeypatch.setattr(clock, "now", lambda: NOON)
    send(room.workshop, room.facilitator, "agenda.step", index=0)
    monkeypatch.setattr(clock, "now", lambda: NOON + timedelta(minutes=4))
    outcome = send(room.workshop, room.facilitator, "agenda.step", index=0)
    assert named(outcome)[-1] == ("agenda.stepped", {"step": 0, "timer": ends(14)})


def test_a_step_without_minutes_stops_a_running_timer(room, noon):
    with_agenda(room)
    set_phase(room.workshop, Phase.PLAN)
    send(room.workshop, room.facilitator, "timer.start", seconds=600)
    outcome = send(room.workshop, room.facilitator, "agenda.step", index=2)
    assert named(outcome) == [("timer.changed", {"timer": None}), ("agenda.stepped", {"step": 2, "timer": None})]
    # No timer to stop: the step alone.
    assert named(send(room.workshop, room.facilitator, "agenda.step", index=2)) == [
        ("agenda.stepped", {"step": 2, "timer": None})
    ]


def test_a_step_longer_than_the_timer_op_allows_gets_its_whole_time_box(room, noon):
    with_agenda(room, [{**IDEAS, "minutes": 180}])
    outcome = send(room.workshop, room.facilitator, "agenda.step", index=0)
    assert named(outcome)[-1] == ("agenda.stepped", {"step": 0, "timer": ends(180)})


def test_leaving_the_agenda_stops_the_timer_and_clears_the_step(room, noon):
    with_agenda(room)
    send(room.workshop, room.facilitator, "agenda.step", index=1)
    outcome = send(room.workshop, room.leader, "agenda.step", index=None)
    assert named(outcome) == [("timer.changed", {"timer": None}), ("agenda.stepped", {"step": None, "timer": None})]
    workshop = build_snapshot(room.workshop.id, room.member.id)["workshop"]
    assert (workshop["phase"], workshop["step"], workshop["timer"]) == ("vote", None, None)
    assert send(room.workshop, room.leader, "agenda.step", index=None).events == [], "off the agenda already"


@pytest.mark.parametrize(("agenda", "index"), [(AGENDA, 4), (AGENDA, 99), (AGENDA, -1), ([], 0)])
def test_a_step_past_the_end_is_invalid_and_changes_nothing(room, agenda, index):
    with_agenda(room, agenda)
    error = refuse(room.workshop, room.facilitator, "agenda.step", "invalid", index=index)
    assert error.detail["field"] == "index"
    assert workshop_of(room).agenda_step is None


@pytest.mark.parametrize("index", ["1", True, 1.5, [1]])
def test_an_index_that_is_not_an_integer_is_a_bad_request(room, index):
    with_agenda(room)
    assert refuse(room.workshop, room.facilitator, "agenda.step", "bad_request", index=index).detail["field"] == "index"


# agenda.step: the phase, exactly as phase.set


def arrange_voted(room):
    a = add_item(room.workshop, room.member, title="a")
    set_phase(room.workshop, Phase.VOTE)
    send(room.workshop, room.member, "vote.cast", item=a)
    send(room.workshop, room.target, "vote.cast", item=a)


def arrange_walk(room):
    send(room.workshop, room.facilitator, "walk.focus", item=add_item(room.workshop, room.member))


def arrange_agreeable(room, *, owned=True, reopen=False):
    item = add_item(room.workshop, room.member, title="Owned" if owned else "Nobody's")
    set_phase(room.workshop, Phase.PLAN)
    send(room.workshop, room.facilitator, "item.status", item=item, status="accepted")
    if owned:
        send(room.workshop, room.member, "item.claim", item=item)
    send(room.workshop, room.member, "member.ready", ready=True)
    if reopen:
        send(room.workshop, room.facilitator, "confidence.open")
        send(room.workshop, room.facilitator, "phase.set", phase="agreed")


SCENARIOS = {
    "gather to vote, a walk on": (arrange_walk, DOTS),
    "vote to plan: revealed": (arrange_voted, PLAN),
    "plan to agreed": (arrange_agreeable, AGREE),
    "agreed to plan: the check cleared": (lambda room: arrange_agreeable(room, reopen=True), PLAN),
}


def played(room, op, **fields):
    """The op's events (name, data), or its refusal (code, detail), rolled back."""
    try:
        with transaction.atomic():
            outcome = send(room.workshop, room.facilitator, op, **fields)
            transaction.set_rollback(True)
    except DomainError as error:
        return ("refused", error.code, error.detail)
    return named(outcome)


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_a_step_sends_phase_sets_very_events_first_then_the_timer_and_the_step(room, noon, scenario):
    arrange, step = SCENARIOS[scenario]
    arrange(room)
    with_agenda(room, [step])
    by_phase_set = played(room, "phase.set", phase=step["phase"])
    assert by_phase_set[0][0] == "phase.changed"
    timer = None if step["minutes"] is None else ends(step["minutes"])
    before_timer = workshop_of(room).timer_ends_at

    outcome = send(room.workshop, room.facilitator, "agenda.step", index=0)
    timer_events = [("timer.changed", {"timer": timer})] if timer or before_timer else []
    assert named(outcome) == [*by_phase_set, *timer_events, ("agenda.stepped", {"step": 0, "timer": timer})]
    assert workshop_of(room).phase == step["phase"]


def test_stepping_into_agreed_freezes_a_plan_version_as_phase_set_does(room, noon):
    arrange_agreeable(room)
    with_agenda(room, [AGREE])
    send(room.workshop, room.facilitator, "agenda.step", index=0)
    version = PlanVersion.objects.get(workshop=room.workshop)
    assert (version.number, version.agreed_by_id, version.agreed_at) == (1, room.facilitator.id, NOON)


def test_reopening_by_a_step_clears_the_confidence_check_as_phase_set_does(room):
    arrange_agreeable(room, reopen=True)
    with_agenda(room, [PLAN])
    send(room.workshop, room.facilitator, "agenda.step", index=0)
    assert not ConfidenceCheck.objects.filter(workshop=room.workshop).exists()


REFUSALS = {
    "agreeing with an unowned item": (lambda room: arrange_agreeable(room, owned=False), AGREE, "unowned_items"),
    "agreeing with nothing accepted": (lambda room: set_phase(room.workshop, Phase.PLAN), AGREE, "unowned_items"),
    "from agreed to gather": (lambda room: arrange_agreeable(room, reopen=True), IDEAS, "phase"),
    "from agreed to vote": (lambda room: arrange_agreeable(room, reopen=True), DOTS, "phase"),
}


@pytest.mark.parametrize("scenario", sorted(REFUSALS))
def test_a_step_is_refused_exactly_as_phase_set_is_and_changes_nothing(room, scenario):
    arrange, step, code = REFUSALS[scenario]
    arrange(room)
    with_agenda(room, [IDEAS, step], step=0)
    by_phase_set = played(room, "phase.set", phase=step["phase"])
    assert by_phase_set[:2] == ("refused", code)
    before = workshop_of(room)

    error = refuse(room.workshop, room.facilitator, "agenda.step", code, index=1)
    assert ("refused", error.code, error.detail) == by_phase_set
    after = workshop_of(room)
    assert (after.phase, after.agenda_step, after.timer_ends_at) == (before.phase, 0, before.timer_ends_at)


def test_a_step_is_acked_once_when_its_ref_is_sent_again(room):
    with_agenda(room)
    frame = {"op": "agenda.step", "ref": new_ref(), "index": 1}
    _, first = dispatch(workshop_id=room.workshop.id, actor_id=room.facilitator.id, frame=frame)
    seq = board_state(room.workshop)
    _, again = dispatch(workshop_id=room.workshop.id, actor_id=room.facilitator.id, frame=frame)
    assert (again.seq, again.duplicate, board_state(room.workshop)) == (first.seq, True, seq)


# The snapshot


def test_the_snapshot_carries_the_planning_settings_with_the_defaults_filled_in(room):
    workshop = build_snapshot(room.workshop.id, room.member.id)["workshop"]
    assert workshop["planning"] == {"estimates": False, "capacity_hours": None, "private_gather": False}
    Workshop.objects.filter(pk=room.workshop.pk).update(planning={"capacity_hours": 120})
    workshop = build_snapshot(room.workshop.id, room.member.id)["workshop"]
    assert workshop["planning"] == {"estimates": False, "capacity_hours": 120, "private_gather": False}
    assert (workshop["agenda"], workshop["step"]) == ([], None)
