"""The one path every change takes (goals/changes.py): refs applied once, gapless seq, publish after commit."""

from __future__ import annotations

import json
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer

from goals.models import Phase, Workshop
from live import broadcast
from live.models import Event, OpReceipt
from planning.models import Item
from tests.planning.helpers import add_item, add_items_at_once, lane_ids, refuse, send, set_phase


def event_seqs(workshop):
    return list(Event.objects.filter(workshop_id=workshop.pk).order_by("seq").values_list("seq", flat=True))


# A resent ref


def test_a_resent_ref_is_applied_once_and_answered_with_the_original_seq(room):
    lane = room.lanes[0].id
    first = send(room.workshop, room.member, "item.add", ref="add-1", lane=lane, title="Once")
    send(room.workshop, room.target, "item.add", lane=lane, title="Someone else's")
    again = send(room.workshop, room.member, "item.add", ref="add-1", lane=lane, title="Once")

    assert not first.duplicate
    assert again.duplicate
    assert again.seq == first.seq
    assert again.events == []
    assert list(Item.objects.filter(workshop=room.workshop).values_list("title", flat=True)) == [
        "Once",
        "Someone else's",
    ]
    assert Workshop.objects.get(pk=room.workshop.pk).seq == first.seq + 1


def test_a_resent_ref_is_not_applied_even_if_it_would_now_be_refused(room):
    item_id = add_item(room.workshop, room.member)
    first = send(room.workshop, room.member, "item.delete", ref="del", item=item_id)
    again = send(room.workshop, room.member, "item.delete", ref="del", item=item_id)
    assert (again.duplicate, again.seq) == (True, first.seq)


def test_a_resent_ref_of_an_op_that_changed_nothing_gets_the_seq_it_was_acked_with(room):
    quiet = send(room.workshop, room.leader, "phase.set", ref="same-phase", phase="gather")
    assert quiet.events == []
    send(room.workshop, room.leader, "timer.start", seconds=60)
    again = send(room.workshop, room.leader, "phase.set", ref="same-phase", phase="gather")
    assert (again.duplicate, again.seq) == (True, quiet.seq)


def test_the_same_ref_from_two_members_is_two_ops(room):
    lane = room.lanes[0].id
    first = send(room.workshop, room.member, "item.add", ref="r-1", lane=lane, title="Mia's")
    second = send(room.workshop, room.target, "item.add", ref="r-1", lane=lane, title="Tess's")
    assert not second.duplicate
    assert second.seq == first.seq + 1
    assert Item.objects.filter(workshop=room.workshop).count() == 2
    assert OpReceipt.objects.filter(workshop=room.workshop, ref="r-1").count() == 2


def test_a_refused_op_leaves_no_receipt_so_its_ref_may_be_sent_again(room):
    lane = room.lanes[0].id
    refuse(room.workshop, room.member, "item.add", "invalid", ref="retry", lane=lane, title="")
    outcome = send(room.workshop, room.member, "item.add", ref="retry", lane=lane, title="Fixed")
    assert not outcome.duplicate
    assert Item.objects.get(workshop=room.workshop).title == "Fixed"


# seq


def test_seq_numbers_every_change_gaplessly(room):
    """Joins, one-event ops, many-event ops and no-ops alike: 1..N, and workshop.seq is N."""
    item_id = add_item(room.workshop, room.member)
    add_item(room.workshop, room.member)
    send(room.workshop, room.member, "item.claim", item=item_id)
    send(room.workshop, room.facilitator, "phase.set", phase="vote")
    send(room.workshop, room.target, "vote.cast", item=item_id)
    send(room.workshop, room.target, "vote.cast", item=item_id)
    send(room.workshop, room.facilitator, "phase.set", phase="vote")  # a no-op takes no seq
    outcome = send(room.workshop, room.facilitator, "phase.set", phase="plan")  # phase.changed + votes.revealed
    assert [event.seq for event in outcome.events] == [outcome.seq - 1, outcome.seq]
    outcome = send(room.workshop, room.facilitator, "member.remove", member=room.member.id)
    assert len(outcome.events) == 2

    seqs = event_seqs(room.workshop)
    assert seqs == list(range(1, len(seqs) + 1))
    assert Workshop.objects.get(pk=room.workshop.pk).seq == seqs[-1] == outcome.seq


def test_seq_is_per_workshop(room, other_workshop, join):
    join(target=other_workshop)
    send(room.workshop, room.member, "member.ready", ready=True)
    assert event_seqs(other_workshop) == [1]
    assert event_seqs(room.workshop) == list(range(1, Workshop.objects.get(pk=room.workshop.pk).seq + 1))


THREADS = 8
OPS_PER_THREAD = 25


@pytest.mark.django_db(transaction=True)
def test_concurrent_ops_get_gapless_seqs_in_commit_order(workshop):
    """8 writers at once: the row lock (PostgreSQL) or BEGIN IMMEDIATE (SQLite) serializes them."""
    lane = workshop.lanes.order_by("position").first()
    acks = add_items_at_once(workshop, writers=THREADS, each=OPS_PER_THREAD)

    total = THREADS * OPS_PER_THREAD
    assert sorted(acks) == list(range(1, total + 1))
    assert event_seqs(workshop) == list(range(1, total + 1))
    assert Workshop.objects.get(pk=workshop.pk).seq == total
    assert Item.objects.filter(workshop=workshop).count() == total
    # Each add saw the ones committed before it: positions follow seq order.
    positions = {
        event.data["item"]["id"]: event.data["item"]["position"] for event in Event.objects.filter(workshop=workshop)
    }
    assert sorted(positions.values()) == list(range(total))
    assert len(lane_ids(lane)) == total


# Publishing


@pytest.fixture
def published(monkeypatch):
    """What live.broadcast.publish was called with, as (workshop id, [seq, ...])."""
    calls = []
    monkeypatch.setattr(
        broadcast, "publish", lambda workshop_id, events: calls.append((workshop_id, [e.seq for e in events]))
    )
    return calls


def test_events_are_published_after_commit_not_before(room, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        outcome = send(room.workshop, room.member, "item.add", lane=room.lanes[0].id, title="A new idea")
        assert published == [], "published inside the transaction"
    assert len(callbacks) == 1
    assert published == [(room.workshop.id, [outcome.seq])]


def test_one_op_publishes_all_its_events_at_once_in_seq_order(room, published, django_capture_on_commit_callbacks):
    item_id = add_item(room.workshop, room.member)
    set_phase(room.workshop, Phase.VOTE)
    send(room.workshop, room.target, "vote.cast", item=item_id)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        outcome = send(room.workshop, room.facilitator, "phase.set", phase="plan")
    assert published == []
    [callback] = callbacks
    callback()
    assert published == [(room.workshop.id, [outcome.seq - 1, outcome.seq])]


def test_a_refused_op_publishes_nothing(room, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        refuse(room.workshop, room.member, "phase.set", "forbidden", phase="vote")
        refuse(room.workshop, room.member, "item.add", "invalid", lane=room.lanes[0].id, title="")
    assert callbacks == []
    assert published == []


def test_an_op_that_changes_nothing_publishes_nothing(room, published, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        send(room.workshop, room.member, "member.ready", ready=False)
    assert callbacks == []
    assert published == []


def test_published_frames_are_the_protocols_event_frames(room, django_capture_on_commit_callbacks):
    """Through the real channel layer: one text per event for all, and the voter's own text apart."""
    item_id = add_item(room.workshop, room.member)
    set_phase(room.workshop, Phase.VOTE)
    layer = get_channel_layer()
    group = broadcast.workshop_group(room.workshop.id)

    def cast() -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return send(room.workshop, room.target, "vote.cast", ref="dot", item=item_id)

    async def listen() -> tuple[Any, dict]:
        # One event loop throughout: the pub/sub layer keeps its channels per loop.
        channel = await layer.new_channel()
        await layer.group_add(group, channel)
        try:
            outcome = await sync_to_async(cast)()
            return outcome, await layer.receive(channel)
        finally:
            await layer.group_discard(group, channel)

    outcome, message = async_to_sync(listen)()

    [frame] = message["frames"]
    assert frame["seq"] == outcome.seq
    assert json.loads(frame["text"]) == {
        "type": "event",
        "seq": outcome.seq,
        "name": "vote.changed",
        "actor": room.target.id,
        "ref": "dot",
        "data": {"member": room.target.id, "used": 1},
    }
    assert frame["private"]["member"] == room.target.id
    assert json.loads(frame["private"]["text"])["data"] == {
        "member": room.target.id,
        "used": 1,
        "item": item_id,
        "dots": 1,
    }
