"""What open and reconnecting sockets see of the housekeeping commands, through the socket.

After `prune_log` a client whose `since` reaches back past the oldest kept event gets a fresh
snapshot, never a replay with a hole, and one whose `since` is inside the kept log still gets
its replay; a connected socket that misses an event the log no longer holds is closed, so that
its client reconnects for a snapshot. After `delete_workshop` every socket of the workshop is
closed as no member's, at once where the channel layer reaches it and otherwise at its
heartbeat; other workshops' sockets stay.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from channels.layers import get_channel_layer
from django.core.management import call_command
from django.db import connection

from core import clock
from goals.models import Workshop
from live import broadcast
from live.models import Event, OpReceipt
from planning.models import Item
from room import consumers, workshop_data
from tests.planning.helpers import add_item, frames_since
from tests.planning.ws import connect_all, run
from tests.room.test_consumers import fresh_state, reduce, seq_of, state_of

pytestmark = pytest.mark.django_db(transaction=True)


def age_events(workshop, *, upto: int, days: int = 40) -> None:
    """The events up to `upto` as if written `days` ago."""
    Event.objects.filter(workshop=workshop, seq__lte=upto).update(created_at=clock.now() - timedelta(days=days))


def prune() -> None:
    call_command("prune_log", stdout=StringIO())


def delete(workshop_id: str) -> None:
    call_command("delete_workshop", "--yes", "--", workshop_id, stdout=StringIO())


async def test_after_a_prune_an_old_since_gets_a_snapshot_and_a_recent_one_a_replay(room, connect):
    for title in ("one", "two"):
        await run(add_item, room.workshop, room.member, title=title)
    kept_from = await run(seq_of, room.workshop)
    away = await connect(room.workshop, room.member)
    old = await away.recv()
    assert old["seq"] == kept_from
    await away.close()
    for title in ("three", "four", "five"):
        await run(add_item, room.workshop, room.target, title=title)
    now = await run(seq_of, room.workshop)
    await run(age_events, room.workshop, upto=kept_from)
    await run(prune)
    oldest_kept = await run(lambda: Event.objects.filter(workshop=room.workshop).order_by("seq").first().seq)
    assert oldest_kept == kept_from + 1

    # `since` one before the oldest kept event: that event is gone, so a replay would have a hole.
    behind = await connect(room.workshop, room.member, since=kept_from - 1)
    first = await behind.recv()
    assert first["type"] == "snapshot"
    assert first["seq"] == now
    assert state_of(first) == await run(fresh_state, room.workshop.id, room.member.id)

    # `since` inside the kept log: the replay, and the old state plus it is the fresh state.
    back = await connect(room.workshop, room.member, since=kept_from)
    first = await back.recv()
    assert first["type"] == "replay"
    assert [event["seq"] for event in first["events"]] == list(range(kept_from + 1, now + 1))
    assert first["events"] == await run(frames_since, room.workshop, kept_from, room.member.id)
    assert reduce(state_of(old), first["events"], room.member.id) == await run(
        fresh_state, room.workshop.id, room.member.id
    )


async def test_a_live_socket_missing_a_pruned_event_is_closed_and_reconnects_to_a_snapshot(room, connect, monkeypatch):
    viewer, other = await connect_all(connect, room.workshop, room.member, room.target)
    start = viewer.frames[0]["seq"]
    # What is committed is held instead of published: the viewer misses start + 1 for good.
    committed: list[list] = []
    monkeypatch.setattr(broadcast, "publish", lambda workshop_id, events: committed.append(events))
    for title in ("lost", "late"):
        await run(add_item, room.workshop, room.facilitator, title=title)
    await run(age_events, room.workshop, upto=start + 1)
    await run(prune)
    assert await run(seq_of, room.workshop) == start + 2

    # start + 2 arrives; the socket looks in the log for start + 1 and does not find it.
    await get_channel_layer().group_send(
        broadcast.workshop_group(room.workshop.id), broadcast.group_message(committed[1])
    )
    assert await viewer.closed() == consumers.CLOSE_SERVER_ERROR
    assert viewer.events() == [], "nothing after the hole was passed on"

    back = await connect(room.workshop, room.member, since=start)
    first = await back.recv()
    assert first["type"] == "snapshot"
    assert first["seq"] == start + 2
    assert state_of(first) == await run(fresh_state, room.workshop.id, room.member.id)
    assert await other.closed() == consumers.CLOSE_SERVER_ERROR


async def test_deleting_a_workshop_closes_its_sockets_and_no_others(room, other_workshop, connect):
    member, facilitator = await connect_all(connect, room.workshop, room.member, room.facilitator)
    other_leader = await run(lambda: other_workshop.members.get())
    (bystander,) = await connect_all(connect, other_workshop, other_leader)

    await run(delete, room.workshop.id)

    assert await member.closed() == consumers.CLOSE_NOT_A_MEMBER
    assert await facilitator.closed() == consumers.CLOSE_NOT_A_MEMBER
    assert await bystander.nothing(0.3)
    assert bystander.close_code is None
    again = await connect(room.workshop, room.member)
    assert not again.accepted
    await run(add_item, other_workshop, other_leader, title="Still here")
    (event,) = await bystander.take(1, "event")
    assert event["data"]["item"]["title"] == "Still here"


async def test_a_socket_the_delete_does_not_reach_closes_at_its_heartbeat(room, connect, monkeypatch):
    """As on the embedded setup, whose in-memory channel layer a manage.py process cannot reach."""
    monkeypatch.setattr(consumers, "HEARTBEAT_SECONDS", 0.2)
    monkeypatch.setattr(workshop_data, "close_channels", lambda channels: None)
    (ws,) = await connect_all(connect, room.workshop, room.member)

    await run(delete, room.workshop.id)

    assert not await run(Workshop.objects.filter(pk=room.workshop.pk).exists)
    assert await ws.closed() == consumers.CLOSE_NOT_A_MEMBER


def restore(workshop, *, dumped: int, lost_items: list[int]) -> None:
    """The database as a dump taken at seq `dumped` brings it back, then docs/deploy.md's seq step."""
    Item.objects.filter(pk__in=lost_items).delete()
    Event.objects.filter(workshop=workshop, seq__gt=dumped).delete()
    OpReceipt.objects.filter(workshop=workshop, seq__gt=dumped).delete()
    Workshop.objects.filter(pk=workshop.pk).update(seq=dumped)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE goals_workshop SET seq = seq + 1000000000")


async def test_after_a_restore_the_seq_jump_sends_every_open_browser_a_snapshot(room, connect):
    """docs/deploy.md, "Backup and restore": browsers that saw changes the restore lost must not be
    sent new changes numbered like those."""
    await run(add_item, room.workshop, room.member, title="In the dump")
    dumped = await run(seq_of, room.workshop)
    (browser,) = await connect_all(connect, room.workshop, room.member)
    lost = [await run(add_item, room.workshop, room.target, title=title) for title in ("Lost", "Also lost")]
    await browser.caught_up(dumped + 2)
    await browser.close()

    await run(restore, room.workshop, dumped=dumped, lost_items=lost)
    for title in ("After", "the", "restore"):
        await run(add_item, room.workshop, room.target, title=title)

    for since in (dumped + 2, dumped):
        back = await connect(room.workshop, room.member, since=since)
        first = await back.recv()
        assert first["type"] == "snapshot", since
        assert first["seq"] == dumped + 1_000_000_000 + 3
        assert state_of(first) == await run(fresh_state, room.workshop.id, room.member.id)
        assert not {"Lost", "Also lost"} & {item["title"] for item in first["items"]}
