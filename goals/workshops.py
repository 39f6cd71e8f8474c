"""Creating a workshop and editing its goal."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from goals.accounts import display_name
from goals.invites import invite_create
from goals.models import Member, Role, Workshop
from planning import limits
from planning.board import checkins_of
from planning.changes import Change, operation
from planning.lanes import DEFAULT_LANES
from planning.models import Item, Lane
from planning.payloads import workshop_json
from planning.snapshot import confidence_state
from planning.validation import UNSET, criteria_list, integer, text


def workshop_create(
    *,
    user: AbstractBaseUser,
    title: Any,
    why: Any = "",
    success_criteria: Any = (),
    votes_per_member: Any = 5,
) -> Workshop:
    """A new workshop led by `user`, with lanes Now, Next, Later and a member invite."""
    fields = {
        "title": text(title, "title", min_length=1, max_length=limits.TITLE_MAX),
        "why": text(why, "why", min_length=0, max_length=limits.WHY_MAX),
        "success_criteria": criteria_list(list(success_criteria)),
        "votes_per_member": integer(
            votes_per_member,
            "votes_per_member",
            minimum=limits.VOTES_PER_MEMBER_MIN,
            maximum=limits.VOTES_PER_MEMBER_MAX,
        ),
    }
    with transaction.atomic():
        workshop = Workshop.objects.create(created_by=user, **fields)
        leader = Member.objects.create(workshop=workshop, user=user, name=display_name(user), role=Role.LEADER)
        Lane.objects.bulk_create(
            Lane(workshop=workshop, title=title, position=index) for index, title in enumerate(DEFAULT_LANES)
        )
        invite_create(workshop=workshop, created_by=leader, role=Role.MEMBER)
    return workshop


@operation
def goal_edit(change: Change, *, title: Any = UNSET, why: Any = UNSET, success_criteria: Any = UNSET) -> None:
    change.require_role({Role.LEADER}, "Only the leader edits the goal.")
    change.require_open_board()
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
    workshop.save(update_fields=list(updates))
    # Items that served a criterion which no longer exists serve none.
    Item.objects.filter(workshop=workshop, criterion__gte=len(workshop.success_criteria)).update(criterion=None)
    change.emit(
        "goal.edited",
        {"workshop": workshop_json(workshop, confidence=confidence_state(workshop), checkins=checkins_of(workshop))},
    )
