"""Dot voting: each member has `votes_per_member` dots, several may go on one item.

Only the count of dots a member has used is public; which item they went on
is sent to the voter alone (the event's private part).
"""

from __future__ import annotations

from typing import Any

from django.db.models import F

from planning.board import get_item, votes_used
from planning.changes import PARTICIPATING, Change, operation
from planning.errors import Invalid, VoteBudget
from planning.models import Vote
from planning.phases import VOTING_PHASES
from planning.validation import identifier


def _emit(change: Change, item_id: int, dots: int) -> None:
    member = change.member
    change.emit(
        "vote.changed",
        {"member": member.id, "used": votes_used(member)},
        private={"member": member.id, "data": {"item": item_id, "dots": dots}},
    )


@operation
def vote_cast(change: Change, *, item: Any) -> None:
    change.require_role(PARTICIPATING, "Observers do not vote.")
    change.require_phase(VOTING_PHASES, "Votes are cast in the vote phase.")
    target = get_item(change.workshop, identifier(item, "item"))
    if votes_used(change.member) >= change.workshop.votes_per_member:
        raise VoteBudget(f"You have used all {change.workshop.votes_per_member} of your dots.")
    vote, created = Vote.objects.get_or_create(
        workshop=change.workshop, item=target, member=change.member, defaults={"dots": 1}
    )
    if not created:
        Vote.objects.filter(pk=vote.pk).update(dots=F("dots") + 1)
        vote.dots += 1
    _emit(change, target.id, vote.dots)


@operation
def vote_retract(change: Change, *, item: Any) -> None:
    change.require_role(PARTICIPATING, "Observers do not vote.")
    change.require_phase(VOTING_PHASES, "Votes are retracted in the vote phase.")
    target = get_item(change.workshop, identifier(item, "item"))
    vote = Vote.objects.filter(item=target, member=change.member).first()
    if vote is None:
        raise Invalid("item", "You have no dot on this item.")
    if vote.dots > 1:
        Vote.objects.filter(pk=vote.pk).update(dots=F("dots") - 1)
        dots = vote.dots - 1
    else:
        vote.delete()
        dots = 0
    _emit(change, target.id, dots)
