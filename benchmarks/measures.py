"""What every benchmark here reports the same way: percentiles, the machine it ran on, and its JSON."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import platform
import signal
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any


def nearest_rank(values: list[float], percent: float) -> float | None:
    """The nearest-rank percentile (no interpolation: a value that was measured); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, -(-int(percent * 10) * len(ordered) // 1000) - 1)]


@functools.cache
def reference_ms() -> float:
    """`reference_now()` at the start of a run, before any load: the figure its results file keeps."""
    return reference_now()


def reference_now() -> float:
    """How long one core takes for a fixed piece of plain Python (objects, calls, dicts, strings), best of five.

    Runs land on machines whose cores differ by 2x and more, and a shared machine's speed moves
    within a run too; this says by how much, so that two results can be compared."""

    class Row:
        def __init__(self, number: int) -> None:
            self.number = number
            self.title = f"item {number}"

        def votes(self, tally: dict[int, int]) -> int:
            return tally.get(self.number, 0) + len(self.title)

    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        tally: dict[int, int] = {}
        for number in range(100_000):
            row = Row(number)
            tally[number % 97] = row.votes(tally)
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


def machine() -> dict[str, Any]:
    with open("/proc/meminfo") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        model = next((line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")), "")
    return {
        "system": f"{platform.system()} {platform.release()} {platform.machine()}",
        "cpu": model,
        "nproc": os.cpu_count(),
        "memory_mb": total_kb // 1024,
        "python": platform.python_version(),
        "reference_ms": reference_ms(),
    }


def write_results(path: Path, benchmark: str, packages: Iterable[str], **fields: Any) -> None:
    """`path` as JSON: what ran, when, where, under what load and with which versions, then `fields`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    script = Path(sys.argv[0]).resolve()
    report = {
        "benchmark": benchmark,
        "command": " ".join(["python", f"{script.parent.name}/{script.name}", *sys.argv[1:]]),
        "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        # Other work on the machine slows every step: the 1-minute load average when it ended.
        "load_average": round(os.getloadavg()[0], 2),
        "versions": {name: version(name) for name in packages},
        **fields,
    }
    path.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"Wrote {path.relative_to(Path(__file__).resolve().parent.parent)}")


def stop_on_sigterm() -> None:
    """A TERM (./dev bench stopped, a CI timeout) unwinds like Ctrl-C, so that the throwaway
    databases and child processes are cleaned up on the way out."""

    def interrupted(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
