"""The event names an endpoint may subscribe to: every websocket event (protocol §4, §7, §8, §10),
and `ping`.

A closed list rather than "any string", so that a typo (`item.add` for `item.added`) is refused
when the endpoint is added instead of silently never firing. §10's events (estimates, capacity,
stacks) are listed with the rest as the contract names them, so an integration can subscribe before
the board sends them. tests/webhooks/test_events.py holds this list to the names the ops emit.
"""

from __future__ import annotations

from typing import Any

from core.errors import BadRequest, Invalid

PING = "ping"
ALL = "*"

EVENT_NAMES: tuple[str, ...] = (
    # §4: the board
    "item.added",
    "item.edited",
    "item.moved",
    "item.deleted",
    "vote.changed",
    "votes.revealed",
    "item.owners",
    "item.status",
    "lane.added",
    "lane.renamed",
    "lane.moved",
    "lane.deleted",
    "phase.changed",
    "goal.edited",
    "timer.changed",
    "confidence.changed",
    "member.joined",
    "member.ready",
    "member.changed",
    "member.removed",
    "walk.focused",
    # §7: after the agreement
    "item.progress",
    "item.helpers",
    "checkin.recorded",
    # §8: the agenda
    "agenda.changed",
    "agenda.stepped",
    # §10: the planning game
    "item.estimated",
    "item.stacked",
    "items.revealed",
    "planning.changed",
)

SUBSCRIBABLE = frozenset({*EVENT_NAMES, PING})

# More than every name there is: a list that long is a mistake, not a subscription.
EVENTS_MAX = len(SUBSCRIBABLE)


def clean_events(value: Any) -> list[str]:
    """The subscription as stored: known names without repeats, or ["*"]."""
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise BadRequest('`events` must be a list of event names, or ["*"].', field="events")
    if not value:
        raise Invalid("events", 'Choose at least one event, or ["*"] for all.')
    if len(value) > EVENTS_MAX:
        raise Invalid("events", f"At most {EVENTS_MAX} event names.")
    if ALL in value:
        if len(set(value)) > 1:
            raise Invalid("events", '"*" already means every event; give it alone.')
        return [ALL]
    unknown = [name for name in value if name not in SUBSCRIBABLE]
    if unknown:
        raise Invalid("events", f"There is no event named {unknown[0]!r}.", unknown=unknown)
    return list(dict.fromkeys(value))
