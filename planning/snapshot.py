"""The board as one viewer sees it: the protocol's `snapshot` object.

It runs a fixed number of queries whatever the size of the board, and reads
under a share lock on the workshop row so that `seq` and the state agree
(no op can commit between the queries).
"""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Sum
from django.db.models.functions import Coalesce

from core import clock
from core.errors import NotFound
from goals.models import Member, Workshop
from goals.payloads import workshop_json
from live.broadcast import encode, event_frame
from live.models import Event
from live.presence import online_member_ids
from planning.board import board_items, checkins_of, my_votes
from planning.models import ConfidenceAnswer, ConfidenceCheck, Lane
from planning.payloads import confidence_json, lane_json
from planning.privacy import load_seen, planning_of, public_load, shown_to


def confidence_state(workshop: Workshop) -> dict[str, Any]:
    check = (
        ConfidenceCheck.objects.filter(workshop=workshop)
        .annotate(answer_count=Count("answers"))
        .order_by("-id")
        .first()
    )
    return confidence_json(check, check.answer_count if check else 0)


_SELECT_FOR_SHARE = f"SELECT * FROM {Workshop._meta.db_table} WHERE id = %s FOR SHARE"  # noqa: S608 (no user input)


def board_fields(workshop: Workshop) -> dict[str, Any]:
    """The workshop JSON's fields the board owns (the confidence check, the check-ins, the agenda,
    the load everyone sees), for an event that carries the whole workshop."""
    return {
        "confidence": confidence_state(workshop),
        "checkins": checkins_of(workshop),
        **framework_fields(workshop),
        "load": public_load(workshop),
    }


def framework_fields(workshop: Workshop) -> dict[str, Any]:
    """The facilitator's framework on the workshop row (protocol §8, §10): no query of its own."""
    return {
        "agenda": list(workshop.agenda),
        "step": workshop.agenda_step,
        "planning": planning_of(workshop),
    }


def _read_workshop(workshop_id: str) -> Workshop:
    """The workshop row under a share lock: ops (FOR UPDATE) wait, other readers do not."""
    if connection.vendor == "postgresql":
        rows = list(Workshop.objects.raw(_SELECT_FOR_SHARE, [workshop_id]))
    else:
        rows = list(Workshop.objects.filter(pk=workshop_id))
    if not rows:
        raise NotFound("There is no such workshop.")
    return rows[0]


def build_snapshot(workshop_id: str, member_id: int) -> dict[str, Any]:
    with transaction.atomic():
        workshop = _read_workshop(workshop_id)
        members = list(
            Member.objects.present()
            .filter(workshop=workshop)
            .order_by("id")
            .values_list("id", "name", "role", "ready")
            .annotate(used=Coalesce(Sum("votes__dots"), 0))
        )
        me = next((member for member in members if member[0] == member_id), None)
        if me is None:
            raise NotFound("There is no such workshop.")
        items = board_items(workshop)
        checkins = checkins_of(workshop)
        lanes = list(Lane.objects.filter(workshop=workshop).order_by("position", "id"))
        votes = my_votes(member_id)
        confidence = confidence_state(workshop)
        my_score = (
            ConfidenceAnswer.objects.filter(
                member_id=member_id, confidence__workshop=workshop, confidence__closed_at__isnull=True
            )
            .values_list("score", flat=True)
            .first()
        )
        online = online_member_ids(workshop.id)
    _, _, role, _, used = me
    shown = shown_to(items, workshop, member_id)
    return {
        "type": "snapshot",
        "seq": workshop.seq,
        "server_time": clock.now().isoformat(),
        "me": {
            "member": member_id,
            "role": role,
            "votes": votes,
            "votes_left": max(workshop.votes_per_member - used, 0),
            "confidence": my_score,
        },
        "workshop": workshop_json(
            workshop, confidence=confidence, checkins=checkins, **framework_fields(workshop), load=load_seen(shown)
        ),
        "lanes": [lane_json(lane) for lane in lanes],
        "items": shown,
        "members": [
            {"id": member, "name": name, "role": role, "ready": ready, "used": used}
            for member, name, role, ready, used in members
        ],
        "online": online,
    }


# Past this many missed events a fresh snapshot is the quicker way back.
REPLAY_LIMIT = 500


def catch_up(workshop_id: str, member_id: int, since: int | None) -> tuple[dict[str, Any], int]:
    """What a (re)connecting socket is sent first, and the seq it brings the client to.

    A `replay` of the events after `since` when every one of them is still in
    the log, otherwise a `snapshot`.
    """
    if since is not None:
        with transaction.atomic():
            workshop = _read_workshop(workshop_id)
            if not Member.objects.present().filter(pk=member_id, workshop=workshop).exists():
                raise NotFound("There is no such workshop.")
            missed = workshop.seq - since
            if 0 <= missed <= REPLAY_LIMIT:
                events = list(Event.objects.filter(workshop=workshop, seq__gt=since).order_by("seq"))
                if len(events) == missed:
                    frames = [event_frame(event, for_member=member_id) for event in events]
                    return {"type": "replay", "events": frames}, workshop.seq
    snapshot = build_snapshot(workshop_id, member_id)
    return snapshot, snapshot["seq"]


def logged_frames(workshop_id: str, member_id: int, *, after: int, upto: int) -> list[tuple[int, str, bool]]:
    """Events after..upto from the log as this member's sockets are sent them: (seq, text, removes them)."""
    events = Event.objects.filter(workshop_id=workshop_id, seq__gt=after, seq__lte=upto).order_by("seq")
    return [
        (
            event.seq,
            encode(event_frame(event, for_member=member_id)),
            event.name == "member.removed" and event.data["member"] == member_id,
        )
        for event in events
    ]
