"""`manage.py worker` (deploy/systemd/rallypoint-worker@.service) and the worker threads of a
serving process: jobs queued in the database run in another process, several at once, and a stop
lets the job in hand finish."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from django_tasks_db.models import DBTaskResult

from jobs import tick
from jobs.tasks import waiting
from jobs.worker import run_due_jobs
from tests.jobs.tasks import sleep_then_write, write_file
from tests.servers import JobWorker

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(check, timeout: float = 20.0, worker: JobWorker | None = None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"Timed out; worker said:\n{worker.output() if worker else ''}")


def test_a_worker_process_runs_what_was_queued_and_queues_the_tick(tmp_path: Path):
    target = tmp_path / "done.txt"
    write_file.enqueue(str(target), "hello")
    with JobWorker() as worker:
        wait_for(target.exists, worker=worker)
        assert target.read_text() == "hello"
        wait_for(lambda: DBTaskResult.objects.filter(status="SUCCESSFUL").exists(), worker=worker)
        assert waiting(tick.tick).count() == 1
        assert worker.stop() == 0


def test_threads_run_jobs_side_by_side(tmp_path: Path):
    """A job that waits (a receiver that hangs) holds up one thread, not the queue."""
    slow, quick = tmp_path / "slow.txt", tmp_path / "quick.txt"
    sleep_then_write.enqueue(str(slow), 4.0)
    with JobWorker(threads=2) as worker:
        wait_for(lambda: DBTaskResult.objects.filter(status="RUNNING").exists(), worker=worker)
        write_file.enqueue(str(quick), "quick")
        wait_for(quick.exists, timeout=3.5, worker=worker)
        assert not slow.exists()
        worker.stop()


def test_a_stopped_worker_finishes_the_job_in_hand(tmp_path: Path):
    slow = tmp_path / "slow.txt"
    sleep_then_write.enqueue(str(slow), 1.5)
    with JobWorker(threads=1) as worker:
        wait_for(lambda: DBTaskResult.objects.filter(status="RUNNING").exists(), worker=worker)
        assert worker.process is not None
        worker.process.send_signal(signal.SIGTERM)
        assert worker.process.wait(timeout=15) == 0
        assert slow.read_text() == "slept"
        assert DBTaskResult.objects.get(task_path=sleep_then_write.module_path).status == "SUCCESSFUL"


def test_draining_by_hand_runs_due_jobs_and_leaves_the_tick(tmp_path: Path):
    target = tmp_path / "drained.txt"
    tick.schedule_next()
    write_file.enqueue(str(target), "drained")
    assert run_due_jobs() == 1
    assert target.read_text() == "drained"
    assert waiting(tick.tick).count() == 1


def test_a_serving_process_with_run_jobs_runs_them_itself(tmp_path: Path):
    """`./dev serve` (DEBUG, so RUN_JOBS) needs no second command."""
    from django.conf import settings

    from tests.servers import DaphneProcess, served_database_url

    env = {"DATABASE_URL": served_database_url(), "RUN_JOBS": "1", "JOBS_THREADS": "1"}
    if settings.REDIS_URL:
        env["REDIS_URL"] = settings.REDIS_URL
    server = DaphneProcess(env)
    try:
        server.start()
        target = tmp_path / "served.txt"
        write_file.enqueue(str(target), "served")
        wait_for(target.exists)
        assert target.read_text() == "served"
    finally:
        server.close()
