"""Chat services stood in for by real HTTP servers on 127.0.0.1, each checking what it gets.

A receiver answers like its service: 200 for a payload of the right shape, 400 naming what is wrong
otherwise (tests then see the post fail), or the statuses a test queues (`answers`) to play a
service that is down.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.chat import validators


@dataclass
class Receiver:
    kind: str
    url: str = ""
    received: list[dict[str, Any]] = field(default_factory=list)
    problems: list[list[str]] = field(default_factory=list)
    answers: list[int] = field(default_factory=list)  # statuses to give first, in order
    retry_after: str | None = None  # sent as Retry-After with a 429
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def valid(self) -> list[dict[str, Any]]:
        return [body for body, problems in zip(self.received, self.problems, strict=True) if not problems]


def _handler(receiver: Receiver, check: Callable[[Any], list[str]]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                body = json.loads(raw)
                problems = check(body)
            except ValueError as error:
                body, problems = None, [f"not JSON: {error}"]
            if self.headers.get("Content-Type") != "application/json":
                problems.append(f"Content-Type {self.headers.get('Content-Type')}")
            with receiver.lock:
                receiver.received.append(body)
                receiver.problems.append(problems)
                status = receiver.answers.pop(0) if receiver.answers else (400 if problems else 200)
            answer = json.dumps({"ok": status < 300, "problems": problems}).encode()
            self.send_response(status)
            if status == 429 and receiver.retry_after is not None:
                self.send_header("Retry-After", receiver.retry_after)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def receiver(kind: str) -> Iterator[Receiver]:
    got = Receiver(kind)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(got, validators.CHECKS[kind]))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    got.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/{kind}/T0001/B0002/secretXYZW"
    try:
        yield got
    finally:
        server.shutdown()
        server.server_close()
