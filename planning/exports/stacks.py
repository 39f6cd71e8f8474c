"""Stacks in the exports (protocol §10): a stack's cards are listed under its head.

A stack is duplicates gathered into one card, so it reads as one: its cards sit under its head
wherever the head is listed (in its lane's table when accepted, under "Not taken" otherwise),
each with what it says of its own. One card is a row of its own: an accepted card under a head
that is not, since the plan lists every accepted item; it says which card it is stacked under.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from planning.exports.load import WILL_NOT_FIT, hours_text
from planning.models import ItemStatus

if TYPE_CHECKING:
    from planning.exports.document import PlanItem


def arrange_stacks(items: list[PlanItem]) -> set[int]:
    """Put each stacked card in its head's `stacked`, in board order; the ids of the cards so
    listed, which get no row of their own. A card whose head the plan does not hold (face down in
    a draft) is a row of its own."""
    by_id = {item.id: item for item in items}
    under: set[int] = set()
    for item in items:
        head = by_id.get(item.stack) if item.stack is not None else None
        if head is None or (item.status == ItemStatus.ACCEPTED and head.status != ItemStatus.ACCEPTED):
            continue
        head.stacked.append(item)
        under.add(item.id)
    return under


def stacked_text(card: PlanItem, head: PlanItem) -> str:
    """A stacked card as it reads under its head: its title, then what it says of its own in
    brackets (its status where it differs from the head's, estimate, owners, due date, votes),
    then its notes. "Welcome mail (proposed · 4 h · Mia): three mails"."""
    parts = [card.status] if card.status != head.status else []
    if card.estimate is not None:
        parts.append(hours_text(card.estimate))
    if card.will_not_fit:
        parts.append(WILL_NOT_FIT)
    if card.owners:
        parts.append(", ".join(card.owners))
    if card.due:
        parts.append(f"due {card.due_text}")
    if card.votes:
        parts.append(f"{card.votes} vote" if card.votes == 1 else f"{card.votes} votes")
    text = card.title + (f" ({' · '.join(parts)})" if parts else "")
    return f"{text}: {card.notes}" if card.notes else text
