"""The seam where committed events leave the change path (live/committed.py): every event of every
committed change, once, after commit, in seq order."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore

from goals.invites import current_member_invite, token_for
from goals.members import member_join
from goals.models import Member, Role
from live import committed
from live.models import Event
from room.protocol import dispatch
from tests.planning.helpers import add_items_at_once, refuse

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def handed():
    """Every Committed this process hands out during the test."""
    seen: list[committed.Committed] = []
    committed.subscribe(seen.append)
    yield seen
    committed.unsubscribe(seen.append)


def logged(workshop_id):
    return list(Event.objects.filter(workshop_id=workshop_id).order_by("seq").values_list("seq", "name"))


def delivered(changes, workshop_id):
    return [
        (event.seq, event.name) for change in changes if change.workshop_id == workshop_id for event in change.events
    ]


def test_every_committed_event_is_handed_out_once_in_seq_order(room, other_workshop, handed):
    workshop, lane = room.workshop, room.lanes[0].id
    baseline = logged(workshop.id)
    before = len(handed)
    member_join(token=token_for(current_member_invite(workshop)), name="Late", user=None, session=SessionStore())
    dispatch(
        workshop_id=workshop.id,
        actor_id=room.member.id,
        frame={"op": "item.add", "ref": "a", "lane": lane, "title": "One"},
    )
    # A resent ref, a refused op and an op that changes nothing hand out nothing.
    dispatch(
        workshop_id=workshop.id,
        actor_id=room.member.id,
        frame={"op": "item.add", "ref": "a", "lane": lane, "title": "One"},
    )
    refuse(workshop, room.observer, "item.add", "forbidden", lane=lane, title="No")
    dispatch(workshop_id=workshop.id, actor_id=room.member.id, frame={"op": "member.ready", "ref": "b", "ready": False})
    dispatch(workshop_id=workshop.id, actor_id=room.leader.id, frame={"op": "phase.set", "ref": "c", "phase": "vote"})
    dispatch(workshop_id=workshop.id, actor_id=room.leader.id, frame={"op": "phase.set", "ref": "e", "phase": "plan"})
    dispatch(
        workshop_id=other_workshop.id,
        actor_id=Member.objects.get(workshop=other_workshop, role=Role.LEADER).id,
        frame={"op": "lane.add", "ref": "d", "title": "Elsewhere"},
    )

    new = handed[before:]
    assert delivered(new, workshop.id) == logged(workshop.id)[len(baseline) :]
    assert delivered(new, other_workshop.id) == logged(other_workshop.id)[-1:]
    for change in new:
        assert [event.seq for event in change.events] == list(range(change.after + 1, change.last_seq + 1))
    # Leaving the vote reveals the votes: one change, two events, handed out together.
    assert any(len(change.events) > 1 for change in new)


def test_changes_from_many_threads_reach_the_seam_once_each_in_seq_order(workshop, handed):
    add_items_at_once(workshop, writers=4, each=10)
    assert [seq for seq, _ in delivered(handed, workshop.id)] == list(range(1, 41))
    assert delivered(handed, workshop.id) == logged(workshop.id)


def test_a_failing_subscriber_does_not_stop_the_others(room, handed):
    def broken(change):
        raise RuntimeError("an integration fell over")

    committed.subscribe(broken)
    try:
        frame = {"op": "item.add", "ref": "x", "lane": room.lanes[0].id, "title": "Still here"}
        _, outcome = dispatch(workshop_id=room.workshop.id, actor_id=room.member.id, frame=frame)
    finally:
        committed.unsubscribe(broken)
    assert handed[-1].last_seq == outcome.seq


def test_nothing_is_handed_out_for_a_change_rolled_back_by_its_caller(room, handed):
    from django.db import transaction

    before = len(handed)
    frame = {"op": "item.add", "ref": "y", "lane": room.lanes[0].id, "title": "Rolled back"}

    def op_then_fail():
        with transaction.atomic():
            dispatch(workshop_id=room.workshop.id, actor_id=room.member.id, frame=frame)
            raise RuntimeError("the caller's transaction fails after the op")

    with pytest.raises(RuntimeError, match="fails after the op"):
        op_then_fail()
    assert handed[before:] == []
    assert not Event.objects.filter(workshop_id=room.workshop.id, name="item.added", ref="y").exists()
