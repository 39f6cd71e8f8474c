"""Sending deliveries: one job per endpoint drains what is due, signed as Standard Webhooks asks.

A job holds one `Poster` for its whole run, so a backlog goes down one kept-alive connection. Each
delivery is claimed first (outbound.attempts), so a second job or worker never sends it at once,
and one that got its 2xx is never sent again. One job at a time sends to an endpoint (a lease on
its row, `sending_until`): a job that finds the lease held leaves, and the holder looks again for
what became due before it lets go, so nothing is left behind and a slow receiver holds one worker
thread, never all of them. A receiver that gives no answer at all (down, unreachable, hanging
until the timeout), or one that asks us to wait (a 429 or 503 with Retry-After), ends the run and
rests the endpoint until the failed delivery's retry (`resting_until`): the rest of the backlog is
not made to wait for a timeout each, nor sent into a rate limit. What is left
is sent by the job queued for that retry, or by the tick's sweep, whichever comes first.

An endpoint that has failed every delivery for 24 hours (`failing_since`, the first failure after
a success) is deactivated and its pending deliveries marked failed; a later success (a
facilitator's retry or test) makes it active again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone
from standardwebhooks import Webhook

from core import clock
from jobs.tasks import task, waiting
from outbound import attempts
from outbound.attempts import Status
from outbound.http import TIMEOUT_SECONDS, Answer, Poster
from outbound.secrets import unseal
from webhooks.models import Delivery, Endpoint

logger = logging.getLogger(__name__)

# Failing this long without one success deactivates an endpoint (protocol §9).
DEACTIVATE_AFTER = timedelta(hours=24)
# Deliveries one job sends; a longer backlog is sent by the job it queues.
DRAIN_MAX = 200
# How long a job holds an endpoint; renewed as it goes, so only a dead worker's lease runs out.
SEND_LEASE = timedelta(seconds=60)


def timeout() -> float:
    """A 2xx within 10 s is a delivery (protocol §9); tests shorten it for a receiver that hangs."""
    return float(getattr(settings, "WEBHOOKS_TIMEOUT_SECONDS", TIMEOUT_SECONDS))


def signed_headers(secret: str, message_id: str, body: bytes) -> dict[str, str]:
    """The Standard Webhooks headers. The timestamp is the wall clock's, not core.clock's: it is
    there for the receiver to refuse replays by its own clock."""
    sent_at = timezone.now()
    return {
        "webhook-id": message_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, sent_at, body),
    }


def attempt(
    poster: Poster, endpoint: Endpoint, secret: str, delivery_id: int, *, force: bool = False
) -> Delivery | None:
    """Send one delivery if this worker wins its claim; the delivery as recorded, or None."""
    if not attempts.claim(Delivery, delivery_id, force=force):
        return None
    delivery = Delivery.objects.only("message_id", "body").get(pk=delivery_id)
    body = delivery.body.encode()
    answer = poster.post(endpoint.url, body, signed_headers(secret, delivery.message_id, body))
    error = answer.error or ("" if answer.ok else f"The receiver answered {answer.status}.")
    recorded = attempts.record(
        Delivery, delivery_id, ok=answer.ok, status_code=answer.status, error=error, retry_after=answer.retry_after
    )
    outcome(endpoint, answer)
    return recorded  # type: ignore[return-value]


def outcome(endpoint: Endpoint, answer: Answer) -> None:
    now = clock.now()
    rows = Endpoint.objects.filter(pk=endpoint.pk)
    if answer.ok:
        rows.filter(Q(failing_since__isnull=False) | Q(active=False) | Q(resting_until__isnull=False)).update(
            failing_since=None, active=True, deactivated_at=None, resting_until=None
        )
        endpoint.failing_since, endpoint.active, endpoint.deactivated_at = None, True, None
        return
    rows.filter(failing_since__isnull=True).update(failing_since=now)
    endpoint.refresh_from_db(fields=["failing_since", "active"])
    if endpoint.active and endpoint.failing_since is not None and now - endpoint.failing_since >= DEACTIVATE_AFTER:
        rows.filter(active=True).update(active=False, deactivated_at=now)
        endpoint.active = False
        logger.info("Webhook endpoint %s deactivated after failing since %s", endpoint.pk, endpoint.failing_since)
    if not endpoint.active:
        # Nothing sends to an inactive endpoint: what waited for it will not be sent.
        Delivery.objects.filter(endpoint=endpoint, status=Status.PENDING).update(
            status=Status.FAILED, next_attempt_at=None, leased_until=None
        )


def retry_later(endpoint: Endpoint, failed: list[Delivery]) -> None:
    times = [delivery.next_attempt_at for delivery in failed if delivery.status == Status.PENDING]
    if endpoint.active and times:
        send_due.using(run_after=min(t for t in times if t is not None)).enqueue(endpoint.pk)


def _take(endpoint_id: int, *, resting_too: bool = False) -> bool:
    now = clock.now()
    free = Q(sending_until__isnull=True) | Q(sending_until__lt=now)
    rows = Endpoint.objects.filter(free, pk=endpoint_id)
    if not resting_too:
        rows = rows.filter(active=True).exclude(resting_until__gt=now)
    return bool(rows.update(sending_until=now + SEND_LEASE))


def _release(endpoint_id: int) -> None:
    Endpoint.objects.filter(pk=endpoint_id).update(sending_until=None)


def _due_ids(endpoint_id: int, limit: int) -> list[int]:
    return list(
        Delivery.objects.filter(attempts.due(), endpoint_id=endpoint_id)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )


@task()
def send_due(endpoint_id: int) -> int:
    """Send the endpoint's due deliveries, oldest first, unless another job is at it; on a failure,
    queue itself for the retry."""
    sent = 0
    while _take(endpoint_id):
        try:
            batch, more = _drain(endpoint_id)
            sent += batch
        finally:
            _release(endpoint_id)
        # Delivered what was due: look again, after letting go, for what became due meanwhile (a
        # job that found the lease held has left it to us).
        if more is None or (not more and not _due_ids(endpoint_id, 1)):
            break
    return sent


def _drain(endpoint_id: int) -> tuple[int, bool | None]:
    """What one lease sends: the count, and whether more is due (None: stopped by a failure).

    The batch is claimed in one UPDATE and its successes recorded in another, so a busy endpoint
    costs the database a few statements per batch rather than three per delivery."""
    endpoint = Endpoint.objects.filter(pk=endpoint_id, active=True).first()
    if endpoint is None:
        return 0, None
    secret = unseal(endpoint.secret_sealed)
    due = _due_ids(endpoint_id, DRAIN_MAX + 1)
    # The endpoint's lease is the claim: no other job sends to it meanwhile (a facilitator's retry
    # waits for the lease too), so the batch costs no UPDATE before it is sent.
    claimed = due[:DRAIN_MAX]
    bodies = dict(Delivery.objects.filter(pk__in=claimed).values_list("pk", "message_id"))
    texts = dict(Delivery.objects.filter(pk__in=claimed).values_list("pk", "body"))
    delivered: dict[int, int] = {}
    failed: list[Delivery] = []
    renew_at = clock.now() + SEND_LEASE / 2
    with Poster(timeout()) as poster:
        for delivery_id in claimed:
            if clock.now() >= renew_at:
                Endpoint.objects.filter(pk=endpoint_id).update(sending_until=clock.now() + SEND_LEASE)
                renew_at = clock.now() + SEND_LEASE / 2
            body = texts[delivery_id].encode()
            answer = poster.post(endpoint.url, body, signed_headers(secret, bodies[delivery_id], body))
            if answer.ok:
                assert answer.status is not None
                delivered[delivery_id] = answer.status
                continue
            error = answer.error or f"The receiver answered {answer.status}."
            Delivery.objects.filter(pk=delivery_id).update(attempts=F("attempts") + 1)
            recorded = attempts.record(
                Delivery,
                delivery_id,
                ok=False,
                status_code=answer.status,
                error=error,
                retry_after=answer.retry_after,
            )
            failed.append(recorded)  # type: ignore[arg-type]
            outcome(endpoint, answer)
            if answer.status is None or answer.retry_after is not None or not endpoint.active:
                if recorded.next_attempt_at is not None:
                    Endpoint.objects.filter(pk=endpoint_id).update(resting_until=recorded.next_attempt_at)
                break
    attempts.record_delivered(Delivery, delivered)
    if delivered:
        outcome(endpoint, Answer(next(iter(delivered.values()))))
    retry_later(endpoint, failed)
    sent = len(delivered) + len(failed)
    if failed:
        return sent, None
    return sent, len(due) > DRAIN_MAX


@task()
def send_now(delivery_id: int) -> bool:
    """A facilitator's retry or test: this delivery, now, whatever its endpoint's schedule (a resting
    endpoint too). When a job holds the endpoint, the delivery is due now and that job sends it."""
    delivery = Delivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None:
        return False
    endpoint = delivery.endpoint
    if not _take(endpoint.pk, resting_too=True):
        return False
    try:
        with Poster(timeout()) as poster:
            recorded = attempt(poster, endpoint, unseal(endpoint.secret_sealed), delivery_id, force=True)
    finally:
        _release(endpoint.pk)
    if recorded is None:
        return False
    if recorded.status != Status.DELIVERED:
        retry_later(endpoint, [recorded])
    return recorded.status == Status.DELIVERED


def queued_for(now: datetime) -> set[int]:
    """Endpoints that a send job due by now will serve already."""
    queued = waiting(send_due, due_by=now).values_list("args_kwargs", flat=True)
    return {args_kwargs["args"][0] for args_kwargs in queued}


def sweep() -> int:
    """The tick's part: queue a send for each endpoint with a due delivery and no job on its way
    (a job lost with its process, a lease expired under a killed worker)."""
    now = clock.now()
    endpoints = set(
        Delivery.objects.filter(attempts.due(now), endpoint__active=True)
        .exclude(endpoint__resting_until__gt=now)
        .values_list("endpoint_id", flat=True)
    )
    endpoints -= queued_for(now)
    for endpoint_id in sorted(endpoints):
        send_due.enqueue(endpoint_id)
    prune()
    return len(endpoints)


# The deliveries list shows the last 100 (protocol §9); finished ones older than that go.
KEPT = 100


# Rows one DELETE removes, and the most one tick removes: a busy endpoint's thousands of old
# deliveries go in short statements spread over ticks, not in one that stalls the board's writes.
PRUNE_BATCH = 500
PRUNE_PER_TICK = 20_000


def prune() -> int:
    deleted = 0
    for endpoint_id in Endpoint.objects.values_list("pk", flat=True):
        newest = Delivery.objects.filter(endpoint_id=endpoint_id).order_by("-id").values_list("id", flat=True)
        kept = list(newest[KEPT - 1 : KEPT])
        if not kept:
            continue
        while deleted < PRUNE_PER_TICK:
            batch = list(
                Delivery.objects.filter(endpoint_id=endpoint_id, id__lt=kept[0])
                .exclude(status=Status.PENDING)
                .order_by("id")
                .values_list("id", flat=True)[:PRUNE_BATCH]
            )
            if not batch:
                break
            deleted += Delivery.objects.filter(pk__in=batch).delete()[0]
    return deleted
