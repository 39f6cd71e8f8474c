"""The one path every change of a workshop takes, whichever app the op belongs to.

An operation runs inside `Change`: the workshop row is locked (so seq is gapless and in commit
order on PostgreSQL; SQLite's IMMEDIATE transactions serialize writers the same way), the actor is
re-read under that lock, a resent `ref` returns the first outcome instead of applying twice,
events are appended with the next seq, and after commit they are published and handed to the
`committed` seam.

The write rule, which every op follows and the change path enforces on both backends:

    An op reads and checks first, then says what to write, through its Change and nothing else:
    `insert`, `update`, `write` (raw SQL) and `save_workshop` are deferred, and run at commit in
    the order the op gave them, one statement after another, before the events; `insert_now`
    runs at once, for a new row whose id the op's events need. The op's later reads do not see
    its deferred writes, on either backend. Any other write while the op runs (`Model.save()`,
    `objects.create()`, a queryset's `update()` or `delete()`, a cursor of one's own) raises
    `WriteOutsideChange`.

Every op pays for this path, so it is plain SQL (see core.sql) in three round trips: the lock,
one query for the actor and its receipt, and one for all of the op's deferred writes, the
events, the seq and the receipt (PostgreSQL runs them as one multi-statement query, SQLite in
this process). When a room is busy, the ops of a workshop that queue up behind each other in one
process are run together in one transaction (`submit`): the lock, BEGIN, COMMIT and the hand-off are
paid once for the batch, and the outcome of each op is the one running them in turn would give.
"""

from __future__ import annotations

import functools
import re
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec

from django.db import connection, transaction
from django.db.models import Model

from core import clock
from core.errors import DomainError, Forbidden, NotFound, WrongPhase
from core.sql import Statement, columns, execute_together, fetch_one, insert, insert_statement, load, update_statement
from live import broadcast, committed
from live.models import Event, OpReceipt, member_model, workshop_model

P = ParamSpec("P")


class WriteOutsideChange(AssertionError):
    """An op wrote to the database behind its Change's back (the write rule, above)."""


@dataclass(frozen=True)
class Outcome:
    """What the sender is told: the seq to ack with, and the events it caused."""

    seq: int
    events: list[Event] = field(default_factory=list)
    duplicate: bool = False


class Change:
    def __init__(self, workshop: Any, actor: Any | None, ref: str | None) -> None:
        self.workshop = workshop
        self.actor = actor
        self.ref = ref
        self.pending: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
        self.writes: list[Statement] = []
        self.workshop_fields: list[str] = []
        self.writing_now = False
        self.wrote_now = False

    @property
    def member(self) -> Any:
        assert self.actor is not None
        return self.actor

    def require_role(self, roles: Iterable[str], message: str | None = None) -> None:
        if self.member.role not in roles:
            raise Forbidden(message)

    def require_phase(self, phases: Iterable[str], message: str | None = None) -> None:
        if self.workshop.phase not in phases:
            raise WrongPhase(message or f"That is not possible in the {self.workshop.phase} phase.")

    def emit(
        self,
        name: str,
        data: dict[str, Any],
        *,
        private: dict[str, Any] | None = None,
        only_for: tuple[int, dict[str, Any]] | None = None,
    ) -> None:
        """Log and send an event. `private` adds to `data` for one member's sockets; `only_for=(member,
        others)` sends `data` to that member alone and `others` to everyone else."""
        if only_for is not None:
            member, others = only_for
            private, data = {"member": member, "data": data, "whole": True}, others
        self.pending.append((name, data, private))

    def write(self, sql: str, params: Sequence[Any] = ()) -> None:
        """A statement of the op's own (a bulk UPDATE or DELETE), run at commit in its turn."""
        self.writes.append((sql, list(params)))

    def insert(self, objs: Sequence[Model], fields: Sequence[str] | None = None) -> None:
        """INSERT new instances (`fields`, attnames; by default every column) at commit; their ids
        stay unknown to the op."""
        if objs:
            self.writes.append(insert_statement(objs, fields))

    def insert_now(self, obj: Model, fields: Sequence[str] | None = None) -> None:
        """INSERT one new instance at once and set its id, for an op whose events carry it."""
        self.writing_now = self.wrote_now = True
        try:
            insert([obj], fields, returning_id=True)
        finally:
            self.writing_now = False

    def update(self, obj: Model, fields: Sequence[str]) -> None:
        """UPDATE a loaded instance's `fields` at commit, as `save(update_fields=...)` would."""
        if obj is self.workshop:
            self.save_workshop(*fields)
        else:
            self.writes.append(update_statement(obj, fields))

    def save_workshop(self, *fields: str) -> None:
        """Write these fields of `change.workshop` with the new seq, in the commit's one UPDATE of its row."""
        self.workshop_fields += [name for name in fields if name not in self.workshop_fields]

    def commit(self) -> Outcome:
        created_at = clock.now()
        seq = self.workshop.seq
        events = []
        for name, data, private in self.pending:
            seq += 1
            events.append(
                Event(
                    workshop_id=self.workshop.id,
                    seq=seq,
                    name=name,
                    actor=self.actor,
                    ref=self.ref,
                    data=data,
                    private=private,
                    created_at=created_at,
                )
            )
        writes = self.writes
        workshop_fields = self.workshop_fields
        if events:
            writes.append(insert_statement(events, EVENT_FIELDS))
            self.workshop.seq = seq
            workshop_fields = [*workshop_fields, "seq"]
        if workshop_fields:
            writes.append(update_statement(self.workshop, workshop_fields))
        if self.ref is not None and self.actor is not None:
            receipt = OpReceipt(
                workshop_id=self.workshop.id, member_id=self.actor.id, ref=self.ref, seq=seq, created_at=created_at
            )
            writes.append(insert_statement([receipt], RECEIPT_FIELDS))
        if writes:
            execute_together(writes)
        return Outcome(seq=seq, events=events)


EVENT_FIELDS = ("workshop_id", "seq", "name", "actor_id", "ref", "data", "private", "created_at")
RECEIPT_FIELDS = ("workshop_id", "member_id", "ref", "seq", "created_at")


def _after_commit(workshop_id: str, events: list[Event]) -> None:
    broadcast.publish(workshop_id, events)
    committed.deliver(committed.Committed(workshop_id=workshop_id, after=events[0].seq - 1, events=tuple(events)))


def _hand_off_on_commit(workshop_id: str, outcomes: Iterable[Outcome]) -> None:
    """Publish a transaction's events, and hand them to `committed`, once it commits: a batch of
    ops is one message to the sockets and one change to the seam."""
    events = [event for outcome in outcomes for event in outcome.events]
    if events:
        transaction.on_commit(functools.partial(_after_commit, workshop_id, events))


# What an op may run itself while it performs: reads, and the savepoints of a nested atomic().
_READ = re.compile(r"\s*(SELECT|SAVEPOINT|RELEASE|ROLLBACK TO)\b", re.IGNORECASE)


@contextmanager
def _only_reads(change: Change) -> Iterator[None]:
    def guard(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if not change.writing_now and not _READ.match(sql):
            raise WriteOutsideChange(
                f"An op wrote outside its Change: {sql[:120]!r}. Use change.insert, update, write, "
                "save_workshop or insert_now (live/changes.py, the write rule)."
            )
        return execute(sql, params, many, context)

    with connection.execute_wrapper(guard):
        yield


@functools.cache
def _lock_sql(vendor: str) -> str:
    # NO KEY UPDATE: ops still wait for each other and for a snapshot's FOR SHARE, but not for a
    # transaction that inserts a row referencing the workshop (a socket's presence row, a job's
    # record), whose foreign-key check holds FOR KEY SHARE on the workshop row until it commits.
    model = workshop_model()
    lock = {"postgresql": " FOR NO KEY UPDATE", "sqlite": ""}.get(vendor, " FOR UPDATE")
    return f"SELECT {columns(model, 'w')} FROM {model._meta.db_table} w WHERE w.id = %s{lock}"  # noqa: S608 (model metadata only)


def lock_workshop(workshop_id: str) -> Any:
    found = fetch_one(_lock_sql(connection.vendor), [workshop_id])
    if found is None:
        raise NotFound("There is no such workshop.")
    return load(workshop_model(), found)


@functools.cache
def _actor_sql() -> str:
    # A statement after the lock, so on PostgreSQL it sees what committed before the lock was granted.
    member = member_model()
    return (
        f"SELECT {columns(member, 'm')}, (SELECT r.seq FROM {OpReceipt._meta.db_table} r"  # noqa: S608 (model metadata only)
        " WHERE r.workshop_id = m.workshop_id AND r.member_id = m.id AND r.ref = %s)"
        f" FROM {member._meta.db_table} m WHERE m.id = %s AND m.workshop_id = %s AND m.removed_at IS NULL"
    )


def read_actor(workshop_id: str, actor_id: int, ref: str | None) -> tuple[Any, int | None]:
    """The actor, still a member, and the seq its op with `ref` was acked with if it was committed."""
    found = fetch_one(_actor_sql(), [ref, actor_id, workshop_id])
    if found is None:
        raise Forbidden("You are no longer a member of this workshop.")
    return load(member_model(), found[:-1]), found[-1]


class _Unbatch(Exception):
    """A batch cannot stand as it is; it is rolled back and its ops run one by one."""


@dataclass
class _Waiting:
    """An op queued for its workshop; `future` gets its outcome from whichever thread runs it."""

    actor_id: int | None
    ref: str | None
    perform: Callable[[Change], None]
    future: Future[Outcome]

    @property
    def batchable(self) -> bool:
        # A member's op with a ref: it reads and writes through its Change only, so running it
        # again after a rolled-back batch has no effect but its own. Joins and admin changes
        # (no actor or no ref) may collect results in their closure; they run alone.
        return self.actor_id is not None and self.ref is not None


class _Workshop:
    """This process's queue of a workshop's ops, and the mutex of the thread that runs them, held
    from the lock to the after-commit hand-off, so that its changes reach `committed` in seq order."""

    def __init__(self) -> None:
        self.mutex = threading.Lock()
        self.queue: deque[_Waiting] = deque()


_workshops: weakref.WeakValueDictionary[str, _Workshop] = weakref.WeakValueDictionary()
_workshops_lock = threading.Lock()

# Ops one transaction holds at most: enough to carry a busy room, few enough that the first of
# them is not kept waiting for long.
BATCH_MAX = 16


def _workshop_queue(workshop_id: str) -> _Workshop:
    with _workshops_lock:
        found = _workshops.get(workshop_id)
        if found is None:
            found = _workshops[workshop_id] = _Workshop()
        return found


def _perform(change: Change, perform: Callable[[Change], None]) -> Outcome:
    with _only_reads(change):
        perform(change)
    return change.commit()


def _run_alone(workshop_id: str, op: _Waiting) -> Outcome:
    with transaction.atomic():
        workshop = lock_workshop(workshop_id)
        outcome = _apply(workshop, op)
        _hand_off_on_commit(workshop_id, [outcome])
        return outcome


def _apply(workshop: Any, op: _Waiting, made: list[Change] | None = None) -> Outcome:
    actor = None
    if op.actor_id is not None:
        actor, receipt_seq = read_actor(workshop.id, op.actor_id, op.ref)
        if receipt_seq is not None:
            return Outcome(seq=receipt_seq, duplicate=True)
    change = Change(workshop, actor, op.ref)
    if made is not None:
        made.append(change)
    return _perform(change, op.perform)


def _run_together(workshop_id: str, ops: list[_Waiting]) -> None:
    """Ops that queued up behind each other, in one transaction: one lock, one commit.

    Each op reads what the ops before it wrote (their writes run before the next op starts), so
    the outcome is the one running them one after another gives. A refused op wrote nothing (the
    write rule defers every write to its commit), so the others go on; the workshop is read
    again after it, in case the op changed its fields in memory before it was refused. An op that
    was refused after writing (`insert_now`), or anything but a refusal, rolls the batch back and
    its ops run one by one, each failing alone."""
    try:
        with transaction.atomic():
            workshop = lock_workshop(workshop_id)
            results: list[tuple[Outcome | None, DomainError | None]] = []
            for op in ops:
                made: list[Change] = []
                try:
                    results.append((_apply(workshop, op, made), None))
                except DomainError as refused:
                    if any(change.wrote_now for change in made):
                        raise _Unbatch from refused
                    results.append((None, refused))
                    workshop = lock_workshop(workshop_id)
            _hand_off_on_commit(workshop_id, [outcome for outcome, _ in results if outcome is not None])
    except Exception:
        for op in ops:
            _run_one(workshop_id, op)
        return
    for op, (outcome, error) in zip(ops, results, strict=True):
        if error is not None:
            op.future.set_exception(error)
        else:
            op.future.set_result(outcome)


def submit(
    workshop_id: str,
    actor_id: int | None,
    ref: str | None,
    perform: Callable[[Change], None],
    future: Future[Outcome] | None = None,
    *,
    keep_running: bool = True,
) -> Future[Outcome]:
    """Queue an op for its workshop, and run the queue unless another thread is running it; the
    outcome (or the refusal) arrives on the future, set by whichever thread ran the op.

    A thread that finds the queue being run leaves its op there and returns at once, so a busy
    room's ops pile up in one queue instead of each holding a thread while it waits, and the one
    running thread takes them in batches (`_run_together`): the lock, the transaction and the
    hand-off are paid once per batch, however many ops came in meanwhile. With `keep_running`
    False (a caller that blocks on the outcome: `run`, HTTP views) the thread stops once its own
    op is done and leaves the rest of the queue to a thread of its own, so a page is never held
    up by a busy room's ops. A caller inside a transaction of its own gets its op run on its own
    thread, in that transaction."""
    # Once queued, an op runs whether or not anyone still waits for it (a socket that closed):
    # its future can no longer be cancelled, so setting its outcome never fails.
    if future is None or not future.set_running_or_notify_cancel():
        future = Future()
        future.set_running_or_notify_cancel()
    op = _Waiting(actor_id, ref, perform, future)
    queued = _workshop_queue(workshop_id)
    inside_a_transaction = connection.in_atomic_block
    if inside_a_transaction:
        # The caller's transaction must hold its op (and roll it back with the rest): it runs here,
        # in its turn.
        with queued.mutex:
            _run_one(workshop_id, op)
    else:
        queued.queue.append(op)
        _run_queue(workshop_id, queued, until=None if keep_running else op)
    if (inside_a_transaction or not keep_running) and queued.queue:
        # This thread stopped at its own op while others wait: a thread of their own runs them.
        threading.Thread(target=_run_queue_apart, args=(workshop_id, queued), name="ops", daemon=True).start()
    return op.future


def _run_queue(workshop_id: str, queued: _Workshop, until: _Waiting | None = None) -> None:
    """Run the queue's batches while this thread can take it, or until `until` is done."""
    # After letting go of the mutex, look again: an op queued while this thread still held it
    # found the mutex taken and left its op to this thread.
    while queued.queue and not (until and until.future.done()) and queued.mutex.acquire(blocking=False):
        try:
            while queued.queue and not (until and until.future.done()):
                batch = _take_batch(queued.queue)
                try:
                    if len(batch) == 1:
                        _run_one(workshop_id, batch[0])
                    else:
                        _run_together(workshop_id, batch)
                except BaseException as error:
                    for left in batch:
                        if not left.future.done():
                            left.future.set_exception(error)
                    raise
        finally:
            queued.mutex.release()


def _run_queue_apart(workshop_id: str, queued: _Workshop) -> None:
    try:
        _run_queue(workshop_id, queued)
    finally:
        connection.close()


def run(workshop_id: str, actor_id: int | None, ref: str | None, perform: Callable[[Change], None]) -> Outcome:
    """Apply one op and wait for its outcome."""
    return submit(workshop_id, actor_id, ref, perform, keep_running=False).result()


def _run_one(workshop_id: str, op: _Waiting) -> None:
    try:
        outcome = _run_alone(workshop_id, op)
    except BaseException as error:
        op.future.set_exception(error)
    else:
        op.future.set_result(outcome)


def _take_batch(queue: deque[_Waiting]) -> list[_Waiting]:
    """The ops at the head of the queue that may run together, or the first op alone."""
    first = queue.popleft()
    batch = [first]
    if not first.batchable:
        return batch
    while queue and len(batch) < BATCH_MAX and queue[0].batchable:
        batch.append(queue.popleft())
    return batch


def start(workshop: Model, perform: Callable[[Change], None]) -> Outcome:
    """Create `workshop` and make its first change: what a new workshop holds from the start.

    The row is saved first (nobody else can see it before commit, so nothing is locked); the
    rest follows the write rule like any other op.
    """
    with transaction.atomic():
        workshop.save(force_insert=True)
        outcome = _perform(Change(workshop, None, None), perform)
        _hand_off_on_commit(workshop.id, [outcome])
        return outcome


def operation(fn: Callable[Concatenate[Change, P], None]) -> Callable[..., Outcome]:
    """Turn `fn(change, **fields)` into `fn(*, workshop_id, actor_id, ref=None, **fields)`."""

    @functools.wraps(fn)
    def wrapper(*, workshop_id: str, actor_id: int, ref: str | None = None, **fields: Any) -> Outcome:
        return run(workshop_id, actor_id, ref, lambda change: fn(change, **fields))

    def queue(*, workshop_id: str, actor_id: int, ref: str, future: Future[Outcome], **fields: Any) -> Future[Outcome]:
        return submit(workshop_id, actor_id, ref, lambda change: fn(change, **fields), future)

    wrapper.submit = queue  # type: ignore[attr-defined]
    return wrapper
