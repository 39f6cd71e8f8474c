"""A token bucket per connection: 20 ops a second, bursts of 40 (protocol §4)."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Final

OPS_PER_SECOND: Final = 20.0
BURST: Final = 40
# Refused frames in a row after which a connection counts as flooding (closed 4429):
# another full burst sent while being told to slow down.
FLOOD_AFTER_REFUSALS: Final = 40


class TokenBucket:
    def __init__(
        self,
        rate: float = OPS_PER_SECOND,
        burst: int = BURST,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.clock = clock
        self.tokens = float(burst)
        self.updated = clock()
        self.refused_in_a_row = 0

    def take(self) -> bool:
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.refused_in_a_row = 0
            return True
        self.refused_in_a_row += 1
        return False

    @property
    def flooding(self) -> bool:
        return self.refused_in_a_row > FLOOD_AFTER_REFUSALS
