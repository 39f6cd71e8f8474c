"""`GET /healthz`: whether this process reaches its database and its channel layer, for a load
balancer to decide whether to send users here."""

from __future__ import annotations

import asyncio
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor

from channels.db import DatabaseSyncToAsync
from channels.layers import get_channel_layer
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from core.http import methods

logger = logging.getLogger(__name__)


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:
        logger.exception("health check: database")
        return False


# A dependency that has not answered in this long is down for users too: the load balancer
# should stop sending them here. The pool would make a query wait 10 s for a connection.
DATABASE_TIMEOUT_SECONDS = 2.0
LAYER_TIMEOUT_SECONDS = 2.0

# Not the loop's default executor: a check that outlives its timeout must not hold anything
# up, and when both threads are stuck the next probes time out and answer 503.
_probe_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="healthz")


async def _database_answers() -> bool:
    """The check runs on a thread of its own: Daphne runs a process's sync requests on one
    thread, so a probe stuck waiting for a lost database would hold up the probes behind it
    and the websockets' session lookups, and answer only when the database is back."""
    check = DatabaseSyncToAsync(_database_ok, thread_sensitive=False, executor=_probe_threads)
    try:
        return await asyncio.wait_for(check(), timeout=DATABASE_TIMEOUT_SECONDS)
    except TimeoutError:
        logger.error("health check: the database did not answer within %s s", DATABASE_TIMEOUT_SECONDS)
        return False


async def _layer_roundtrip() -> bool:
    layer = get_channel_layer()
    # The default prefix: channels_redis polls only its process's own channels, and while
    # consumers are receiving, a channel with another prefix is never read.
    channel = await layer.new_channel()
    token = uuid.uuid4().hex
    await layer.send(channel, {"type": "healthz", "token": token})
    message = await asyncio.wait_for(layer.receive(channel), timeout=LAYER_TIMEOUT_SECONDS)
    return message.get("token") == token


async def _channel_layer_answers() -> bool:
    # Twice: right after Redis restarts, the first call can meet a pooled connection that the
    # old server closed; it is dropped from the pool, and the second call gets a new one.
    for attempt in (1, 2):
        try:
            return await _layer_roundtrip()
        except Exception:
            if attempt == 2:
                logger.exception("health check: channel layer")
    return False


@methods("GET")
@never_cache
async def healthz(request: HttpRequest) -> HttpResponse:
    database, channel_layer = await asyncio.gather(_database_answers(), _channel_layer_answers())
    checks = {"database": database, "channel_layer": channel_layer}
    ok = all(checks.values())
    return JsonResponse(
        {"ok": ok, **{name: "ok" if good else "down" for name, good in checks.items()}}, status=200 if ok else 503
    )
