"""The plan as a document: what an agreement freezes and what the exports print."""

from __future__ import annotations

from typing import Any

from goals.models import Member, Workshop
from planning.board import owners_by_item, tallies_hidden, tally_by_item
from planning.models import ConfidenceCheck, Item, Lane
from planning.payloads import iso


def current_plan(workshop: Workshop, *, agreed_by: Member | None = None) -> dict[str, Any]:
    """The board as a self-contained plan, with names resolved, so it never changes later."""
    members = {member.id: member for member in Member.objects.filter(workshop=workshop)}
    owners = owners_by_item(workshop)
    # While voting, tallies are hidden from everyone, in a draft export too.
    tallies = None if tallies_hidden(workshop) else tally_by_item(workshop)
    lanes = list(Lane.objects.filter(workshop=workshop).order_by("position", "id"))
    items_by_lane: dict[int, list[Item]] = {lane.id: [] for lane in lanes}
    for item in Item.objects.filter(workshop=workshop).order_by("position", "id"):
        items_by_lane[item.lane_id].append(item)

    def item_doc(item: Item, lane: Lane) -> dict[str, Any]:
        return {
            "id": item.id,
            "lane": lane.title,
            "title": item.title,
            "notes": item.notes,
            "due": iso(item.due),
            "criterion": item.criterion,
            "status": item.status,
            "author": members[item.author_id].name,
            "owners": [members[member_id].name for member_id in owners.get(item.id, [])],
            "votes": None if tallies is None else tallies.get(item.id, 0),
        }

    check = ConfidenceCheck.objects.filter(workshop=workshop, closed_at__isnull=False).order_by("-id").first()
    return {
        "workshop": workshop.id,
        "title": workshop.title,
        "why": workshop.why,
        "success_criteria": list(workshop.success_criteria),
        "version": workshop.plan_version if agreed_by else None,
        "agreed_at": iso(workshop.agreed_at) if agreed_by else None,
        "agreed_by": agreed_by.name if agreed_by else None,
        "lanes": [
            {"title": lane.title, "items": [item_doc(item, lane) for item in items_by_lane[lane.id]]} for lane in lanes
        ],
        "participants": [
            {"name": member.name, "role": member.role} for member in members.values() if member.removed_at is None
        ],
        "confidence": {"histogram": check.histogram, "mean": check.mean} if check else None,
    }
