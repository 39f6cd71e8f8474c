"""The fist-of-five confidence check (protocol §2): answers hidden until it is closed."""

from __future__ import annotations

import pytest

from goals.models import Phase
from live.broadcast import event_frame
from planning.models import ConfidenceAnswer
from planning.snapshot import build_snapshot
from tests.planning.helpers import add_item, refuse, send, set_phase


@pytest.fixture
def planning_room(room):
    set_phase(room.workshop, Phase.PLAN)
    return room


def confidence(outcome):
    [event] = outcome.events
    assert event.name == "confidence.changed"
    return event.data["confidence"]


def test_a_check_opens_with_no_answers(planning_room):
    room = planning_room
    assert build_snapshot(room.workshop.id, room.member.id)["workshop"]["confidence"] == {
        "open": False,
        "answers": 0,
        "result": None,
    }
    outcome = send(room.workshop, room.facilitator, "confidence.open")
    assert confidence(outcome) == {"open": True, "answers": 0, "result": None}
    assert send(room.workshop, room.facilitator, "confidence.open").events == []


def test_answers_are_counted_but_hidden_until_the_check_closes(planning_room):
    room = planning_room
    send(room.workshop, room.facilitator, "confidence.open")
    outcome = send(room.workshop, room.member, "confidence.answer", score=4)
    assert confidence(outcome) == {"open": True, "answers": 1, "result": None}
    [event] = outcome.events
    # The score goes to the one who gave it, nobody else.
    assert event_frame(event, for_member=room.target.id)["data"] == {"confidence": confidence(outcome)}
    assert event_frame(event, for_member=room.member.id)["data"]["score"] == 4

    send(room.workshop, room.target, "confidence.answer", score=1)
    snapshot = build_snapshot(room.workshop.id, room.target.id)
    assert snapshot["workshop"]["confidence"] == {"open": True, "answers": 2, "result": None}
    assert snapshot["me"]["confidence"] == 1
    assert build_snapshot(room.workshop.id, room.member.id)["me"]["confidence"] == 4
    assert build_snapshot(room.workshop.id, room.leader.id)["me"]["confidence"] is None


def test_answering_again_overwrites(planning_room):
    room = planning_room
    send(room.workshop, room.facilitator, "confidence.open")
    send(room.workshop, room.member, "confidence.answer", score=2)
    outcome = send(room.workshop, room.member, "confidence.answer", score=5)
    assert confidence(outcome)["answers"] == 1
    assert list(ConfidenceAnswer.objects.values_list("member_id", "score")) == [(room.member.id, 5)]


def test_closing_shows_the_histogram_and_mean_to_all(planning_room):
    room = planning_room
    send(room.workshop, room.facilitator, "confidence.open")
    for person, score in ((room.member, 4), (room.target, 5), (room.leader, 4), (room.facilitator, 2)):
        send(room.workshop, person, "confidence.answer", score=score)
    outcome = send(room.workshop, room.facilitator, "confidence.close")
    expected = {"open": False, "answers": 4, "result": {"histogram": [0, 0, 1, 0, 2, 1], "mean": 3.75}}
    assert confidence(outcome) == expected
    snapshot = build_snapshot(room.workshop.id, room.observer.id)
    assert snapshot["workshop"]["confidence"] == expected
    assert send(room.workshop, room.facilitator, "confidence.close").events == []
    refuse(room.workshop, room.member, "confidence.answer", "phase", score=3)


def test_a_check_closed_without_answers_has_no_mean(planning_room):
    room = planning_room
    send(room.workshop, room.facilitator, "confidence.open")
    outcome = send(room.workshop, room.facilitator, "confidence.close")
    assert confidence(outcome)["result"] == {"histogram": [0, 0, 0, 0, 0, 0], "mean": None}


def test_the_mean_is_rounded_to_two_decimals(planning_room):
    room = planning_room
    send(room.workshop, room.facilitator, "confidence.open")
    for person, score in ((room.member, 1), (room.target, 1), (room.leader, 0)):
        send(room.workshop, person, "confidence.answer", score=score)
    assert confidence(send(room.workshop, room.facilitator, "confidence.close"))["result"]["mean"] == 0.67


def test_a_new_check_replaces_the_shown_result(planning_room):
    room = planning_room
    send(room.workshop, room.facilitator, "confidence.open")
    send(room.workshop, room.member, "confidence.answer", score=3)
    send(room.workshop, room.facilitator, "confidence.close")
    assert confidence(send(room.workshop, room.facilitator, "confidence.open")) == {
        "open": True,
        "answers": 0,
        "result": None,
    }
    assert build_snapshot(room.workshop.id, room.member.id)["me"]["confidence"] is None


def test_answering_with_no_open_check_is_refused(planning_room):
    refuse(planning_room.workshop, planning_room.member, "confidence.answer", "phase", score=3)


@pytest.mark.parametrize("score", [-1, 6, 100])
def test_a_score_outside_0_to_5_is_invalid(planning_room, score):
    room = planning_room
    send(room.workshop, room.facilitator, "confidence.open")
    assert refuse(room.workshop, room.member, "confidence.answer", "invalid", score=score).detail["field"] == "score"


def test_the_check_is_opened_in_plan_only(room):
    for phase in (Phase.GATHER, Phase.VOTE, Phase.AGREED):
        set_phase(room.workshop, phase)
        refuse(room.workshop, room.facilitator, "confidence.open", "phase")


# A result belongs to the version it was taken for (protocol §2)

CLEARED = {"open": False, "answers": 0, "result": None}


def agree_and_reopen(room):
    """Agree a plan of one accepted, owned item, then reopen it; returns the reopen's outcome."""
    item = add_item(room.workshop, room.member, title="Ship it")
    send(room.workshop, room.facilitator, "item.status", item=item, status="accepted")
    send(room.workshop, room.member, "item.claim", item=item)
    send(room.workshop, room.facilitator, "phase.set", phase="agreed")
    return send(room.workshop, room.facilitator, "phase.set", phase="plan")


@pytest.mark.parametrize("still_open", [False, True])
def test_reopening_clears_the_check_for_everyone(planning_room, still_open):
    room = planning_room
    send(room.workshop, room.facilitator, "confidence.open")
    send(room.workshop, room.member, "confidence.answer", score=4)
    if not still_open:
        send(room.workshop, room.facilitator, "confidence.close")

    outcome = agree_and_reopen(room)

    assert [event.name for event in outcome.events] == ["phase.changed", "confidence.changed"]
    assert outcome.events[1].data == {"confidence": CLEARED}
    for viewer in (room.member, room.facilitator, room.observer):
        snapshot = build_snapshot(room.workshop.id, viewer.id)
        assert snapshot["workshop"]["confidence"] == CLEARED
        assert snapshot["me"]["confidence"] is None
    # A new check starts from nothing: no answers carried over from the version agreed.
    assert confidence(send(room.workshop, room.facilitator, "confidence.open")) == {
        "open": True,
        "answers": 0,
        "result": None,
    }


def test_reopening_a_plan_agreed_without_a_check_sends_no_confidence_event(planning_room):
    outcome = agree_and_reopen(planning_room)
    assert [event.name for event in outcome.events] == ["phase.changed"]
    assert build_snapshot(planning_room.workshop.id, planning_room.member.id)["workshop"]["confidence"] == CLEARED


def test_the_result_stays_on_the_board_while_the_plan_is_agreed(planning_room):
    room = planning_room
    send(room.workshop, room.facilitator, "confidence.open")
    send(room.workshop, room.member, "confidence.answer", score=4)
    send(room.workshop, room.facilitator, "confidence.close")
    item = add_item(room.workshop, room.member, title="Ship it")
    send(room.workshop, room.facilitator, "item.status", item=item, status="accepted")
    send(room.workshop, room.member, "item.claim", item=item)
    outcome = send(room.workshop, room.facilitator, "phase.set", phase="agreed")
    assert "confidence.changed" not in [event.name for event in outcome.events]
    shown = build_snapshot(room.workshop.id, room.member.id)["workshop"]["confidence"]
    assert shown["result"] == {"histogram": [0, 0, 0, 0, 1, 0], "mean": 4.0}
