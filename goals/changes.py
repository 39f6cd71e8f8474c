"""The one path every change of a workshop takes, whichever app the op belongs to.

An operation runs inside `Change`: the workshop row is locked (so seq is
gapless and in commit order on PostgreSQL; SQLite's IMMEDIATE transactions
serialize writers the same way), the actor is re-read under that lock, a
resent `ref` returns the first outcome instead of applying twice, events are
appended with the next seq, and they are published only after commit.

Every op pays for this path, so it is plain SQL (see core.sql) in three
round trips: the lock, one query for the actor and its receipt, and on
PostgreSQL one for the op's own writes (`Change.write`), the events, the seq
and the receipt together.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec

from django.db import connection, transaction

from core import broadcast, clock
from core.errors import Forbidden, NotFound, WrongPhase
from core.sql import Statement, columns, execute_together, fetch_one, insert_statement, load, update_statement
from goals.models import Event, Member, OpReceipt, Phase, Role, Workshop

P = ParamSpec("P")

FACILITATING = frozenset({Role.LEADER, Role.FACILITATOR})
PARTICIPATING = frozenset({Role.LEADER, Role.FACILITATOR, Role.MEMBER})


@dataclass(frozen=True)
class Outcome:
    """What the sender is told: the seq to ack with, and the events it caused."""

    seq: int
    events: list[Event] = field(default_factory=list)
    duplicate: bool = False


class Change:
    def __init__(self, workshop: Workshop, actor: Member | None, ref: str | None) -> None:
        self.workshop = workshop
        self.actor = actor
        self.ref = ref
        self.pending: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = []
        self.writes: list[Statement] = []
        self.workshop_fields: list[str] = []

    @property
    def member(self) -> Member:
        assert self.actor is not None
        return self.actor

    def require_role(self, roles: Iterable[str], message: str | None = None) -> None:
        if self.member.role not in roles:
            raise Forbidden(message)

    def require_phase(self, phases: Iterable[str], message: str | None = None) -> None:
        if self.workshop.phase not in phases:
            raise WrongPhase(message or f"That is not possible in the {self.workshop.phase} phase.")

    def require_open_board(self) -> None:
        """Nothing on the board changes once the plan is agreed, until it is reopened."""
        if self.workshop.phase == Phase.AGREED:
            raise WrongPhase("The plan is agreed; reopen it to change the board.")

    def emit(self, name: str, data: dict[str, Any], *, private: dict[str, Any] | None = None) -> None:
        self.pending.append((name, data, private))

    def write(self, sql: str, params: Sequence[Any] = ()) -> None:
        """A write nothing in this op reads back: it goes with the events, in the commit's round trip.

        Queries later in the op do not see it, and PostgreSQL runs all of them as one statement,
        which changes a row at most once: so one write per row, and none of the workshop's.
        """
        self.writes.append((sql, list(params)))

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
            workshop_id = self.workshop.id
            transaction.on_commit(lambda: broadcast.publish(workshop_id, events))
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


@functools.cache
def _lock_sql(for_update: bool) -> str:
    lock = " FOR UPDATE" if for_update else ""
    return f"SELECT {columns(Workshop, 'w')} FROM goals_workshop w WHERE w.id = %s{lock}"  # noqa: S608 (model metadata only)


def lock_workshop(workshop_id: str) -> Workshop:
    found = fetch_one(_lock_sql(connection.features.has_select_for_update), [workshop_id])
    if found is None:
        raise NotFound("There is no such workshop.")
    return load(Workshop, found)


@functools.cache
def _actor_sql() -> str:
    # A statement after the lock, so on PostgreSQL it sees what committed before the lock was granted.
    return (
        f"SELECT {columns(Member, 'm')}, (SELECT r.seq FROM goals_opreceipt r"  # noqa: S608 (model metadata only)
        " WHERE r.workshop_id = m.workshop_id AND r.member_id = m.id AND r.ref = %s)"
        " FROM goals_member m WHERE m.id = %s AND m.workshop_id = %s AND m.removed_at IS NULL"
    )


def read_actor(workshop_id: str, actor_id: int, ref: str | None) -> tuple[Member, int | None]:
    """The actor, still a member, and the seq its op with `ref` was acked with if it was committed."""
    found = fetch_one(_actor_sql(), [ref, actor_id, workshop_id])
    if found is None:
        raise Forbidden("You are no longer a member of this workshop.")
    return load(Member, found[:-1]), found[-1]


def run(workshop_id: str, actor_id: int | None, ref: str | None, perform: Callable[[Change], None]) -> Outcome:
    with transaction.atomic():
        workshop = lock_workshop(workshop_id)
        actor = None
        if actor_id is not None:
            actor, receipt_seq = read_actor(workshop.id, actor_id, ref)
            if receipt_seq is not None:
                return Outcome(seq=receipt_seq, duplicate=True)
        change = Change(workshop, actor, ref)
        perform(change)
        return change.commit()


def operation(fn: Callable[Concatenate[Change, P], None]) -> Callable[..., Outcome]:
    """Turn `fn(change, **fields)` into `fn(*, workshop_id, actor_id, ref=None, **fields)`."""

    @functools.wraps(fn)
    def wrapper(*, workshop_id: str, actor_id: int, ref: str | None = None, **fields: Any) -> Outcome:
        return run(workshop_id, actor_id, ref, lambda change: fn(change, **fields))

    return wrapper
