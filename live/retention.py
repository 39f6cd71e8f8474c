"""How long the event log and the op receipts are kept, and pruning what is older.

Old rows are safe to drop because of who reads them. The log serves sockets that catch up, and
both ways notice a missing event: after a reconnect, `planning.snapshot.catch_up` sends a replay
only when every event after the client's seq is still there, and a fresh snapshot otherwise; a
connected socket whose gap the log cannot fill (`logged_frames`) is closed by room.consumers,
and reconnects to a snapshot. So a client never gets a replay with a hole. Nothing else reads
events; the exports' "Changed since" compares plan versions. A receipt answers an op resent after
a reconnect, which clients do within seconds. `workshop.seq` lives on the workshop row, so a
workshop whose every event was pruned goes on numbering where it stopped.

Pruning runs beside the live app (cron), so it deletes in batches, each its own short transaction
holding few row locks; appends and reads go on meanwhile, and no workshop row is locked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import models
from django.db.models import Exists, OuterRef

from core import clock
from live.models import Event, LogCursor, OpReceipt

# A client resends its unacknowledged ops right after it reconnects, seconds after the first send;
# a day covers a laptop that slept through the night. A ref resent after its receipt is gone is
# applied again.
RECEIPT_RETENTION = timedelta(days=1)

# Rows per DELETE: each batch locks at most this many rows for a few milliseconds.
BATCH_SIZE = 1000


@dataclass(frozen=True)
class Pruned:
    """Rows deleted (or, in a dry run, that would be), and the cut-offs they were older than."""

    events: int
    receipts: int
    events_before: datetime
    receipts_before: datetime


def log_prune(*, event_retention: timedelta, batch_size: int = BATCH_SIZE, dry_run: bool = False) -> Pruned:
    """Delete events older than `event_retention` and receipts older than RECEIPT_RETENTION."""
    now = clock.now()
    events_before = now - event_retention
    receipts_before = now - RECEIPT_RETENTION
    return Pruned(
        events=_prune(Event, events_before, batch_size=batch_size, dry_run=dry_run),
        receipts=_prune(OpReceipt, receipts_before, batch_size=batch_size, dry_run=dry_run),
        events_before=events_before,
        receipts_before=receipts_before,
    )


def _prune(model: type[Event] | type[OpReceipt], before: datetime, *, batch_size: int, dry_run: bool) -> int:
    """Rows are written in primary-key order, at the time of their op, so the old ones come first.

    They are walked by primary key (its index; `created_at` has none, which would cost every op
    an index update), up to the first row that is recent enough: one pass over the old rows,
    never over the recent ones. A row written out of order (clocks of two machines a moment
    apart) is caught by the next run.
    """
    old = model.objects.filter(created_at__lt=before)
    if model is Event:
        old = old.exclude(Exists(LogCursor.objects.filter(workshop=OuterRef("workshop"), seq__lt=OuterRef("seq"))))
    first_kept = model.objects.filter(created_at__gte=before).order_by("pk").values_list("pk", flat=True).first()
    if first_kept is not None:
        old = old.filter(pk__lt=first_kept)
    if dry_run:
        return old.count()
    deleted = 0
    after = 0
    while True:
        batch = list(old.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:batch_size])
        if not batch:
            return deleted
        deleted += _delete(model, batch)
        after = batch[-1]


def _delete(model: type[models.Model], pks: list[int]) -> int:
    """One batch: nothing refers to these rows, so Django deletes them in one statement."""
    count, _ = model.objects.filter(pk__in=pks).delete()
    return count
