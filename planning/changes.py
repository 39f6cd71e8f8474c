"""The one path every change of a board takes.

An operation runs inside `Change`: the workshop row is locked (so seq is
gapless and in commit order on PostgreSQL; SQLite's IMMEDIATE transactions
serialize writers the same way), the actor is re-read under that lock, a
resent `ref` returns the first outcome instead of applying twice, events are
appended with the next seq, and they are published only after commit.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Concatenate, ParamSpec

from django.db import transaction

from goals.models import Member, Phase, Role, Workshop
from planning import broadcast, clock
from planning.errors import Forbidden, NotFound, WrongPhase
from planning.models import Event, OpReceipt

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
        if events:
            Event.objects.bulk_create(events)
            Workshop.objects.filter(pk=self.workshop.pk).update(seq=seq)
            self.workshop.seq = seq
            workshop_id = self.workshop.id
            transaction.on_commit(lambda: broadcast.publish(workshop_id, events))
        if self.ref is not None and self.actor is not None:
            OpReceipt.objects.create(workshop_id=self.workshop.id, member=self.actor, ref=self.ref, seq=seq)
        return Outcome(seq=seq, events=events)


def lock_workshop(workshop_id: str) -> Workshop:
    try:
        return Workshop.objects.select_for_update().get(pk=workshop_id)
    except Workshop.DoesNotExist:
        raise NotFound("There is no such workshop.") from None


def run(workshop_id: str, actor_id: int | None, ref: str | None, perform: Callable[[Change], None]) -> Outcome:
    with transaction.atomic():
        workshop = lock_workshop(workshop_id)
        actor = None
        if actor_id is not None:
            actor = Member.objects.present().filter(pk=actor_id, workshop=workshop).first()
            if actor is None:
                raise Forbidden("You are no longer a member of this workshop.")
            if ref is not None:
                receipt = OpReceipt.objects.filter(workshop=workshop, member=actor, ref=ref).first()
                if receipt is not None:
                    return Outcome(seq=receipt.seq, duplicate=True)
        change = Change(workshop, actor, ref)
        perform(change)
        return change.commit()


def operation(fn: Callable[Concatenate[Change, P], None]) -> Callable[..., Outcome]:
    """Turn `fn(change, **fields)` into `fn(*, workshop_id, actor_id, ref=None, **fields)`."""

    @functools.wraps(fn)
    def wrapper(*, workshop_id: str, actor_id: int, ref: str | None = None, **fields: Any) -> Outcome:
        return run(workshop_id, actor_id, ref, lambda change: fn(change, **fields))

    return wrapper
