"""Arrange-and-act helpers of the planning tests: every op goes through `dispatch`, as a socket's would."""

from __future__ import annotations

import itertools
import json

import pytest

from goals.models import Workshop
from planning.broadcast import event_frame
from planning.errors import DomainError
from planning.models import Event, Item, Lane
from planning.protocol import dispatch

_refs = itertools.count(1)


def new_ref():
    return f"ref-{next(_refs)}"


def json_round_trip(value):
    """What a client receives: plain JSON. A payload that changes on the way (a date, an int key) fails here."""
    loaded = json.loads(json.dumps(value))
    assert loaded == value, f"not plain JSON: {value!r}"
    return loaded


def send(workshop, actor, op, *, ref=None, **fields):
    """One op frame through `dispatch`; returns its Outcome."""
    frame = {"op": op, "ref": ref or new_ref(), **fields}
    sent_ref, outcome = dispatch(workshop_id=workshop.id, actor_id=actor.id, frame=frame)
    assert sent_ref == frame["ref"]
    for event in outcome.events:
        json_round_trip(event_frame(event))
        json_round_trip(event_frame(event, for_member=actor.id))
    return outcome


def board_state(workshop):
    """What a refused op must leave alone: the seq and the event log."""
    return Workshop.objects.get(pk=workshop.pk).seq, Event.objects.filter(workshop_id=workshop.pk).count()


def refuse_frame(workshop, actor, frame, code):
    """Send a raw frame that must be refused with `code` and change nothing; returns the error."""
    before = board_state(workshop)
    with pytest.raises(DomainError) as caught:
        dispatch(workshop_id=workshop.id, actor_id=actor.id, frame=frame)
    error = caught.value
    assert error.code == code, f"expected {code}, got {error.code}: {error.message} {error.detail}"
    json_round_trip(error.as_dict())
    assert board_state(workshop) == before, "a refused op changed the board"
    return error


def refuse(workshop, actor, op, code, **fields):
    return refuse_frame(workshop, actor, {"op": op, "ref": new_ref(), **fields}, code)


def set_phase(workshop, phase):
    """Arrange a phase directly, without the events a phase.set would send."""
    Workshop.objects.filter(pk=workshop.pk).update(phase=phase)
    workshop.refresh_from_db()


def lanes_of(workshop):
    return list(Lane.objects.filter(workshop=workshop).order_by("position", "id"))


def lane_ids(lane):
    """The item ids of a lane in order, checking that positions are exactly 0..n-1."""
    rows = list(Item.objects.filter(lane=lane).order_by("position", "id").values_list("id", "position"))
    assert [position for _, position in rows] == list(range(len(rows))), f"positions not contiguous: {rows}"
    return [item_id for item_id, _ in rows]


def add_item(workshop, author, lane=None, title="An item", **fields):
    """Add an item through the op (gather or plan phase); returns its id."""
    lane = lane or lanes_of(workshop)[0]
    outcome = send(workshop, author, "item.add", lane=lane.id, title=title, **fields)
    return outcome.events[0].data["item"]["id"]


def make_item(workshop, author, lane=None, title="An item", **fields):
    """Arrange an item directly (any phase), at the end of its lane."""
    lane = lane or lanes_of(workshop)[0]
    position = Item.objects.filter(lane=lane).count()
    return Item.objects.create(workshop=workshop, lane=lane, position=position, author=author, title=title, **fields)


def events_since(workshop, seq):
    return list(Event.objects.filter(workshop_id=workshop.pk, seq__gt=seq).order_by("seq"))


def frames_since(workshop, seq, viewer_id):
    """The event frames a viewer's socket receives after `seq`, as JSON on the wire."""
    return [json_round_trip(event_frame(event, for_member=viewer_id)) for event in events_since(workshop, seq)]
