"""Dot voting: each member has `votes_per_member` dots, several may go on one item.

Only the count of dots a member has used is public; which item they went on
is sent to the voter alone (the event's private part).
"""

from __future__ import annotations

from typing import Any

from core.errors import Invalid, VoteBudget
from core.sql import fetch_one, insert_statement
from core.validation import identifier
from goals.models import PARTICIPATING
from live.changes import Change, operation
from planning.board import missing_item
from planning.models import Vote
from planning.phases import VOTING_PHASES

# The item, the voter's dots on it (NULL: none) and all the dots they have used, in one round trip.
_MY_DOTS = (
    "SELECT (SELECT dots FROM planning_vote WHERE item_id = i.id AND member_id = %s),"
    " (SELECT COALESCE(SUM(dots), 0) FROM planning_vote WHERE member_id = %s), i.stack_id"
    " FROM planning_item i WHERE i.id = %s AND i.workshop_id = %s"
)


def _my_dots(change: Change, item: Any) -> tuple[int, int | None, int]:
    """The item's id, the dots the actor has on it and the dots they have used, read under the lock."""
    item_id = identifier(item, "item")
    member_id = change.member.id
    found = fetch_one(_MY_DOTS, [member_id, member_id, item_id, change.workshop.id])
    if found is None:
        raise missing_item(item_id)
    if found[2] is not None:
        raise Invalid("item", "This card is stacked: its stack's head carries the votes.", head=found[2])
    return item_id, found[0], found[1]


def _emit(change: Change, item_id: int, dots: int, used: int) -> None:
    member = change.member
    change.emit(
        "vote.changed",
        {"member": member.id, "used": used},
        private={"member": member.id, "data": {"item": item_id, "dots": dots}},
    )


@operation
def vote_cast(change: Change, *, item: Any) -> None:
    change.require_role(PARTICIPATING, "Observers do not vote.")
    change.require_phase(VOTING_PHASES, "Votes are cast in the vote phase.")
    item_id, mine, used = _my_dots(change, item)
    if used >= change.workshop.votes_per_member:
        raise VoteBudget(f"You have used all {change.workshop.votes_per_member} of your dots.")
    if mine is None:
        vote = Vote(workshop_id=change.workshop.id, item_id=item_id, member_id=change.member.id, dots=1)
        change.write(*insert_statement([vote], ("workshop_id", "item_id", "member_id", "dots")))
    else:
        change.write(
            "UPDATE planning_vote SET dots = dots + 1 WHERE item_id = %s AND member_id = %s",
            [item_id, change.member.id],
        )
    _emit(change, item_id, (mine or 0) + 1, used + 1)


@operation
def vote_retract(change: Change, *, item: Any) -> None:
    change.require_role(PARTICIPATING, "Observers do not vote.")
    change.require_phase(VOTING_PHASES, "Votes are retracted in the vote phase.")
    item_id, mine, used = _my_dots(change, item)
    if mine is None:
        raise Invalid("item", "You have no dot on this item.")
    if mine > 1:
        change.write(
            "UPDATE planning_vote SET dots = dots - 1 WHERE item_id = %s AND member_id = %s",
            [item_id, change.member.id],
        )
    else:
        change.write("DELETE FROM planning_vote WHERE item_id = %s AND member_id = %s", [item_id, change.member.id])
    _emit(change, item_id, mine - 1, used - 1)
