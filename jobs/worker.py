"""Running jobs: worker threads in this process, and draining the queue by hand in tests.

The loop is django_tasks_db's own `Worker` (what `manage.py db_worker` runs), one per thread: a
thread runs one job at a time, so a receiver that hangs for its whole timeout holds up one
thread, not the others. A serving process runs JOBS_THREADS of them when RUN_JOBS is on
(`./dev serve`); production runs `manage.py worker` processes beside Daphne (deploy/).
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import uuid

from django.conf import settings
from django.db import DatabaseError, close_old_connections
from django_tasks_db.management.commands.db_worker import Worker

from core import clock
from jobs import log, tick
from jobs.tasks import waiting

logger = logging.getLogger(__name__)

# How often an idle worker looks for a job: a delivery queued on commit waits at most this long.
POLL_SECONDS = 1.0
# Jobs yield the CPU to the board: on a machine that serves both, a burst of deliveries takes
# what Daphne leaves, so the board's latency does not pay for them (benchmarks/webhooks.py).
NICE = 10

_started: list[threading.Thread] = []


def make_worker(name: str, *, interval: float = POLL_SECONDS, batch: bool = False) -> Worker:
    return Worker(
        queue_names=["*"],
        interval=interval,
        batch=batch,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=f"{name}-{uuid.uuid4().hex[:8]}",
        excluded_queue_names=[],
    )


def _run(worker: Worker, *, nice: int = 0) -> None:
    if nice and hasattr(os, "setpriority"):
        # Linux keeps a niceness per thread: this one yields to the serving threads of its process.
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    while worker.running:
        try:
            worker.run()
        except Exception:
            logger.exception("A job worker thread failed; it starts again")
            close_old_connections()


def start_threads(count: int | None = None) -> list[threading.Thread]:
    """Start `count` worker threads (daemons: they end with the process) and the tick, once."""
    if _started:
        return _started
    try:
        tick.schedule_next()
    except DatabaseError:
        # Not migrated yet (`manage.py check` imports the app too): the workers' first tick waits
        # for the next start; jobs queued meanwhile still run.
        logger.warning("Could not queue the periodic tick; is the database migrated?")
    for number in range(count or settings.JOBS_THREADS):
        worker = make_worker(f"thread{number}")
        thread = threading.Thread(
            target=_run, args=(worker,), kwargs={"nice": NICE}, name=f"jobs-{number}", daemon=True
        )
        thread.start()
        _started.append(thread)
    logger.info("Running jobs in %d threads of this process", len(_started))
    return _started


def run_due_jobs(*, limit: int = 1000) -> int:
    """Run every queued job whose time has come by `core.clock`, until none is left; tests drive the
    queue and the clock with this. Jobs a job queues are run too, when they are due. The tick is
    left out (it queues itself forever): call `jobs.tick.run_periodic()` for what it does."""
    log.flush()
    worker = make_worker("drain", batch=True)
    ran = 0
    while ran < limit:
        job = (
            waiting(due_by=clock.now())
            .exclude(task_path=tick.tick.module_path)
            .order_by("-priority", "run_after", "enqueued_at")
            .first()
        )
        if job is None:
            return ran
        job.claim(worker.worker_id)
        worker.run_task(job)
        ran += 1
    raise AssertionError(f"Jobs still queued after running {limit}: a job that queues itself forever?")
