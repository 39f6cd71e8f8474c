"""What every benchmark here reports the same way: percentiles, and the machine it ran on."""

from __future__ import annotations

import contextlib
import os
import platform
from typing import Any


def nearest_rank(values: list[float], percent: float) -> float | None:
    """The nearest-rank percentile (no interpolation: a value that was measured); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, -(-int(percent * 10) * len(ordered) // 1000) - 1)]


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
    }
