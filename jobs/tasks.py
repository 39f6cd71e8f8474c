"""The task decorator, in one place: django-tasks today, Django's own `django.tasks` from Django 6.

django-tasks is the backport of Django 6's API, so moving is this one import. Jobs are queued on
the database (django_tasks_db): in the caller's transaction, so a job queued by a request that
rolls back is never run, and on the database the app already has.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django_tasks import task

__all__ = ["task", "waiting"]


def waiting(job: Any = None, *, due_by: datetime | None = None) -> QuerySet[Any]:
    """The queued jobs no worker has started (of `job`, a task, if given), through the backend's
    partial index on them; with `due_by`, only those whose time has come by then."""
    from django_tasks_db.models import DBTaskResult, get_date_max

    rows = DBTaskResult.objects.filter(status="READY")
    if job is not None:
        rows = rows.filter(task_path=job.module_path)
    if due_by is not None:
        rows = rows.filter(Q(run_after=get_date_max()) | Q(run_after__lte=due_by))
    return rows
