"""The plan's load against its capacity (protocol §10), as every export prints it.

The same arithmetic as the board's (static/js/capacity.js) and the agreement's
(planning.capacity): the load is the sum of the accepted items' estimates; the capacity line runs
through the accepted items in board order, and an item whose running total exceeds the capacity
"will not fit"; each person's load is, for every accepted item they own, its estimate split evenly
among its owners. An agreement over capacity is refused, so only a draft has items past the line.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

WILL_NOT_FIT = "will not fit"
NO_ESTIMATE = "—"


class Estimated(Protocol):
    @property
    def estimate(self) -> int | None: ...

    @property
    def owners(self) -> list[str]: ...


def hours_text(hours: float | None) -> str:
    """Hours as the exports print them: "8 h"; a share of an estimate to one decimal, "2.7 h"
    (8 h over three owners); "—" for no estimate."""
    if hours is None:
        return NO_ESTIMATE
    rounded = round(hours, 1)
    return f"{int(rounded)} h" if rounded == int(rounded) else f"{rounded:.1f} h"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


@dataclass(frozen=True)
class PersonLoad:
    name: str
    hours: float  # their share of the estimates of the accepted items they own
    items: int  # the accepted items they own, estimated or not

    @property
    def hours_text(self) -> str:
        return hours_text(self.hours)


@dataclass(frozen=True)
class Load:
    """The accepted items' estimates against the capacity, and who carries them."""

    hours: int
    capacity: int | None
    unestimated: int  # accepted items without an estimate
    past: int  # accepted items past the capacity line
    people: list[PersonLoad]  # most hours first, then most items, then by name

    @property
    def over(self) -> int:
        """By how many hours the load exceeds the capacity; 0 when it fits or there is none."""
        return max(0, self.hours - self.capacity) if self.capacity is not None else 0

    @property
    def line(self) -> str:
        """ "Load 52 h of 60 h capacity", or "52 h estimated" without a capacity."""
        if self.capacity is None:
            return f"{hours_text(self.hours)} estimated"
        return f"Load {hours_text(self.hours)} of {hours_text(self.capacity)} capacity"

    @property
    def remarks(self) -> list[str]:
        """What stands between the load and an agreement, one sentence each; none when it fits."""
        remarks = []
        if self.over:
            items = "item will" if self.past == 1 else "items will"
            remarks.append(f"{hours_text(self.over)} over capacity: {self.past} accepted {items} not fit.")
        if self.unestimated:
            remarks.append(f"{_count(self.unestimated, 'accepted item')} without an estimate.")
        return remarks


def past_the_line(accepted: Sequence[tuple[int, int | None]], capacity: int | None) -> set[int]:
    """The ids of the accepted items past the capacity line; `accepted` is each one's (id,
    estimate), in board order. An item without an estimate adds nothing, yet is past the line
    when the items before it already are."""
    if capacity is None:
        return set()
    total, past = 0, set()
    for item_id, estimate in accepted:
        total += estimate or 0
        if total > capacity:
            past.add(item_id)
    return past


def person_loads(accepted: Iterable[Estimated]) -> list[PersonLoad]:
    hours: dict[str, float] = {}
    items: dict[str, int] = {}
    for item in accepted:
        for owner in item.owners:
            hours[owner] = hours.get(owner, 0.0) + (item.estimate or 0) / len(item.owners)
            items[owner] = items.get(owner, 0) + 1
    people = [PersonLoad(name, hours[name], items[name]) for name in hours]
    return sorted(people, key=lambda person: (-person.hours, -person.items, person.name.casefold()))


def plan_load(accepted: Sequence[Estimated], capacity: int | None, past: int) -> Load | None:
    """The load of the accepted items (in board order), or None when there is nothing to say: no
    capacity set and no accepted item estimated (a plan made before estimates, or without them)."""
    if capacity is None and all(item.estimate is None for item in accepted):
        return None
    return Load(
        hours=sum(item.estimate or 0 for item in accepted),
        capacity=capacity,
        unestimated=sum(1 for item in accepted if item.estimate is None),
        past=past,
        people=person_loads(accepted),
    )
