"""Lookups that board operations share while they hold the workshop lock.

They read through core.sql, not the ORM, for the reason given there.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Sum

from core.errors import NotFound
from core.sql import fetch_all, in_workshop
from goals.models import Phase, Workshop
from live.changes import Change
from planning.models import CheckIn, HelpOffer, Item, Lane, Ownership, Vote
from planning.payloads import ITEM_COLUMNS, checkin_json, item_json, item_values


def tallies_hidden(workshop: Workshop) -> bool:
    return workshop.phase == Phase.VOTE


def missing_item(item_id: int) -> NotFound:
    return NotFound("There is no such item in this workshop.", item=item_id)


def missing_lane(lane_id: int) -> NotFound:
    return NotFound("There is no such lane in this workshop.", lane=lane_id)


def get_item(workshop: Workshop, item_id: int) -> Item:
    found = in_workshop(Item, item_id, workshop.id)
    if found is None:
        raise missing_item(item_id)
    return found


def get_lane(workshop: Workshop, lane_id: int) -> Lane:
    found = in_workshop(Lane, lane_id, workshop.id)
    if found is None:
        raise missing_lane(lane_id)
    return found


def owners_of(item_id: int) -> list[int]:
    """The item's owners in claim order."""
    rows = fetch_all("SELECT member_id FROM planning_ownership WHERE item_id = %s ORDER BY id", [item_id])
    return [member_id for (member_id,) in rows]


def owners_by_item(workshop: Workshop) -> dict[int, list[int]]:
    """Each item's owners, in claim order."""
    return _members_by_item(Ownership, workshop)


def offers_by_item(workshop: Workshop) -> dict[int, dict[int, str]]:
    """Who offered help on each item and how they can help, {member id: note} in the order they offered."""
    offers: dict[int, dict[int, str]] = defaultdict(dict)
    rows = HelpOffer.objects.filter(workshop=workshop).order_by("id").values_list("item_id", "member_id", "note")
    for item_id, member_id, note in rows:
        offers[item_id][member_id] = note
    return offers


def _members_by_item(model: type[Ownership], workshop: Workshop) -> dict[int, list[int]]:
    members: dict[int, list[int]] = defaultdict(list)
    rows = model.objects.filter(workshop=workshop).order_by("id").values_list("item_id", "member_id")
    for item_id, member_id in rows:
        members[item_id].append(member_id)
    return members


# What a row of each table says beside who: a helper's note; an owner says nothing.
_SAID = {Ownership: "''", HelpOffer: "note"}


def let_go(change: Change, model: type[Ownership] | type[HelpOffer], member_id: int) -> dict[int, dict[int, str]]:
    """Delete the member's rows of `model` in the change's workshop (owning or helping, when they
    leave or only watch); each item they were on, with who stays on it, in order, and what each
    said (a helper's note; "" for an owner)."""
    table = model._meta.db_table
    rows = fetch_all(
        f"SELECT item_id, member_id, {_SAID[model]} FROM {table} WHERE item_id IN"  # noqa: S608 (model metadata only)
        f" (SELECT item_id FROM {table} WHERE member_id = %s AND workshop_id = %s) ORDER BY item_id, id",
        [member_id, change.workshop.id],
    )
    if rows:
        change.write(f"DELETE FROM {table} WHERE member_id = %s AND workshop_id = %s", [member_id, change.workshop.id])  # noqa: S608
    staying: dict[int, dict[int, str]] = {}
    for item_id, other, said in rows:
        staying.setdefault(item_id, {})
        if other != member_id:
            staying[item_id][other] = said
    return staying


def checkins_of(workshop: Workshop) -> list[dict[str, Any]]:
    """The workshop's check-ins, oldest first: the `checkins` of its JSON."""
    return [checkin_json(checkin) for checkin in CheckIn.objects.filter(workshop=workshop).order_by("number")]


def tally_by_item(workshop: Workshop) -> dict[int, int]:
    rows = Vote.objects.filter(workshop=workshop).values("item_id").annotate(n=Sum("dots")).values_list("item_id", "n")
    return dict(rows)


def item_payload(item: Item, workshop: Workshop) -> dict[str, Any]:
    # One round trip: the tally's row first, then the owners' in claim order, then the helpers'
    # with their notes.
    rows = fetch_all(
        "SELECT 0, 0, COALESCE(SUM(dots), 0), '' FROM planning_vote WHERE item_id = %s"
        " UNION ALL SELECT 1, id, member_id, '' FROM planning_ownership WHERE item_id = %s"
        " UNION ALL SELECT 2, id, member_id, note FROM planning_helpoffer WHERE item_id = %s ORDER BY 1, 2",
        [item.id, item.id, item.id],
    )
    votes = None if tallies_hidden(workshop) else rows[0][2]
    return item_json(
        item,
        owners=[member_id for kind, _, member_id, _ in rows if kind == 1],
        offers={member_id: note for kind, _, member_id, note in rows if kind == 2},
        votes=votes,
    )


def my_votes(member_id: int) -> dict[str, int]:
    return {
        str(item_id): dots for item_id, dots in Vote.objects.filter(member_id=member_id).values_list("item_id", "dots")
    }


def board_items(workshop: Workshop) -> list[dict[str, Any]]:
    """Every item in full, in board order, as a snapshot shows them to someone who sees them all."""
    hidden = tallies_hidden(workshop)
    tallies = {} if hidden else tally_by_item(workshop)
    owners = owners_by_item(workshop)
    offers = offers_by_item(workshop)
    rows = (
        Item.objects.filter(workshop=workshop)
        .order_by("lane__position", "lane_id", "position", "id")
        .values_list(*ITEM_COLUMNS)
    )
    return [
        item_values(
            row,
            owners=owners.get(row[0], []),
            offers=offers.get(row[0]),
            votes=None if hidden else tallies.get(row[0], 0),
        )
        for row in rows
    ]
