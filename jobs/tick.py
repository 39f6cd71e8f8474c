"""The periodic tick: one job that queues itself again, and what runs on it.

django-tasks has no periodic jobs, so one `tick` job does what is due every TICK: the periodic
work integrations register (`every`: schedule reminders and digests, requeue deliveries whose
time has come or whose worker died), catching up the log's readers, and pruning finished job
results. Each piece only queues jobs or writes rows under unique keys, so a tick that runs twice
(two chains after a race, a tick retried after a crash) does no harm.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from django.db.models import Q

from core import clock
from jobs import log
from jobs.tasks import task, waiting

logger = logging.getLogger(__name__)

TICK = timedelta(seconds=30)
# Finished jobs are kept this long, for an operator to look into, then deleted.
RESULT_RETENTION = timedelta(days=2)

_periodic: dict[str, Callable[[], object]] = {}


def every_tick(name: str, work: Callable[[], object]) -> None:
    """Run `work` on every tick; it must be quick and safe to run twice."""
    _periodic[name] = work


def run_periodic() -> dict[str, object]:
    done: dict[str, object] = {}
    for name, work in tuple(_periodic.items()):
        try:
            done[name] = work()
        except Exception:
            logger.exception("Periodic work %s failed", name)
    done["log.catch_up"] = log.catch_up()
    done["results.pruned"] = prune_results()
    return done


@task()
def tick() -> dict[str, object]:
    try:
        return run_periodic()
    finally:
        schedule_next()


def schedule_next() -> None:
    """Queue the next tick unless one is already waiting."""
    if not waiting(tick).exists():
        tick.using(run_after=clock.now() + TICK).enqueue()


def prune_results() -> int:
    from django_tasks_db.models import DBTaskResult

    before = clock.now() - RESULT_RETENTION
    # A job left RUNNING that long had its worker killed under it; what it was doing was retried
    # from the rows it works on (outbound.attempts), not from this one.
    finished = DBTaskResult.objects.filter(
        Q(status__in=["SUCCESSFUL", "FAILED"], finished_at__lt=before) | Q(status="RUNNING", started_at__lt=before)
    )
    deleted, _ = finished.delete()
    return deleted
