"""Jobs for the worker tests: what they do is seen from outside the worker's process."""

from __future__ import annotations

import time
from pathlib import Path

from jobs.tasks import task


@task()
def write_file(path: str, text: str) -> str:
    Path(path).write_text(text)
    return text


@task()
def sleep_then_write(path: str, seconds: float) -> None:
    time.sleep(seconds)
    Path(path).write_text("slept")
