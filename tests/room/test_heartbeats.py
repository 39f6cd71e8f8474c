"""The sockets' heartbeats of a process, written together (room/heartbeats.py, issue 25)."""

from __future__ import annotations

import asyncio

import pytest
from django.utils import timezone

from goals.models import Workshop
from live.models import Connection
from live.presence import presence_beat_many
from room import heartbeats as module
from room.heartbeats import Heartbeats


def test_beats_that_come_due_together_are_one_write(monkeypatch):
    monkeypatch.setattr(module, "GATHER_SECONDS", 0.05)
    writes = []

    async def write(sockets):
        writes.append(sorted(sockets))
        return {"w1": 7}

    async def main():
        beats = Heartbeats(write)
        return await asyncio.gather(
            *(beats.beat(workshop, f"ch{n}") for n, workshop in enumerate(["w1"] * 5 + ["gone"]))
        )

    seqs = asyncio.run(main())
    assert seqs == [7, 7, 7, 7, 7, None], "a deleted workshop's sockets learn it (None)"
    assert len(writes) == 1
    assert writes[0] == sorted([("w1", f"ch{n}") for n in range(5)] + [("gone", "ch5")])


def test_a_failed_write_fails_the_beats_of_its_batch_and_the_next_batch_writes_again(monkeypatch):
    monkeypatch.setattr(module, "GATHER_SECONDS", 0.01)
    calls = []

    async def write(sockets):
        calls.append(len(sockets))
        if len(calls) == 1:
            raise ConnectionError("database away")
        return {"w": 3}

    async def main():
        beats = Heartbeats(write)
        with pytest.raises(ConnectionError):
            await beats.beat("w", "a")
        return await beats.beat("w", "a")

    assert asyncio.run(main()) == 3
    assert calls == [1, 1]


@pytest.mark.django_db
def test_many_sockets_are_refreshed_in_two_queries(room, django_assert_num_queries):
    old = timezone.now() - timezone.timedelta(minutes=5)
    members = [room.member, room.target, room.leader]
    for n in range(30):
        Connection.objects.create(workshop=room.workshop, member=members[n % 3], channel_name=f"ch{n}", seen_at=old)
    with django_assert_num_queries(2):
        seqs = presence_beat_many([(room.workshop.id, f"ch{n}") for n in range(30)] + [("no-such-workshop", "x")])
    assert seqs == {room.workshop.id: Workshop.objects.get(pk=room.workshop.pk).seq}
    assert not Connection.objects.filter(seen_at=old).exists()
