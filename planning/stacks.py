"""Stacks (protocol §10): duplicates stacked under one card, so that votes are not split.

A stack is one level deep: a head, and the cards stacked under it, which sit right after it in its
lane. Every change here keeps them together: a card stacked onto a head joins the end of its
block, moving a head moves the block, a card dropped inside someone else's block lands after it.

Every position change goes out as ordinary `item.moved` events, one card at a time, in an order
that a client applying plain moves ends with the server's board: no client needs to know how
stacks move to keep positions right.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from core.errors import Invalid
from core.sql import fetch_all, fetch_one
from core.validation import identifier
from goals.models import PARTICIPATING
from live.changes import Change, operation
from planning.board import missing_item
from planning.phases import EDITING_PHASES
from planning.privacy import require_face_up


class Card(NamedTuple):
    id: int
    stack: int | None


class Move(NamedTuple):
    item: int
    index: int


def after_block(cards: Sequence[Card], index: int) -> int:
    """`index` moved past any stacked cards it would land among, so no block is split."""
    while index < len(cards) and cards[index].stack is not None:
        index += 1
    return index


def end_of_block(cards: Sequence[Card], head: int) -> int:
    """The index just after `head`'s block in `cards`."""
    start = next(index for index, card in enumerate(cards) if card.id == head)
    return after_block(cards, start + 1)


def plain_moves(before: Sequence[Card], block: Sequence[int], at: int, *, same_lane: bool) -> list[Move]:
    """The single-card moves that put `block` (ids in order) at `at` in the destination.

    Applied one after another as a plain `item.moved` is (take the card out, insert it at
    `index`), they leave the block together at `at`. A block moving down its own lane goes last
    card first, otherwise first card first; a card already in place is not sent."""
    target = [Move(card, at + offset) for offset, card in enumerate(block)]
    if not same_lane:
        return target
    start = next(index for index, card in enumerate(before) if card.id == block[0])
    if at == start:
        return []
    return list(reversed(target)) if at > start else target


def lane_cards(lane_id: int) -> list[Card]:
    return [
        Card(*row)
        for row in fetch_all("SELECT id, stack_id FROM planning_item WHERE lane_id = %s ORDER BY position", [lane_id])
    ]


def relocate(
    change: Change, block: Sequence[int], source: int, destination: int, *, index: int = 0, after: int | None = None
) -> None:
    """Move `block` (a card, or a head and its stack, ids in board order) to `index` of `destination`,
    counted without the block and pushed past any block it falls inside; or, `after` a head, to the
    end of that head's block."""
    source_cards = lane_cards(source)
    moving = set(block)
    rest = [card for card in source_cards if card.id not in moving]
    same_lane = source == destination
    target = rest if same_lane else lane_cards(destination)
    at = end_of_block(target, after) if after is not None else after_block(target, max(0, min(index, len(target))))
    moves = plain_moves(source_cards, block, at, same_lane=same_lane)
    if not moves:
        return
    lanes = {destination: [*target[:at], *(Card(card, None) for card in block), *target[at:]]}
    if not same_lane:
        lanes[source] = rest
    before = {card.id: (source, position) for position, card in enumerate(source_cards)}
    if not same_lane:
        before |= {card.id: (destination, position) for position, card in enumerate(target)}
    changed = [
        (card.id, lane, position)
        for lane, cards in lanes.items()
        for position, card in enumerate(cards)
        if before[card.id] != (lane, position)
    ]
    cases = " ".join("WHEN %s THEN %s" for _ in changed)
    change.write(
        f"UPDATE planning_item SET position = CASE id {cases} END, lane_id = CASE id {cases} END"  # noqa: S608 (placeholders only)
        f" WHERE id IN ({', '.join('%s' for _ in changed)})",
        [
            *(value for card, _, position in changed for value in (card, position)),
            *(value for card, lane, _ in changed for value in (card, lane)),
            *(card for card, _, _ in changed),
        ],
    )
    for move in moves:
        change.emit("item.moved", {"item": move.item, "lane": destination, "index": move.index})


class Found(NamedTuple):
    id: int
    lane: int
    author: int
    stack: int | None
    stacked: list[int]


def find(change: Change, item: Any, field: str = "item") -> Found:
    """The card, and the cards stacked under it in board order."""
    item_id = identifier(item, field)
    rows = fetch_all(
        "SELECT i.lane_id, i.author_id, i.stack_id, s.id FROM planning_item i"
        " LEFT JOIN planning_item s ON s.stack_id = i.id"
        " WHERE i.id = %s AND i.workshop_id = %s ORDER BY s.position",
        [item_id, change.workshop.id],
    )
    if not rows:
        raise missing_item(item_id)
    lane, author, stack, _ = rows[0]
    return Found(item_id, lane, author, stack, [row[3] for row in rows if row[3] is not None])


def _require(change: Change) -> None:
    change.require_role(PARTICIPATING, "Observers do not stack cards.")
    change.require_phase(EDITING_PHASES, "Cards are stacked in the gather and plan phases.")


@operation
def item_stack(change: Change, *, item: Any, onto: Any) -> None:
    _require(change)
    card = find(change, item)
    target = find(change, onto, "onto")
    head = target if target.stack is None else find(change, target.stack, "onto")
    if head.id == card.id:
        raise Invalid("onto", "A card cannot be stacked onto itself or onto a card of its own stack.")
    require_face_up(change, card.author)
    require_face_up(change, target.author)
    require_face_up(change, head.author)
    if card.stack == head.id:
        return
    block = [card.id, *card.stacked]
    ids = ", ".join("%s" for _ in block)
    change.write(f"UPDATE planning_item SET stack_id = %s WHERE id IN ({ids})", [head.id, *block])  # noqa: S608
    for stacked in block:
        change.emit("item.stacked", {"item": stacked, "onto": head.id})
    relocate(change, block, card.lane, head.lane, after=head.id)


@operation
def item_unstack(change: Change, *, item: Any) -> None:
    _require(change)
    card = find(change, item)
    require_face_up(change, card.author)
    if card.stack is None:
        return
    unstack(change, card.id)
    relocate(change, [card.id], card.lane, card.lane, after=card.stack)


def unstack(change: Change, item_id: int) -> None:
    change.write("UPDATE planning_item SET stack_id = NULL WHERE id = %s", [item_id])
    change.emit("item.stacked", {"item": item_id, "onto": None})


def behead(change: Change, head: int) -> None:
    """Before `head` is deleted: its first stacked card becomes the head of the others."""
    rows = fetch_all("SELECT id FROM planning_item WHERE stack_id = %s ORDER BY position", [head])
    if not rows:
        return
    new_head, *others = (row[0] for row in rows)
    unstack(change, new_head)
    if others:
        ids = ", ".join("%s" for _ in others)
        change.write(f"UPDATE planning_item SET stack_id = %s WHERE id IN ({ids})", [new_head, *others])  # noqa: S608
        for other in others:
            change.emit("item.stacked", {"item": other, "onto": new_head})


def is_stacked(item_id: int) -> bool:
    found = fetch_one("SELECT stack_id FROM planning_item WHERE id = %s", [item_id])
    return found is not None and found[0] is not None
