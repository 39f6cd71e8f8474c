"""What the webhooks API does: adding and removing endpoints, a ping, a retry, the lists.

Endpoints and deliveries are not board state (no event records them), so they are written here
directly, outside the change path, as invites made through their API are.
"""

from __future__ import annotations

import base64
import re
import secrets
from typing import Any

from django.db import transaction

from core import clock, validation
from core.errors import Conflict, LimitReached, NotFound
from core.http import path_id
from goals.models import Member, Workshop
from jobs import log
from outbound import attempts, guard
from outbound.secrets import seal
from webhooks.events import PING, clean_events
from webhooks.models import DESCRIPTION_MAX, Delivery, Endpoint
from webhooks.reader import READER, body, new_message_id
from webhooks.sending import send_now

# A workshop's endpoints: enough for every tool a team wires up; each one is a job per change.
ENDPOINTS_MAX = 10
# The deliveries list (protocol §9).
LISTED = 100
# Standard Webhooks allows 24–64 bytes of secret; 32 is what HMAC-SHA256 makes full use of.
SECRET_BYTES = 32

FIELDS = frozenset({"url", "events", "description"})
# A delivery's id as webhooks.reader.new_message_id makes it.
MESSAGE_ID = re.compile(r"msg_[A-Za-z0-9_-]{1,36}")


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def iso(moment: Any) -> str | None:
    return moment.isoformat() if moment is not None else None


def endpoint_json(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": endpoint.events,
        "description": endpoint.description,
        "active": endpoint.active,
        "deactivated_at": iso(endpoint.deactivated_at),
        "created_at": iso(endpoint.created_at),
    }


def delivery_json(delivery: Delivery) -> dict[str, Any]:
    return {
        "id": delivery.message_id,
        "type": delivery.type,
        "seq": delivery.seq,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "next_attempt_at": iso(delivery.next_attempt_at),
    }


def endpoint_list(*, workshop_id: str) -> list[Endpoint]:
    return list(Endpoint.objects.filter(workshop_id=workshop_id))


def endpoint_create(*, member: Member, fields: dict[str, Any]) -> tuple[Endpoint, str]:
    """A new endpoint and its secret, the only time the secret is given out."""
    validation.known_fields(fields, FIELDS, required=("url", "events"))
    url = guard.url_field(fields["url"])
    events = clean_events(fields["events"])
    description = validation.text(
        fields.get("description", ""), "description", min_length=0, max_length=DESCRIPTION_MAX
    )
    secret = new_secret()
    with transaction.atomic():
        workshop = Workshop.objects.select_for_update().only("id", "seq").get(pk=member.workshop_id)
        if Endpoint.objects.filter(workshop=workshop).count() >= ENDPOINTS_MAX:
            raise LimitReached(f"A workshop has at most {ENDPOINTS_MAX} webhooks.")
        endpoint = Endpoint.objects.create(
            workshop=workshop,
            url=url,
            events=events,
            description=description,
            secret_sealed=seal(secret),
            after_seq=workshop.seq,
            created_by=member,
        )
        log.start(READER, workshop.id)
    return endpoint, secret


def endpoint_find(*, workshop_id: str, endpoint_id: str) -> Endpoint:
    pk = path_id(endpoint_id)
    if pk is None:
        raise NotFound("There is no such webhook.")
    endpoint = Endpoint.objects.filter(workshop_id=workshop_id, pk=pk).first()
    if endpoint is None:
        raise NotFound("There is no such webhook.")
    return endpoint


def endpoint_delete(*, endpoint: Endpoint) -> None:
    endpoint.delete()


def ping(*, endpoint: Endpoint, member: Member) -> Delivery:
    """A `ping` to this endpoint, whatever it subscribes to, sent now by a job."""
    now = clock.now()
    with transaction.atomic():
        delivery = Delivery.objects.create(
            endpoint=endpoint,
            message_id=new_message_id(),
            type=PING,
            seq=None,
            body=body(type=PING, timestamp=now, workshop=member.workshop, seq=None, actor=member, data={}),
            next_attempt_at=now,
            created_at=now,
        )
        send_now.enqueue(delivery.pk)
    return delivery


def delivery_list(*, endpoint: Endpoint) -> list[Delivery]:
    return list(Delivery.objects.filter(endpoint=endpoint).defer("body").order_by("-id")[:LISTED])


def delivery_retry(*, endpoint: Endpoint, message_id: str) -> Delivery:
    """Send a delivery again now; one that got its 2xx is not sent again (`conflict`)."""
    if not MESSAGE_ID.fullmatch(message_id):  # a NUL would reach PostgreSQL, which refuses it: a 500
        raise NotFound("There is no such delivery.")
    with transaction.atomic():
        delivery = Delivery.objects.filter(endpoint=endpoint, message_id=message_id).defer("body").first()
        if delivery is None:
            raise NotFound("There is no such delivery.")
        if not attempts.reopen(Delivery, delivery.pk):
            raise Conflict("This delivery was delivered; it is not sent again.")
        send_now.enqueue(delivery.pk)
    delivery.refresh_from_db()
    return delivery
