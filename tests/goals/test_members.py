"""member.rename (goals.members.member_rename): anyone renames themselves, and only themselves."""

from __future__ import annotations

import pytest

from core import limits
from goals.models import Member, Phase
from live.models import Event
from planning.snapshot import build_snapshot
from tests.planning.helpers import board_state, refuse, send, set_phase


def test_a_member_renames_themselves_and_everyone_is_told(workshop, leader, member):
    seq, _ = board_state(workshop)
    outcome = send(workshop, member, "member.rename", name="  Mia Okafor ")
    (event,) = outcome.events
    assert (event.name, event.seq, event.actor_id) == ("member.changed", seq + 1, member.id)
    assert event.data == {"member": {"id": member.id, "name": "Mia Okafor", "role": "member", "ready": False}}
    assert Member.objects.get(pk=member.pk).name == "Mia Okafor"
    seen = {entry["id"]: entry["name"] for entry in build_snapshot(workshop.id, leader.id)["members"]}
    assert seen[member.id] == "Mia Okafor"


def test_an_observer_may_rename_themselves(workshop, observer):
    outcome = send(workshop, observer, "member.rename", name="Olu, watching")
    assert [event.name for event in outcome.events] == ["member.changed"]
    assert Member.objects.get(pk=observer.pk).name == "Olu, watching"


@pytest.mark.parametrize("phase", list(Phase))
def test_renaming_works_in_every_phase(workshop, member, phase):
    set_phase(workshop, phase)
    send(workshop, member, "member.rename", name=f"Named in {phase}")
    assert Member.objects.get(pk=member.pk).name == f"Named in {phase}"


def test_the_same_name_changes_nothing(workshop, member):
    before = board_state(workshop)
    outcome = send(workshop, member, "member.rename", name=f" {member.name} ")
    assert outcome.events == []
    assert board_state(workshop)[1] == before[1]


def test_nobody_renames_anyone_else(workshop, leader, member):
    """The op has no member field: there is no way to name someone else."""
    error = refuse(workshop, leader, "member.rename", "bad_request", name="Renamed by the boss", member=member.id)
    assert error.detail["field"] == "member"
    assert Member.objects.get(pk=member.pk).name == member.name


@pytest.mark.parametrize("name", ["", "   ", "x" * (limits.NAME_MAX + 1), "nul\x00here"])
def test_a_name_out_of_range_is_invalid_and_changes_nothing(workshop, member, name):
    error = refuse(workshop, member, "member.rename", "invalid", name=name)
    assert error.detail["field"] == "name"
    assert Member.objects.get(pk=member.pk).name == member.name


def test_forty_characters_are_allowed(workshop, member):
    send(workshop, member, "member.rename", name="x" * limits.NAME_MAX)
    assert Member.objects.get(pk=member.pk).name == "x" * limits.NAME_MAX


def test_a_removed_member_cannot_rename(workshop, leader, member):
    send(workshop, leader, "member.remove", member=member.id)
    refuse(workshop, member, "member.rename", "forbidden", name="Back again")
    assert Member.objects.get(pk=member.pk).name == member.name


def test_a_users_rename_is_for_this_workshop_only(workshop, leader, leader_user):
    """A logged-in user's membership has its own name: the account's display name stays."""
    send(workshop, leader, "member.rename", name="Lee, hosting")
    leader_user.refresh_from_db()
    assert leader_user.first_name != "Lee, hosting"
    assert Event.objects.filter(workshop_id=workshop.id, name="member.changed").count() == 1
