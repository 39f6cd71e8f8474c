"""Arrange-and-act helpers of the planning tests: every op goes through `dispatch`, as a socket's would."""

from __future__ import annotations

import itertools
import json
import threading

import pytest
from django.db import connection
from django.utils import timezone

from core.errors import DomainError
from goals.models import Member, Phase, Role, Workshop
from live.broadcast import event_frame
from live.models import Event
from planning.models import ConfidenceCheck, Item, ItemStatus, Lane, Ownership, Vote
from room.protocol import dispatch

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


def agree(workshop, facilitator, owners):
    """Arrange an agreed plan through the ops: each item of `owners` ({item id: owner}) accepted and
    claimed by its owner in `plan`, then the plan agreed. Returns the seq after the agreement."""
    set_phase(workshop, Phase.PLAN)
    for item_id, owner in owners.items():
        send(workshop, facilitator, "item.status", item=item_id, status="accepted")
        send(workshop, owner, "item.claim", item=item_id)
    return send(workshop, facilitator, "phase.set", phase="agreed").seq


def events_since(workshop, seq):
    return list(Event.objects.filter(workshop_id=workshop.pk, seq__gt=seq).order_by("seq"))


def frames_since(workshop, seq, viewer_id):
    """The event frames a viewer's socket receives after `seq`, as JSON on the wire."""
    return [json_round_trip(event_frame(event, for_member=viewer_id)) for event in events_since(workshop, seq)]


AGENDA_STEP = {"title": "Warm up", "phase": Phase.GATHER, "minutes": 5, "instructions": "Say hello."}


def arrange_op(
    op: str, *, workshop: Workshop, lanes: list[Lane], item: Item, actor: Member, bystander: Member, phase: str
) -> dict:
    """The fields of `op`, arranged so that when it is allowed it really changes something (and so
    must send its event): `bystander` is the member assigned, promoted or removed, `phase` the
    phase a phase.set asks for. What the op needs first (a dot to retract, an open check) is made."""
    mine = actor.workshop_id == workshop.id
    if op == "item.add":
        return {"lane": lanes[0].id, "title": "A new idea"}
    if op == "item.edit":
        return {"item": item.id, "version": item.version, "title": "A sharper idea"}
    if op == "item.move":
        return {"item": item.id, "lane": lanes[1].id, "index": 0}
    if op in {"item.delete", "item.claim", "vote.cast"}:
        return {"item": item.id}
    if op == "item.status":
        return {"item": item.id, "status": "accepted"}
    if op == "vote.retract":
        if mine:
            Vote.objects.create(workshop=workshop, item=item, member=actor, dots=1)
        return {"item": item.id}
    if op == "item.unclaim":
        if mine:
            Ownership.objects.create(workshop=workshop, item=item, member=actor)
        return {"item": item.id}
    if op == "item.assign":
        return {"item": item.id, "member": bystander.id}
    if op == "item.unassign":
        Ownership.objects.create(workshop=workshop, item=item, member=bystander)
        return {"item": item.id, "member": bystander.id}
    if op == "lane.add":
        return {"title": "Someday"}
    if op == "lane.rename":
        return {"lane": lanes[0].id, "title": "Today"}
    if op == "lane.move":
        return {"lane": lanes[0].id, "index": 2}
    if op == "lane.delete":
        return {"lane": lanes[2].id}  # empty: the arranged item is in the first lane
    if op == "phase.set":
        return {"phase": phase}
    if op == "goal.edit":
        return {"title": "Ship the new onboarding by April"}
    if op == "timer.start":
        return {"seconds": 300}
    if op == "walk.focus":
        return {"item": item.id}
    if op == "agenda.set":
        return {"agenda": [{"title": "Warm up", "phase": phase, "minutes": 5}]}
    if op == "agenda.step":
        Workshop.objects.filter(pk=workshop.pk).update(agenda=[AGENDA_STEP | {"phase": phase}])
        return {"index": 0}
    if op == "timer.stop":
        Workshop.objects.filter(pk=workshop.pk).update(timer_ends_at=timezone.now())
        return {}
    if op == "confidence.open":
        return {}
    if op in {"confidence.answer", "confidence.close"}:
        ConfidenceCheck.objects.create(workshop=workshop)
        return {"score": 4} if op == "confidence.answer" else {}
    if op in {"item.progress", "item.help"}:
        Item.objects.filter(pk=item.pk).update(status=ItemStatus.ACCEPTED)
        if op == "item.help":
            return {"item": item.id, "offer": True}
        # The item's author owns it: the member who may report on it, where others may not.
        Ownership.objects.get_or_create(workshop=workshop, item=item, member_id=item.author_id)
        return {"item": item.id, "state": "at_risk", "note": "Waiting on the legal review"}
    if op == "checkin.record":
        return {"note": "Week one: mostly on track"}
    if op == "member.ready":
        return {"ready": True}
    if op == "member.rename":
        return {"name": "Someone renamed"}
    if op == "member.role":
        return {"member": bystander.id, "role": Role.FACILITATOR}
    if op == "member.remove":
        return {"member": bystander.id}
    if op == "item.estimate":
        return {"item": item.id, "hours": 8}
    if op in {"item.stack", "item.unstack"}:
        head = make_item(workshop, item.author, title="The same idea, first")
        if op == "item.stack":
            return {"item": item.id, "onto": head.id}
        Item.objects.filter(pk=item.pk).update(stack=head)
        return {"item": item.id}
    if op == "planning.set":
        return {"capacity_hours": 40, "estimates": True}
    raise AssertionError(f"no arrangement for {op}")


def add_items_at_once(workshop, *, writers: int, each: int) -> list[int]:
    """`writers` members (arranged directly, so that joining takes no seq), each on a thread of its
    own, add `each` items at the same moment; the seqs they were acked with."""
    lane = workshop.lanes.order_by("position").first()
    Member.objects.bulk_create(Member(workshop=workshop, name=f"Writer {n}", role=Role.MEMBER) for n in range(writers))
    members = list(Member.objects.filter(workshop=workshop, role=Role.MEMBER))
    start = threading.Barrier(len(members))
    acks: list[int] = []
    errors: list[BaseException] = []

    def write(member):
        try:
            start.wait()
            for n in range(each):
                frame = {"op": "item.add", "ref": f"w{member.id}-{n}", "lane": lane.id, "title": f"{member.name} #{n}"}
                _, outcome = dispatch(workshop_id=workshop.id, actor_id=member.id, frame=frame)
                acks.append(outcome.seq)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(member,)) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return acks
