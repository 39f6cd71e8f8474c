"""The record of every change to a workshop, the receipts of its ops, and its open sockets.

The engine is generic: it knows the workshop and member models only as settings name them
(`LIVE_WORKSHOP_MODEL`, `LIVE_MEMBER_MODEL`, as `AUTH_USER_MODEL` names the user), so that the
apps built on it import it and never the other way round. What it needs of them: a workshop row
with a `seq` (the last event's), and a member row with `workshop`, `role` and `removed_at`.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models


def workshop_model() -> type[models.Model]:
    return apps.get_model(settings.LIVE_WORKSHOP_MODEL, require_ready=False)


def member_model() -> type[models.Model]:
    return apps.get_model(settings.LIVE_MEMBER_MODEL, require_ready=False)


class Event(models.Model):
    """The workshop's log: one row per change, numbered by a gapless seq."""

    workshop = models.ForeignKey(settings.LIVE_WORKSHOP_MODEL, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    name = models.CharField(max_length=40)
    actor = models.ForeignKey(settings.LIVE_MEMBER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    ref = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 (null: not caused by an op)
    data = models.JSONField()
    # Extra fields only one member may see (which item they voted on), merged
    # into the event for that member's own sockets: {"member": id, "data": {...}}.
    private = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seq"]
        constraints = [models.UniqueConstraint(fields=["workshop", "seq"], name="gapless_seq_per_workshop")]

    def __str__(self) -> str:
        return f"{self.workshop_id}#{self.seq} {self.name}"


class OpReceipt(models.Model):
    """That a member's op with this ref was committed, and the seq it was acked with."""

    workshop = models.ForeignKey(settings.LIVE_WORKSHOP_MODEL, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(settings.LIVE_MEMBER_MODEL, on_delete=models.CASCADE, related_name="+")
    ref = models.CharField(max_length=64)
    seq = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workshop", "member", "ref"], name="one_receipt_per_ref")]

    def __str__(self) -> str:
        return f"{self.member_id}:{self.ref} -> {self.seq}"


class LogCursor(models.Model):
    """How far one reader of the log (an integration's job) has read a workshop's events.

    A reader moves its cursor in the transaction that records what it made of the events, so each
    event is read once; pruning (live.retention) keeps every event a cursor has not passed.
    """

    reader = models.CharField(max_length=40)
    workshop = models.ForeignKey(settings.LIVE_WORKSHOP_MODEL, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveBigIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reader", "workshop"], name="one_cursor_per_reader")]

    def __str__(self) -> str:
        return f"{self.reader}@{self.workshop_id}#{self.seq}"


class Connection(models.Model):
    """An open websocket, so that presence is shared by every process."""

    workshop = models.ForeignKey(settings.LIVE_WORKSHOP_MODEL, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(settings.LIVE_MEMBER_MODEL, on_delete=models.CASCADE, related_name="connections")
    channel_name = models.CharField(max_length=200, unique=True)
    # The socket's session, hashed (a session key is a password): logging out closes the
    # sockets opened with that session, and only those.
    session_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    connected_at = models.DateTimeField(auto_now_add=True)
    seen_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.channel_name
