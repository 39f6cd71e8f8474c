"""The threads on which sockets and rooms reach the database.

Channels runs the database calls of every consumer of a process on one shared thread, so each op
waited behind every other socket's round trips. They run on a pool instead: a workshop's changes
are still ordered by its row lock, and a socket awaits each call before it reads its next frame,
so its own ops keep their order.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

from channels.db import DatabaseSyncToAsync
from django.conf import settings

P = ParamSpec("P")
R = TypeVar("R")

_database_threads = ThreadPoolExecutor(max_workers=settings.DATABASE_THREADS, thread_name_prefix="database")


def in_database_thread(fn: Callable[P, R]) -> Callable[P, Any]:
    """`database_sync_to_async`, on the pool: connections are closed (back to the pool) after each call."""
    return DatabaseSyncToAsync(fn, thread_sensitive=False, executor=_database_threads)
