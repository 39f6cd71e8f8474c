"""Sending something once: the attempts, retries and lease of one message to another server.

Each message (a webhook delivery, a chat post, a mail) is a row with a unique key for its reason,
made when its reason is read from the log (jobs.log), so a reason makes one row however often it is
read. A job sends the row's message by first claiming an attempt, in one conditional UPDATE:
still pending, due, and not held by another worker's lease. Only the worker whose UPDATE matched
sends, so two workers never send one message at once, and a message that got its 2xx (or its
mail server's 250) is marked sent and never sent again.

A worker killed mid-send leaves the lease to expire (LEASE, longer than any attempt may take);
the tick then queues the row again. The receiver may have got that interrupted attempt; the retry
carries the same message id (`webhook-id`, `Message-ID`) so it can tell, as Standard Webhooks
asks of receivers.

Retries follow protocol §9: about 5 s, 5 min, 30 min, 2 h, 5 h and 10 h after the failures, each
moved by up to a tenth so that a receiver that came back is not hit by every retry at once.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Q

from core import clock

RETRY_AFTER = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
)
ATTEMPTS_MAX = len(RETRY_AFTER) + 1
# Longer than an attempt may last (a 10 s timeout on connecting and on each read, a slow mail
# server): a lease that old belonged to a worker that died.
LEASE = timedelta(seconds=90)
# A receiver's Retry-After moves the next attempt later than the schedule, never by more than the
# schedule's longest wait: a receiver cannot park a message for days.
RETRY_AFTER_MAX = RETRY_AFTER[-1]


class Status(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Attempted(models.Model):
    """What every outgoing message records about its sending."""

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True, db_index=True)
    leased_until = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True, default="")
    created_at = models.DateTimeField(default=clock.now)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


def retry_delay(attempts: int, *, jitter: float | None = None) -> timedelta | None:
    """How long after its `attempts`th failure a message is tried again; None once it has had all."""
    if attempts >= ATTEMPTS_MAX:
        return None
    delay = RETRY_AFTER[attempts - 1]
    spread = random.uniform(-0.1, 0.1) if jitter is None else jitter  # noqa: S311 (not a secret)
    return delay * (1 + spread)


def due(now: datetime | None = None) -> Q:
    now = now or clock.now()
    return Q(status=Status.PENDING, next_attempt_at__lte=now) & (Q(leased_until__isnull=True) | Q(leased_until__lt=now))


def claim(model: type[Attempted], pk: int, *, force: bool = False) -> bool:
    """Take the next attempt at this message; False when it is not due, is sent, or another worker
    holds it. `force` (a facilitator's "retry now") skips waiting for the retry's time."""
    now = clock.now()
    rows = model.objects.filter(pk=pk, status=Status.PENDING).filter(
        Q(leased_until__isnull=True) | Q(leased_until__lt=now)
    )
    if not force:
        rows = rows.filter(next_attempt_at__lte=now)
    return bool(rows.update(attempts=models.F("attempts") + 1, leased_until=now + LEASE))


def record_delivered(model: type[Attempted], delivered: dict[int, int]) -> None:
    """Record a batch of successes ({pk: status code}), each one attempt, in one UPDATE per status
    code: for a sender whose lease on the whole batch (webhooks' endpoint) stood for `claim`."""
    now = clock.now()
    by_code: dict[int, list[int]] = {}
    for pk, code in delivered.items():
        by_code.setdefault(code, []).append(pk)
    for code, pks in by_code.items():
        model.objects.filter(pk__in=pks).update(
            status=Status.DELIVERED,
            delivered_at=now,
            next_attempt_at=None,
            leased_until=None,
            last_status_code=code,
            last_error="",
            attempts=models.F("attempts") + 1,
        )


def record(
    model: type[Attempted],
    pk: int,
    *,
    ok: bool,
    status_code: int | None,
    error: str = "",
    retry_after: timedelta | None = None,
) -> Attempted:
    """Record the attempt just made: sent, or when to try again, or failed for good. A receiver
    that said when to come back (`retry_after`, its Retry-After) is tried then if that is later than
    the schedule's next attempt: asking again sooner would only be refused again."""
    now = clock.now()
    row = model.objects.get(pk=pk)
    row.leased_until = None
    row.last_status_code = status_code
    row.last_error = error[:300]
    if ok:
        row.status = Status.DELIVERED
        row.delivered_at = now
        row.next_attempt_at = None
    else:
        delay = retry_delay(row.attempts)
        if delay is None:
            row.status = Status.FAILED
            row.next_attempt_at = None
        else:
            if retry_after is not None:
                delay = max(delay, min(retry_after, RETRY_AFTER_MAX))
            row.next_attempt_at = now + delay
    row.save(
        update_fields=["leased_until", "last_status_code", "last_error", "status", "delivered_at", "next_attempt_at"]
    )
    return row


def reopen(model: type[Attempted], pk: int) -> int:
    """Make a failed message pending again, due now (a facilitator's retry); 0 when delivered."""
    return (
        model.objects.filter(pk=pk)
        .exclude(status=Status.DELIVERED)
        .update(status=Status.PENDING, next_attempt_at=clock.now(), leased_until=None)
    )
