"""From the event log to deliveries: the `webhooks` log reader (jobs.log).

The reader runs in the transaction that moves its cursor, so each event makes its deliveries once
(and the unique (endpoint, seq) holds even against a second worker). A body carries the event's
public `data` only, what every member's socket gets: `Event.private` (which item a member voted
on, the score they gave) is that one member's, and what a member cannot see on the board no
receiver sees either.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction

from core import clock
from goals.models import Member, Workshop
from jobs import log
from live.committed import Committed
from live.models import Event
from webhooks.models import Delivery, Endpoint
from webhooks.sending import queued_for, send_due

READER = "webhooks"


def new_message_id() -> str:
    return "msg_" + secrets.token_urlsafe(18)


def encode(body: dict[str, Any]) -> str:
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def workshop_json(workshop: Workshop) -> dict[str, str]:
    return {"id": workshop.id, "title": workshop.title, "url": f"{settings.SITE_URL}/w/{workshop.id}/"}


def actor_json(member: Member | None) -> dict[str, Any] | None:
    if member is None:
        return None
    return {"id": member.id, "name": member.name, "role": member.role}


def body(
    *, type: str, timestamp: datetime, workshop: Workshop, seq: int | None, actor: Member | None, data: dict[str, Any]
) -> str:
    """The Standard Webhooks body of protocol §9, as the text that is signed and sent."""
    return encode(
        {
            "type": type,
            "timestamp": timestamp.isoformat(),
            "data": {"workshop": workshop_json(workshop), "seq": seq, "actor": actor_json(actor), "event": data},
        }
    )


def wants(change: Committed) -> bool:
    return Endpoint.objects.filter(workshop_id=change.workshop_id, active=True).exists()


def read(workshop_id: str, events: Sequence[Event]) -> None:
    endpoints = list(Endpoint.objects.filter(workshop_id=workshop_id, active=True))
    if not endpoints:
        return
    workshop = Workshop.objects.only("id", "title").get(pk=workshop_id)
    now = clock.now()
    rows: list[Delivery] = []
    for event in events:
        text: str | None = None
        for endpoint in endpoints:
            if event.seq <= endpoint.after_seq or not endpoint.wants(event.name):
                continue
            if text is None:
                text = body(
                    type=event.name,
                    timestamp=event.created_at,
                    workshop=workshop,
                    seq=event.seq,
                    actor=event.actor,
                    data=event.data,
                )
            rows.append(
                Delivery(
                    endpoint=endpoint,
                    message_id=new_message_id(),
                    type=event.name,
                    seq=event.seq,
                    body=text,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
    Delivery.objects.bulk_create(rows, ignore_conflicts=True)
    waiting = queued_for(clock.now())
    for endpoint_id in sorted({row.endpoint_id for row in rows} - waiting):
        transaction.on_commit(partial(send_due.enqueue, endpoint_id))


def register() -> None:
    log.register(log.Reader(name=READER, wants=wants, read=read))
