"""live.broadcast's publisher: events committed while a send is on its way go out together, in order."""

from __future__ import annotations

import asyncio
from typing import Any

from live import broadcast


def events(*seqs: int) -> dict[str, Any]:
    return {
        "type": "workshop.events",
        "frames": [{"seq": seq, "text": f"event {seq}", "private": None, "removed": None} for seq in seqs],
    }


class SlowLayer:
    """Records each group_send; the first one waits until the test lets it go, as a round trip to a
    busy Redis takes a while (a fixed sleep made the test depend on the machine's load)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, list[int]]] = []
        self.first = True
        self.release = asyncio.Event()

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        if self.first:
            self.first = False
            await self.release.wait()
        self.sent.append((group, [frame["seq"] for frame in message["frames"]]))


async def test_what_queues_behind_a_send_goes_out_as_one_message_per_workshop_in_order(monkeypatch):
    layer = SlowLayer()
    monkeypatch.setattr(broadcast, "get_channel_layer", lambda: layer)
    publisher = broadcast.Publisher(asyncio.get_running_loop())
    try:

        def commits() -> None:  # on database threads, as on_commit runs
            publisher.submit("workshop.a", events(1))
            publisher.submit("workshop.a", events(2, 3))
            publisher.submit("workshop.b", events(1))
            publisher.submit("workshop.a", events(4))
            publisher.submit("workshop.b", events(2))

        await asyncio.sleep(0)
        publisher.submit("workshop.a", events(0))
        await asyncio.sleep(0.01)  # the first send is on its way
        await asyncio.to_thread(commits)
        layer.release.set()
        for _ in range(100):
            if len(layer.sent) == 3:
                break
            await asyncio.sleep(0.01)
        assert layer.sent[0] == ("workshop.a", [0])
        assert sorted(layer.sent[1:]) == [("workshop.a", [1, 2, 3, 4]), ("workshop.b", [1, 2])]
    finally:
        publisher.task.cancel()


async def test_a_failed_send_is_logged_and_the_next_goes_out(monkeypatch, caplog):
    sent: list[str] = []

    class FailingOnce:
        async def group_send(self, group: str, message: dict[str, Any]) -> None:
            if not sent:
                sent.append("failed")
                raise ConnectionError("Redis went away")
            sent.append(group)

    monkeypatch.setattr(broadcast, "get_channel_layer", FailingOnce)
    publisher = broadcast.Publisher(asyncio.get_running_loop())
    try:
        publisher.submit("workshop.a", events(1))
        for _ in range(100):
            if sent:
                break
            await asyncio.sleep(0.01)
        publisher.submit("workshop.a", events(2))
        for _ in range(100):
            if len(sent) == 2:
                break
            await asyncio.sleep(0.01)
        assert sent == ["failed", "workshop.a"]
        assert "could not publish events [1] to workshop.a" in caplog.text
    finally:
        publisher.task.cancel()
