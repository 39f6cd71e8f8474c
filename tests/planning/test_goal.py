"""The goal: creating a workshop and editing its goal (protocol §1 leader, §4 `goal.edit`)."""

from __future__ import annotations

import pytest

from core.errors import DomainError
from goals.models import Workshop
from planning.models import Item
from planning.snapshot import build_snapshot
from room.workshops import workshop_create
from tests.planning.helpers import add_item, refuse, send


def test_the_leader_edits_the_goal(room):
    outcome = send(
        room.workshop,
        room.leader,
        "goal.edit",
        title="Ship onboarding v2 by April",
        why="Churn.",
        success_criteria=["  Activation above 70%  ", "", "NPS up"],
    )
    [event] = outcome.events
    assert event.name == "goal.edited"
    snapshot = build_snapshot(room.workshop.id, room.member.id)
    assert event.data == {"workshop": snapshot["workshop"]}
    assert snapshot["workshop"]["title"] == "Ship onboarding v2 by April"
    assert snapshot["workshop"]["why"] == "Churn."
    assert snapshot["workshop"]["success_criteria"] == ["Activation above 70%", "NPS up"]


def test_an_edit_of_one_field_keeps_the_others(room):
    send(room.workshop, room.leader, "goal.edit", why="")
    workshop = Workshop.objects.get(pk=room.workshop.pk)
    assert (workshop.title, workshop.why) == ("Ship the new onboarding by March", "")
    assert workshop.success_criteria == ["Activation above 60%", "Support tickets halved"]


def test_an_edit_that_changes_nothing_sends_nothing(room):
    assert send(room.workshop, room.leader, "goal.edit").events == []
    assert send(room.workshop, room.leader, "goal.edit", title="Ship the new onboarding by March").events == []


def test_only_the_leader_edits_the_goal(room):
    refuse(room.workshop, room.facilitator, "goal.edit", "forbidden", title="Mine now")
    refuse(room.workshop, room.member, "goal.edit", "forbidden", why="Because")


def test_shrinking_the_criteria_clears_items_beyond_the_list(room):
    first = add_item(room.workshop, room.member, criterion=0)
    second = add_item(room.workshop, room.member, criterion=1)
    none = add_item(room.workshop, room.member)
    send(room.workshop, room.leader, "goal.edit", success_criteria=["Activation above 60%"])
    criteria = dict(Item.objects.filter(workshop=room.workshop).values_list("id", "criterion"))
    assert criteria == {first: 0, second: None, none: None}
    send(room.workshop, room.leader, "goal.edit", success_criteria=[])
    assert Item.objects.get(pk=first).criterion is None


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": " \t "}, "title"),
        ({"title": "t" * 201}, "title"),
        ({"why": "w" * 2001}, "why"),
        ({"success_criteria": [f"Criterion {n}" for n in range(21)]}, "success_criteria"),
        ({"success_criteria": ["c" * 201]}, "success_criteria"),
    ],
)
def test_a_goal_value_out_of_range_is_invalid(room, fields, field):
    assert refuse(room.workshop, room.leader, "goal.edit", "invalid", **fields).detail["field"] == field


def test_twenty_criteria_of_200_characters_are_fine(room):
    criteria = [f"{n:02d}" + "c" * 198 for n in range(20)]
    send(room.workshop, room.leader, "goal.edit", success_criteria=criteria)
    assert Workshop.objects.get(pk=room.workshop.pk).success_criteria == criteria


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"votes_per_member": 0}, "invalid", "votes_per_member"),
        ({"votes_per_member": 21}, "invalid", "votes_per_member"),
        ({"votes_per_member": True}, "bad_request", "votes_per_member"),
        ({"title": ""}, "invalid", "title"),
        ({"title": "t" * 201}, "invalid", "title"),
        ({"why": "w" * 2001}, "invalid", "why"),
        ({"success_criteria": ["c"] * 21}, "invalid", "success_criteria"),
    ],
)
def test_creating_a_workshop_checks_its_values(leader_user, fields, code, field):
    with pytest.raises(DomainError) as caught:
        workshop_create(user=leader_user, **{"title": "A goal"} | fields)
    assert (caught.value.code, caught.value.detail["field"]) == (code, field)
    assert not Workshop.objects.exists()


@pytest.mark.parametrize("votes", [1, 20])
def test_votes_per_member_is_1_to_20(leader_user, votes):
    workshop = workshop_create(user=leader_user, title="A goal", votes_per_member=votes)
    assert workshop.votes_per_member == votes
