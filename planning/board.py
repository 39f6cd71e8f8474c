"""Lookups that operations share while they hold the workshop lock."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Sum

from goals.models import Member, Phase, Workshop
from planning.errors import NotFound
from planning.models import Item, Lane, Ownership, Vote
from planning.payloads import item_json


def tallies_hidden(workshop: Workshop) -> bool:
    return workshop.phase == Phase.VOTE


def get_item(workshop: Workshop, item_id: int) -> Item:
    item = Item.objects.filter(pk=item_id, workshop=workshop).first()
    if item is None:
        raise NotFound("There is no such item in this workshop.", item=item_id)
    return item


def get_lane(workshop: Workshop, lane_id: int) -> Lane:
    lane = Lane.objects.filter(pk=lane_id, workshop=workshop).first()
    if lane is None:
        raise NotFound("There is no such lane in this workshop.", lane=lane_id)
    return lane


def get_member(workshop: Workshop, member_id: int) -> Member:
    member = Member.objects.present().filter(pk=member_id, workshop=workshop).first()
    if member is None:
        raise NotFound("There is no such member in this workshop.", member=member_id)
    return member


def owners_of(item_id: int) -> list[int]:
    """The item's owners in claim order."""
    return list(Ownership.objects.filter(item_id=item_id).order_by("id").values_list("member_id", flat=True))


def owners_by_item(workshop: Workshop) -> dict[int, list[int]]:
    owners: dict[int, list[int]] = defaultdict(list)
    for item_id, member_id in (
        Ownership.objects.filter(workshop=workshop).order_by("id").values_list("item_id", "member_id")
    ):
        owners[item_id].append(member_id)
    return owners


def tally_by_item(workshop: Workshop) -> dict[int, int]:
    rows = Vote.objects.filter(workshop=workshop).values("item_id").annotate(n=Sum("dots")).values_list("item_id", "n")
    return dict(rows)


def item_payload(item: Item, workshop: Workshop) -> dict[str, Any]:
    votes = None
    if not tallies_hidden(workshop):
        votes = Vote.objects.filter(item=item).aggregate(n=Sum("dots"))["n"] or 0
    return item_json(item, owners=owners_of(item.id), votes=votes)


def votes_used(member: Member) -> int:
    return Vote.objects.filter(member=member).aggregate(n=Sum("dots"))["n"] or 0


def my_votes(member: Member) -> dict[str, int]:
    return {str(item_id): dots for item_id, dots in Vote.objects.filter(member=member).values_list("item_id", "dots")}


def lane_item_ids(lane: Lane) -> list[int]:
    return list(Item.objects.filter(lane=lane).order_by("position", "id").values_list("id", flat=True))


def renumber(lane_id: int, ordered_ids: list[int]) -> None:
    """Write positions 0..n-1 for the given order, touching only rows that moved."""
    current = dict(Item.objects.filter(lane_id=lane_id).values_list("id", "position"))
    changed = [
        Item(id=item_id, position=index) for index, item_id in enumerate(ordered_ids) if current.get(item_id) != index
    ]
    if changed:
        Item.objects.bulk_update(changed, ["position"])
