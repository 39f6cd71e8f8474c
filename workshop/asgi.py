"""ASGI entry point: HTTP goes to Django, websockets to the workshop consumer."""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workshop.settings")

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from room.routing import websocket_urlpatterns  # noqa: E402
from workshop.socket_sessions import socket_auth_stack  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(socket_auth_stack(URLRouter(websocket_urlpatterns))),
    }
)

from django.conf import settings  # noqa: E402

if settings.RUN_JOBS:
    # `./dev serve` and a one-process install run the background jobs here too (protocol §9).
    from jobs.worker import start_threads

    start_threads()

# What is loaded by now (Django, the apps, Twisted, the libraries) lives as long as the process,
# yet every full collection walked all of it, stopping the event loop, and every socket with it,
# for 75-150 ms under load (30-45 ms frozen; docs/performance.md).
gc.freeze()
