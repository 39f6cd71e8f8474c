"""Lanes of the storyboard (Now, Next, Later by default), run by facilitators."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core import limits
from core.errors import Invalid, LaneNotEmpty, LimitReached
from core.validation import identifier, integer, text
from goals.models import FACILITATING
from live.changes import Change, operation
from planning.board import get_lane
from planning.models import Item, Lane
from planning.payloads import lane_json
from planning.phases import require_open_board

DEFAULT_LANES = ("Now", "Next", "Later")


def add_default_lanes(change: Change, titles: Sequence[str] = DEFAULT_LANES) -> None:
    """A new workshop's board starts with lanes Now, Next and Later, or a template's."""
    lanes = [
        Lane(workshop_id=change.workshop.id, title=_title(title), position=index) for index, title in enumerate(titles)
    ]
    change.insert(lanes)


def _facilitate(change: Change) -> None:
    change.require_role(FACILITATING, "Only a facilitator changes lanes.")
    require_open_board(change)


def _title(value: Any) -> str:
    return text(value, "title", min_length=1, max_length=limits.LANE_TITLE_MAX)


def _ordered(change: Change) -> list[Lane]:
    return list(Lane.objects.filter(workshop=change.workshop).order_by("position", "id"))


def _renumber(change: Change, lanes: list[Lane]) -> None:
    for index, lane in enumerate(lanes):
        lane.position = index
        change.update(lane, ["position"])


@operation
def lane_add(change: Change, *, title: Any) -> None:
    _facilitate(change)
    title = _title(title)
    count = Lane.objects.filter(workshop=change.workshop).count()
    if count >= limits.MAX_LANES:
        raise LimitReached(f"A workshop holds at most {limits.MAX_LANES} lanes.")
    lane = Lane(workshop_id=change.workshop.id, title=title, position=count)
    change.insert_now(lane)
    change.emit("lane.added", {"lane": lane_json(lane)})


@operation
def lane_rename(change: Change, *, lane: Any, title: Any) -> None:
    _facilitate(change)
    target = get_lane(change.workshop, identifier(lane, "lane"))
    title = _title(title)
    if target.title == title:
        return
    target.title = title
    change.update(target, ["title"])
    change.emit("lane.renamed", {"lane": lane_json(target)})


@operation
def lane_move(change: Change, *, lane: Any, index: Any) -> None:
    _facilitate(change)
    target = get_lane(change.workshop, identifier(lane, "lane"))
    index = integer(index, "index")
    lanes = [other for other in _ordered(change) if other.id != target.id]
    index = max(0, min(index, len(lanes)))
    if target.position == index:
        return
    lanes.insert(index, target)
    _renumber(change, lanes)
    change.emit("lane.moved", {"lane": target.id, "index": index})


@operation
def lane_delete(change: Change, *, lane: Any) -> None:
    _facilitate(change)
    target = get_lane(change.workshop, identifier(lane, "lane"))
    if Item.objects.filter(lane=target).exists():
        raise LaneNotEmpty(lane=target.id)
    lanes = [other for other in _ordered(change) if other.id != target.id]
    if not lanes:
        raise Invalid("lane", "A workshop keeps at least one lane.")
    lane_id = target.id
    change.write("DELETE FROM planning_lane WHERE id = %s", [lane_id])
    _renumber(change, lanes)
    change.emit("lane.deleted", {"lane": lane_id})
