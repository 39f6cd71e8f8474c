"""The sockets' heartbeats of one process, written together.

Every socket refreshes its presence row and reads its workshop's seq each HEARTBEAT_SECONDS. One
by one, a thousand idle sockets made two thousand queries every half minute, most of an idle
process's CPU (docs/performance.md). Sockets opened together beat together, so a beat waits a
moment for the others that come due, and one database call refreshes them all.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Final

# How long a beat waits for others: a fraction of a heartbeat, nothing for a person.
GATHER_SECONDS: Final = 0.5

Write = Callable[[list[tuple[str, str]]], Awaitable[dict[str, int]]]


class Heartbeats:
    def __init__(self, write: Write) -> None:
        self.write = write
        self.waiting: dict[tuple[str, str], asyncio.Future[int | None]] = {}
        self.flushing: asyncio.Task[None] | None = None

    async def beat(self, workshop_id: str, channel_name: str) -> int | None:
        """The workshop's seq once this socket's row is fresh; None when the workshop is gone."""
        loop = asyncio.get_running_loop()
        key = (workshop_id, channel_name)
        future = self.waiting.get(key)
        if future is None:
            future = self.waiting[key] = loop.create_future()
        if self.flushing is None or self.flushing.done():
            self.flushing = loop.create_task(self._flush())
        return await asyncio.shield(future)

    async def _flush(self) -> None:
        await asyncio.sleep(GATHER_SECONDS)
        batch, self.waiting = self.waiting, {}
        try:
            seqs = await self.write(list(batch))
        except Exception as error:  # every socket of the batch tries again at its next beat
            for future in batch.values():
                if not future.done():
                    future.set_exception(error)
            return
        for (workshop_id, _), future in batch.items():
            if not future.done():
                future.set_result(seqs.get(workshop_id))


_by_loop: dict[asyncio.AbstractEventLoop, Heartbeats] = {}


def heartbeats(write: Write) -> Heartbeats:
    """This event loop's batcher (a process serves from one loop; tests run one loop each)."""
    loop = asyncio.get_running_loop()
    found = _by_loop.get(loop)
    if found is None:
        for old in [other for other in _by_loop if other.is_closed()]:
            del _by_loop[old]
        found = _by_loop[loop] = Heartbeats(write)
    return found
