"""A webhook receiver on 127.0.0.1 that checks every delivery as a real receiver would, and time
that the tests move.

The receiver verifies each request's signature with `standardwebhooks.Webhook(secret).verify`
against the secret the API gave for its path; a request that does not verify is kept apart
(`forged`), and every test asserts there is none. What it answers is scripted per path: a list
of statuses taken one by one (the last one repeats), "hang" to answer nothing until the test
ends, ("redirect", path) for a 302, or ("wait", status, value) for a status with a Retry-After.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import defaultdict
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone
from standardwebhooks import Webhook, WebhookVerificationError

from tests.goals.conftest import logged_in


class Receiver:
    def __init__(self) -> None:
        self.secrets: dict[str, str] = {}
        self.script: dict[str, list[Any]] = defaultdict(lambda: [200])
        self.received: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.forged: list[tuple[str, str]] = []
        self.requests: dict[str, int] = defaultdict(int)
        self.ids: dict[str, list[str]] = defaultdict(list)
        self.released = threading.Event()
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.handle(self, body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def answer(self, path: str) -> Any:
        with self.lock:
            self.requests[path] += 1
            script = self.script[path]
            return script.pop(0) if len(script) > 1 else script[0]

    def handle(self, handler: BaseHTTPRequestHandler, body: bytes) -> None:
        path = handler.path
        answer = self.answer(path)
        self.ids[path].append(handler.headers["webhook-id"])
        if answer == "hang":
            self.released.wait(30)
            return
        try:
            payload = Webhook(self.secrets[path]).verify(body, dict(handler.headers.items()))
        except (KeyError, WebhookVerificationError) as error:
            self.forged.append((path, str(error)))
            answer = 401
        else:
            if isinstance(answer, int) and 200 <= answer < 300:
                with self.lock:
                    self.received[path].append(
                        {"id": handler.headers["webhook-id"], "body": payload, "raw": body.decode()}
                    )
        if isinstance(answer, tuple) and answer[0] == "wait":
            handler.send_response(answer[1])
            handler.send_header("Retry-After", answer[2])
        elif isinstance(answer, tuple):
            handler.send_response(302)
            handler.send_header("Location", self.url(answer[1]))
        else:
            handler.send_response(answer)
        handler.send_header("Content-Length", "2")
        handler.end_headers()
        handler.wfile.write(b"ok")

    def close(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    settings.SITE_URL = "https://rallypoint.example.org"
    served = Receiver()
    yield served
    served.close()
    assert not served.forged, served.forged


@pytest.fixture
def clock():
    """`clock(seconds=5)` moves core.clock, which the jobs, the attempts and the retries read."""
    offset = timedelta()
    real = timezone.now

    def move(**delta: float) -> None:
        nonlocal offset
        offset += timedelta(**delta)

    with mock.patch("core.clock.now", side_effect=lambda: real() + offset):
        yield move


@pytest.fixture
def leader_client(leader_user, workshop):
    return logged_in(leader_user)


@pytest.fixture
def hooks(leader_client, workshop):
    """The webhooks API of `workshop`, as its leader."""

    class Api:
        base = f"/api/w/{workshop.id}/webhooks"

        def post(self, path: str = "", body: Any = None) -> Any:
            data = json.dumps(body) if body is not None else ""
            return leader_client.post(self.base + path, data, content_type="application/json")

        def get(self, path: str = "") -> Any:
            return leader_client.get(self.base + path)

        def delete(self, path: str) -> Any:
            return leader_client.delete(self.base + path)

        def create(self, receiver: Receiver, path: str = "/hook", events: list[str] | None = None) -> dict[str, Any]:
            response = self.post(body={"url": receiver.url(path), "events": events or ["*"]})
            assert response.status_code == 201, response.content
            created = response.json()
            receiver.secrets[path] = created["secret"]
            return created

        def deliveries(self, hook: dict[str, Any]) -> list[dict[str, Any]]:
            response = self.get(f"/{hook['id']}/deliveries")
            assert response.status_code == 200
            return response.json()["deliveries"]

    return Api()


@contextlib.contextmanager
def resolving(names: dict[str, list[str]]):
    """Names resolve to these addresses, and nothing else resolves at all."""

    def resolve(host: str, port: int) -> list[str]:
        if host not in names:
            raise OSError(f"{host} is not known here")
        return names[host]

    with mock.patch("outbound.guard.resolver", resolve):
        yield
