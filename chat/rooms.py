"""Adding, listing and removing a workshop's chat rooms, and the settings page's test message.

Outside the change path, as invites are: a room is configuration, not something on the board, and
no event records it. The URL is checked by the webhooks' rules (outbound.guard: https, a public
address) and stored sealed; only `url_hint` is ever shown back.
"""

from __future__ import annotations

import secrets
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from django.db import transaction

from chat import formats, messages
from chat.models import ChatPost, ChatRoom, Kind, Subject
from chat.reader import NAME
from chat.sending import send_room
from core import clock
from core.errors import BadRequest, Invalid, LimitReached, NotFound
from core.http import path_id
from core.validation import choice, known_fields
from goals.models import Member, Workshop
from jobs import log
from live.models import LogCursor
from outbound import attempts, guard
from outbound.secrets import seal

FIELDS = frozenset({"kind", "url", "events"})
KINDS = frozenset(Kind.values)
SUBJECTS = tuple(Subject.values)
# A workshop posts to a handful of channels; more is a script gone wrong, each a job per event.
ROOMS_MAX = 10


def url_hint(url: str) -> str:
    """The host and the last 4 characters: which webhook it is, and nothing that lets one post."""
    return f"{urlsplit(url).hostname}…{url[-4:]}"


def room_json(room: ChatRoom) -> dict[str, Any]:
    return {"id": room.id, "kind": room.kind, "events": list(room.events), "url_hint": room.url_hint}


def rooms_of(workshop_id: str) -> list[ChatRoom]:
    return list(ChatRoom.objects.filter(workshop_id=workshop_id).order_by("id"))


def _events(value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise BadRequest("`events` must be a list of names.", field="events")
    unknown = sorted(set(value) - set(SUBJECTS))
    if unknown:
        raise Invalid("events", f"Unknown event {unknown[0]}: choose from {', '.join(SUBJECTS)}.")
    if not value:
        raise Invalid("events", "Choose at least one event, or leave `events` out for all of them.")
    return [name for name in SUBJECTS if name in value]


def room_create(*, member: Member, body: dict[str, Any]) -> ChatRoom:
    """A new room from the API's JSON; every refusal names its field and stores nothing."""
    known_fields(body, FIELDS, required=("kind", "url"))
    kind = choice(body["kind"], "kind", KINDS)
    events = _events(body["events"]) if "events" in body else list(SUBJECTS)
    url = guard.url_field(body["url"])
    workshop_id = member.workshop_id
    with transaction.atomic():
        if ChatRoom.objects.filter(workshop_id=workshop_id).count() >= ROOMS_MAX:
            raise LimitReached(f"A workshop posts to at most {ROOMS_MAX} chat rooms.")
        seq = Workshop.objects.values_list("seq", flat=True).get(pk=workshop_id)
        room = ChatRoom.objects.create(
            workshop_id=workshop_id,
            kind=kind,
            url_sealed=seal(url),
            url_hint=url_hint(url),
            events=events,
            since_seq=seq,
            created_by=member,
        )
        log.start(NAME, workshop_id)
    return room


def room_delete(*, workshop_id: str, room_id: Any) -> None:
    """Remove a room and its posts; with the workshop's last room goes the reader's cursor, so that a
    room added later starts from then, and the tick stops reading a workshop nobody listens to."""
    with transaction.atomic():
        deleted, _ = ChatRoom.objects.filter(workshop_id=workshop_id, pk=_room_id(room_id)).delete()
        if not deleted:
            raise NotFound("There is no such chat room.")
        if not ChatRoom.objects.filter(workshop_id=workshop_id).exists():
            LogCursor.objects.filter(reader=NAME, workshop_id=workshop_id).delete()


def room_test(*, workshop_id: str, room_id: Any) -> ChatPost:
    """Queue a short message that says the room is connected; one already waiting is not doubled."""
    with transaction.atomic():
        room = ChatRoom.objects.select_related("workshop").filter(workshop_id=workshop_id, pk=_room_id(room_id)).first()
        if room is None:
            raise NotFound("There is no such chat room.")
        waiting = ChatPost.objects.filter(room=room, reason__startswith="test:", status=attempts.Status.PENDING).first()
        if waiting is not None:
            return waiting
        message = messages.connected(workshop_id, room.workshop.title)
        post = ChatPost.objects.create(
            room=room,
            reason=f"test:{secrets.token_hex(6)}",
            payload=formats.render(room.kind, message),
            next_attempt_at=clock.now(),
        )
        transaction.on_commit(partial(send_room.enqueue, room.id))
    return post


# What the settings page shows of a room's posts: enough to see that the last ones arrived.
POSTS_LISTED = 20


def post_list(*, workshop_id: str, room_id: Any) -> list[ChatPost]:
    """The room's latest posts, newest first, so a facilitator sees whether the channel gets them."""
    room = ChatRoom.objects.filter(workshop_id=workshop_id, pk=_room_id(room_id)).first()
    if room is None:
        raise NotFound("There is no such chat room.")
    return list(ChatPost.objects.filter(room=room).order_by("-id").defer("payload")[:POSTS_LISTED])


def post_json(post: ChatPost) -> dict[str, Any]:
    """A post as the settings page lists it; `about` is what it told the room (a §9 chat event, or
    `test`), never its text, which the channel has."""
    return {
        "id": post.id,
        "about": post.reason.split(":", 1)[0],
        "status": post.status,
        "attempts": post.attempts,
        "last_status_code": post.last_status_code,
        "created_at": post.created_at.isoformat(),
        "delivered_at": post.delivered_at.isoformat() if post.delivered_at else None,
        "next_attempt_at": post.next_attempt_at.isoformat() if post.next_attempt_at else None,
    }


def _room_id(value: Any) -> int:
    pk = path_id(value)
    if pk is None:
        raise NotFound("There is no such chat room.")
    return pk
