"""A workshop's webhook endpoints and the deliveries made to them (protocol §9).

A delivery's body is built once, when its event is read from the log, and stored as the JSON text
that is sent: every retry sends the same bytes under the same `webhook-id`, whatever has changed on
the board since (a JSONField would not do: PostgreSQL's jsonb gives the keys back in its own order),
so a receiver that got an interrupted attempt can recognise the retry.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from core import clock
from goals.models import Member, Workshop
from outbound.attempts import Attempted

# How much a facilitator may write about an endpoint ("Zapier: new items to the CRM"): a note,
# not a document, and it is shown in every list.
DESCRIPTION_MAX = 500


class Endpoint(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    url = models.CharField(max_length=2000)
    # Event names, or ["*"] for every event.
    events = models.JSONField(default=list)
    description = models.CharField(max_length=DESCRIPTION_MAX, blank=True, default="")
    # The signing secret (`whsec_…`), sealed by outbound.secrets: a database copy alone does not
    # let anyone sign as Rallypoint.
    secret_sealed = models.TextField()
    # The workshop's seq when the endpoint was added: it gets the events after it, never before.
    after_seq = models.PositiveBigIntegerField(default=0)
    active = models.BooleanField(default=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    # When its deliveries started failing (the first failure after a success); 24 hours of nothing
    # but failures deactivates it.
    failing_since = models.DateTimeField(null=True, blank=True)
    # One job sends to an endpoint at a time (webhooks.sending): the one whose lease this is.
    sending_until = models.DateTimeField(null=True, blank=True)
    # After an attempt got no answer at all, nothing is sent until the failed delivery's retry: a
    # receiver that is down costs one timeout per retry, not one per event.
    resting_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["id"]
        # The log reader asks after every commit whether a workshop has an active endpoint.
        indexes = [models.Index(fields=["workshop", "active"], name="webhook_endpoint_active")]

    def __str__(self) -> str:
        return f"{self.workshop_id}: {self.url}"

    def wants(self, event_name: str) -> bool:
        return "*" in self.events or event_name in self.events


class Delivery(Attempted):
    """One event (or ping) for one endpoint. While a job holds the endpoint's lease it is the only
    one sending these, so a delivery's own lease (Attempted.leased_until) is only taken by a
    facilitator's retry."""

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    # The Standard Webhooks message id, `msg_…`: the `webhook-id` of every attempt.
    message_id = models.CharField(max_length=40, unique=True)
    type = models.CharField(max_length=40)
    # The event's seq; null for a ping.
    seq = models.PositiveBigIntegerField(null=True, blank=True)
    body = models.TextField()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "seq"], condition=Q(seq__isnull=False), name="one_delivery_per_event"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="webhook_delivery_due"),
            # What a send job reads: an endpoint's pending deliveries, oldest first, among the
            # many it keeps delivered for the list.
            models.Index(fields=["endpoint", "id"], name="webhook_delivery_pending", condition=Q(status="pending")),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} {self.type} -> {self.endpoint_id}"
