"""The plan as a document: what an agreement freezes and what the exports print."""

from __future__ import annotations

from typing import Any

from goals.models import Member, Workshop
from goals.payloads import iso
from planning.board import owners_by_item, tallies_hidden, tally_by_item
from planning.models import CheckIn, ConfidenceCheck, HelpOffer, Item, ItemStatus, Lane, PlanVersion
from planning.privacy import hidden_from, planning_of


def current_plan(
    workshop: Workshop, *, agreed_by: Member | None = None, viewer: Member | None = None
) -> dict[str, Any]:
    """The board as a self-contained plan, with names resolved, so it never changes later.

    While a private gather keeps cards face down (protocol §10), the plan holds only `viewer`'s
    own cards, and in `face_down` how many others' it leaves out: a draft exported then shows a
    facilitator no more than their board does. An agreement happens out of the gather, with
    every card face up. Each item carries its `estimate` and `stack` (its head's id), and the
    plan the workshop's `planning` settings and its `load`, the estimates of the accepted items
    it holds; versions frozen before these keys existed have none of them.
    """
    members = {member.id: member for member in Member.objects.filter(workshop=workshop)}
    owners = owners_by_item(workshop)
    # While voting, tallies are hidden from everyone, in a draft export too.
    tallies = None if tallies_hidden(workshop) else tally_by_item(workshop)
    lanes = list(Lane.objects.filter(workshop=workshop).order_by("position", "id"))
    items_by_lane: dict[int, list[Item]] = {lane.id: [] for lane in lanes}
    face_down = 0
    for item in Item.objects.filter(workshop=workshop).order_by("position", "id"):
        if hidden_from(workshop, item.author_id, viewer.id if viewer else None):
            face_down += 1
        else:
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
            "estimate": item.estimate,
            "stack": item.stack_id,
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
        "planning": planning_of(workshop),
        "load": sum(
            item.estimate or 0
            for items in items_by_lane.values()
            for item in items
            if item.status == ItemStatus.ACCEPTED
        ),
        "face_down": face_down,
    }


def plan_progress(workshop_id: str, content: dict[str, Any]) -> dict[str, Any]:
    """How the accepted items of an agreed plan `content` are going now, and the check-ins so far.

    Not frozen: an export of version N shows its items' progress and helpers as of the export,
    read by id from the items that are still on the board (an item deleted since has none); each
    helper's note (how they can help, or "") is in `help_notes`, in the helpers' order. Each
    check-in is labelled with the plan version that was agreed when it was recorded.
    """
    accepted = {
        item["id"] for lane in content["lanes"] for item in lane["items"] if item["status"] == ItemStatus.ACCEPTED
    }
    names = dict(Member.objects.filter(workshop_id=workshop_id).values_list("id", "name"))
    items: dict[int, dict[str, Any]] = {}
    # The workshop's items, filtered here: a version's accepted ids as SQL parameters would be
    # thousands of them for a big plan.
    for item_id, state, note, by, at in Item.objects.filter(workshop_id=workshop_id).values_list(
        "id", "progress_state", "progress_note", "progress_by_id", "progress_at"
    ):
        if item_id in accepted:
            progress = {"state": state, "note": note, "by": names.get(by), "at": iso(at)} if state else None
            items[item_id] = {"progress": progress, "helpers": [], "help_notes": []}
    offers = (
        HelpOffer.objects.filter(workshop_id=workshop_id).order_by("id").values_list("item_id", "member_id", "note")
    )
    for item_id, member_id, note in offers:
        if item_id in items:
            items[item_id]["helpers"].append(names[member_id])
            items[item_id]["help_notes"].append(note)
    versions = list(
        PlanVersion.objects.filter(workshop_id=workshop_id).order_by("number").values_list("number", "agreed_at")
    )
    checkins = []
    for checkin in CheckIn.objects.filter(workshop_id=workshop_id).order_by("number"):
        under = [number for number, agreed_at in versions if agreed_at <= checkin.at]
        checkins.append(
            {
                "number": checkin.number,
                "at": iso(checkin.at),
                "by": names.get(checkin.by_id),
                "note": checkin.note,
                "counts": dict(checkin.counts),
                "version": under[-1] if under else None,
            }
        )
    return {"items": items, "checkins": checkins}
