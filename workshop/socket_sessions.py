"""The Django session of a websocket, for the auth middleware and the consumer.

Channels' SessionMiddleware wraps the application's `send` so that it can save the session
and set its cookie on an HTTP response; on a websocket it saves nothing, yet the wrapper
still read the session's state on every frame sent, and a process of a 500-member room
sends ten thousand frames a second. This puts the same session in the scope and leaves
`send` as it is. A websocket never changes the session: logging in and out happen over HTTP.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from channels.auth import AuthMiddleware
from channels.sessions import CookieMiddleware
from django.conf import settings


class SocketSessionMiddleware:
    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.store = import_module(settings.SESSION_ENGINE).SessionStore

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        # The store reads the session from the database on first use, not here.
        session = self.store(scope["cookies"].get(settings.SESSION_COOKIE_NAME))
        return await self.inner({**scope, "session": session}, receive, send)


def socket_auth_stack(inner: Any) -> Any:
    """Channels' AuthMiddlewareStack with the session middleware above."""
    return CookieMiddleware(SocketSessionMiddleware(AuthMiddleware(inner)))
