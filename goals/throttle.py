"""How often one client may knock: requests per client address and minute, counted in the cache.

The cache is Redis when REDIS_URL is set, so every Daphne process behind the load balancer adds
to one count; otherwise each process's memory, right for the one process of the embedded setup.

A client is its IP address as Daphne saw it (behind nginx, `--proxy-headers` makes that the
browser's), but for IPv6 its /64 network: a single host is commonly given a whole /64 and could
otherwise step through addresses. Windows are fixed minutes, one key and one INCR per request;
across a window's edge a client can get up to twice a limit through, which is fine for slowing
guesses down.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from core import clock

log = logging.getLogger(__name__)

# The limits in settings are per minute; a /64 is the smallest block a host is usually given.
WINDOW_SECONDS = 60
IPV6_PREFIX = 64


@dataclass(frozen=True)
class Limit:
    """A budget per client and window; `setting` names the number, read on every use, 0 for none."""

    scope: str
    setting: str

    @property
    def per_window(self) -> int:
        return getattr(settings, self.setting)


JOINS = Limit("join", "JOIN_RATE_LIMIT")
GUESSES = Limit("guess", "JOIN_GUESS_LIMIT")


def client_address(request: HttpRequest) -> str:
    """The address a throttle counts against; also django-axes' (AXES_CLIENT_IP_CALLABLE)."""
    raw = request.META.get("REMOTE_ADDR") or ""
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, IPV6_PREFIX), strict=False).network_address)
    return str(address)


def _window() -> int:
    return int(clock.now().timestamp()) // WINDOW_SECONDS


def seconds_left() -> int:
    """Until the current window ends: what Retry-After says."""
    return WINDOW_SECONDS - int(clock.now().timestamp()) % WINDOW_SECONDS


def _key(limit: Limit, client: str) -> str:
    return f"throttle:{limit.scope}:{client}:{_window()}"


def count(limit: Limit, client: str) -> bool:
    """Record one request; False once this client has gone over the limit in this window.

    When the cache cannot be reached the request is let through: a join matters more than a
    throttle that only slows down guessing 172-bit links.
    """
    if limit.per_window <= 0:
        return True
    key = _key(limit, client)
    try:
        cache.add(key, 0, timeout=WINDOW_SECONDS + 5)
        try:
            used = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=WINDOW_SECONDS + 5)
            used = 1
    except Exception:
        log.warning("Throttle %s: the cache did not answer; request let through.", limit.scope, exc_info=True)
        return True
    return used <= limit.per_window


def exceeded(limit: Limit, client: str) -> bool:
    """Whether this client is already over the limit in this window, without counting."""
    if limit.per_window <= 0:
        return False
    try:
        used = cache.get(_key(limit, client), 0)
    except Exception:
        log.warning("Throttle %s: the cache did not answer; request let through.", limit.scope, exc_info=True)
        return False
    return used > limit.per_window
