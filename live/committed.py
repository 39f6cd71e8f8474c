"""Where committed events leave the change path: the seam integrations subscribe to.

After a change commits, `live.changes` hands its events here, once, after publishing them to the
sockets. A subscriber is a plain callable taking `Committed`, registered by the app that owns it
(`subscribe`, from its AppConfig.ready) so that the list of what runs after a commit is explicit
and typed, and nothing rides on Django's signals.

What a subscriber can rely on: every committed change of this process exactly once, after its
transaction committed (never for a refused op, a duplicate ref or a rollback); its events in seq
order; and a workshop's changes made in this process in seq order, even from several threads (the
change path holds a per-workshop mutex through the hand-off). Changes committed by other
processes reach their own process's subscribers: `after` is the seq before this change's first
event, so a subscriber that needs every event of a workshop sees a gap (`after` beyond the last
seq it saw) and reads the missing ones from the log. A subscriber runs on the committing thread
and should be quick (enqueue a job, not send a mail); one that raises is logged and the others
still run.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Committed:
    workshop_id: str
    after: int
    events: tuple[Any, ...]  # live.models.Event, seqs after+1 … after+len(events)

    @property
    def last_seq(self) -> int:
        return self.after + len(self.events)


Subscriber = Callable[[Committed], None]

_subscribers: list[Subscriber] = []


def subscribe(subscriber: Subscriber) -> None:
    """Hand every committed change of this process to `subscriber` from now on (once per callable)."""
    if subscriber not in _subscribers:
        _subscribers.append(subscriber)


def unsubscribe(subscriber: Subscriber) -> None:
    if subscriber in _subscribers:
        _subscribers.remove(subscriber)


def deliver(change: Committed) -> None:
    for subscriber in tuple(_subscribers):
        try:
            subscriber(change)
        except Exception:
            logger.exception("A subscriber of committed changes failed: %r", subscriber)
