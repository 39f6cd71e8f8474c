"""Readers of the event log: how what happens on a board reaches jobs, once per event.

An integration (mail, webhooks, chat) registers a `Reader`. After each committed change the
seam (live.committed) asks every reader whether the change holds anything for it (`wants`: quick,
on the committing thread); if so, a `read_log` job is queued. That job reads the workshop's events
past the reader's cursor (live.models.LogCursor), hands them to the reader and moves the cursor,
all in one transaction: what the reader records for an event (a delivery row, a mail) is
recorded exactly once, whatever crashes, retries or second workers do. A change whose job was
never queued (the process died right after the commit) is caught up by the periodic tick
(jobs.tick), which queues `read_log` for every cursor behind its workshop.

A reader starts where its cursor is created: `start(reader, workshop_id)` sets it at the
workshop's current seq (when a webhook is added, say), and a reader with no cursor in a workshop
starts with the change that made it want one.
"""

from __future__ import annotations

import atexit
import logging
import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import F

from jobs.tasks import task, waiting
from live.committed import Committed
from live.models import Event, LogCursor, workshop_model

logger = logging.getLogger(__name__)

# Events a job reads at once; a longer backlog is read by the job queuing itself again.
BATCH = 500


@dataclass(frozen=True)
class Reader:
    name: str
    # Whether this committed change may hold anything for the reader. Runs after every commit, on
    # the committing thread: a look at event names, or one indexed query at most.
    wants: Callable[[Committed], bool]
    # Records what the events mean for the reader (rows of its own, jobs queued on commit), inside
    # the transaction that moves its cursor. Events come in seq order, never twice.
    read: Callable[[str, Sequence[Event]], None]


_readers: dict[str, Reader] = {}


def register(reader: Reader) -> None:
    _readers[reader.name] = reader


def readers() -> tuple[Reader, ...]:
    return tuple(_readers.values())


def on_commit(change: Committed) -> None:
    """The committed seam's subscriber. It runs on the committing thread, inside the change path's
    per-workshop order, so every op of the workshop waits for it: with JOBS_QUEUE_IN_BACKGROUND (the
    default) it only hands the change to this process's queuing thread (`_Handoff`), which asks the
    readers and queues the jobs, and is drained before the process exits. A change lost with a
    crashed process before its read was queued is read by the tick's catch-up where its reader has
    a cursor, and not at all where it has none yet (as with queuing on the committing thread, whose
    window between the commit and the queuing is shorter but there too)."""
    if settings.JOBS_QUEUE_IN_BACKGROUND:
        _handoff.put(change)
    else:
        queue_reads([change])


def queue_reads(changes: Sequence[Committed]) -> None:
    """Queue a read for each reader that wants any of these changes, once per workshop."""
    by_workshop: dict[str, list[Committed]] = {}
    for change in changes:
        by_workshop.setdefault(change.workshop_id, []).append(change)
    for workshop_id, theirs in by_workshop.items():
        for reader in tuple(_readers.values()):
            try:
                if any(reader.wants(change) for change in theirs) and not _waiting(reader.name, workshop_id):
                    read_log.enqueue(reader.name, workshop_id, min(change.after for change in theirs))
            except Exception:
                logger.exception("Queuing the log reader %s for %s failed", reader.name, workshop_id)


class _Handoff:
    """Committed changes on their way to `queue_reads`, on a thread of their own."""

    def __init__(self) -> None:
        self.changes: queue.SimpleQueue[Committed] = queue.SimpleQueue()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.idle = threading.Event()
        self.idle.set()

    def put(self, change: Committed) -> None:
        self.idle.clear()
        self.changes.put(change)
        if self.thread is None:
            with self.lock:
                if self.thread is None:
                    self.thread = threading.Thread(target=self.run, name="jobs-handoff", daemon=True)
                    self.thread.start()
                    atexit.register(self.flush)

    def run(self) -> None:
        while True:
            batch = [self.changes.get()]
            while True:
                try:
                    batch.append(self.changes.get_nowait())
                except queue.Empty:
                    break
            try:
                queue_reads(batch)
            except Exception:
                logger.exception("Queuing log reads failed")
            finally:
                close_old_connections()
            if self.changes.empty():
                self.idle.set()

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until every change handed over so far has had its reads queued."""
        return self.idle.wait(timeout)


_handoff = _Handoff()


def flush(timeout: float = 10.0) -> bool:
    return _handoff.flush(timeout)


def _waiting(reader: str, workshop_id: str) -> bool:
    """Whether a read of this workshop is queued and not started. This change committed before
    the look, so such a job reads it too: a busy room queues one read per worker pass, not one per
    change. (A job already running may have read before this commit: then one is queued.)"""
    return waiting(read_log).filter(args_kwargs__args__0=reader, args_kwargs__args__1=workshop_id).exists()


def start(reader: str, workshop_id: str) -> None:
    """Read this workshop from its next event on (a reader that has not started reads from where it
    first wants a change)."""
    seq = workshop_model().objects.filter(pk=workshop_id).values_list("seq", flat=True).first()
    if seq is not None:
        LogCursor.objects.get_or_create(reader=reader, workshop_id=workshop_id, defaults={"seq": seq})


@task()
def read_log(reader_name: str, workshop_id: str, after: int) -> int:
    """Read the reader's next events in this workshop; `after` is where a new cursor starts."""
    reader = _readers.get(reader_name)
    if reader is None:
        logger.warning("No log reader named %s; its job does nothing", reader_name)
        return 0
    with transaction.atomic():
        if not workshop_model().objects.filter(pk=workshop_id).exists():
            return 0
        LogCursor.objects.get_or_create(reader=reader_name, workshop_id=workshop_id, defaults={"seq": after})
        cursor = LogCursor.objects.select_for_update().get(reader=reader_name, workshop_id=workshop_id)
        events = list(
            Event.objects.filter(workshop_id=workshop_id, seq__gt=cursor.seq)
            .select_related("actor")
            .order_by("seq")[:BATCH]
        )
        if not events:
            return 0
        reader.read(workshop_id, events)
        LogCursor.objects.filter(pk=cursor.pk).update(seq=events[-1].seq)
    if len(events) == BATCH:
        read_log.enqueue(reader_name, workshop_id, after)
    return len(events)


def catch_up() -> int:
    """Queue a read for every cursor its workshop has moved past (what a lost job left unread)."""
    behind = LogCursor.objects.filter(reader__in=list(_readers), workshop__seq__gt=F("seq")).values_list(
        "reader", "workshop_id", "seq"
    )
    count = 0
    for reader_name, workshop_id, seq in behind:
        read_log.enqueue(reader_name, workshop_id, seq)
        count += 1
    return count
