"""Creating a workshop and editing its goal."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from core import limits
from core.validation import UNSET, criteria_list, integer, text
from goals.accounts import display_name
from goals.changes import Change, operation
from goals.invites import invite_create
from goals.models import Member, Role, Workshop
from goals.payloads import workshop_json
from goals.signals import described, goal_edited, workshop_created


def workshop_create(
    *,
    user: AbstractBaseUser,
    title: Any,
    why: Any = "",
    success_criteria: Any = (),
    votes_per_member: Any = 5,
) -> Workshop:
    """A new workshop led by `user`, with a member invite (and planning's lanes: Now, Next, Later)."""
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
        workshop_created.send(sender=Workshop, workshop=workshop, leader=leader)
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
    goal_edited.send(sender=Workshop, change=change)
    change.emit("goal.edited", {"workshop": workshop_json(workshop, **described(workshop))})
