"""The task decorator, in one place: django-tasks today, Django's own `django.tasks` from Django 6.

django-tasks is the backport of Django 6's API, so moving is this one import. Jobs are queued on
the database (django_tasks_db): in the caller's transaction, so a job queued by a request that
rolls back is never run, and on the database the app already has.
"""

from django_tasks import task

__all__ = ["task"]
