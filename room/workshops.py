"""Creating a workshop and editing its goal: changes of goals that the board follows."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from core import limits
from core.errors import Invalid
from core.validation import UNSET, criteria_list, integer, text
from goals.accounts import display_name
from goals.invites import invite_new
from goals.models import Member, Role, Workshop
from goals.payloads import workshop_json
from live.changes import Change, operation, start
from planning.agenda_steps import agenda_steps, planning_settings
from planning.items import forget_lost_criteria
from planning.lanes import DEFAULT_LANES, add_default_lanes
from planning.phases import require_open_board
from planning.snapshot import board_fields


def workshop_create(
    *,
    user: AbstractBaseUser,
    title: Any,
    why: Any = "",
    success_criteria: Any = (),
    votes_per_member: Any = 5,
    lanes: Sequence[str] = DEFAULT_LANES,
    agenda: Any = (),
    planning: Any = None,
    also: Callable[[Change], None] | None = None,
) -> Workshop:
    """A new workshop led by `user`, with its lanes (Now, Next, Later unless given) and a member
    invite. `agenda` and `planning` come from a template (protocol §8); `also` writes what an app
    above keeps about the new workshop (its client, a template's use count) in the same change."""
    workshop = Workshop(
        created_by=user,
        title=text(title, "title", min_length=1, max_length=limits.TITLE_MAX),
        why=text(why, "why", min_length=0, max_length=limits.WHY_MAX),
        success_criteria=criteria_list(list(success_criteria)),
        votes_per_member=integer(
            votes_per_member,
            "votes_per_member",
            minimum=limits.VOTES_PER_MEMBER_MIN,
            maximum=limits.VOTES_PER_MEMBER_MAX,
        ),
        agenda=agenda_steps(list(agenda)),
        planning=planning_settings(planning) if planning else {},
    )
    if not 1 <= len(lanes) <= limits.MAX_LANES:
        raise Invalid("lanes", f"A workshop has 1 to {limits.MAX_LANES} lanes.")

    def perform(change: Change) -> None:
        leader = Member(workshop_id=workshop.id, user=user, name=display_name(user), role=Role.LEADER)
        change.insert_now(leader)
        add_default_lanes(change, lanes)
        change.insert([invite_new(workshop=workshop, created_by=leader, role=Role.MEMBER)])
        if also is not None:
            also(change)

    start(workshop, perform)
    return workshop


@operation
def goal_edit(change: Change, *, title: Any = UNSET, why: Any = UNSET, success_criteria: Any = UNSET) -> None:
    change.require_role({Role.LEADER}, "Only the leader edits the goal.")
    require_open_board(change)
    workshop = change.workshop
    updates: dict[str, Any] = {}
    if title is not UNSET:
        updates["title"] = text(title, "title", min_length=1, max_length=limits.TITLE_MAX)
    if why is not UNSET:
        updates["why"] = text(why, "why", min_length=0, max_length=limits.WHY_MAX)
    if success_criteria is not UNSET:
        updates["success_criteria"] = criteria_list(success_criteria)
    if not updates or all(getattr(workshop, name) == value for name, value in updates.items()):
        return
    for name, value in updates.items():
        setattr(workshop, name, value)
    change.save_workshop(*updates)
    forget_lost_criteria(change)
    change.emit("goal.edited", {"workshop": workshop_json(workshop, **board_fields(workshop))})
