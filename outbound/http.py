"""POSTing to another server: the address rules on every connection, no redirects, a deadline.

Built on http.client rather than a client library because the guard must choose the socket: the
connection goes to the address `guard.connect_to` resolved and checked (TLS still verifies the
certificate for the host's name), and http.client never follows a redirect, which would be a way
round the guard. A `Poster` keeps one connection per host open across the POSTs of one job, so a
job draining many deliveries to one receiver does not pay a TLS handshake for each.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parsedate_to_datetime
from types import TracebackType

from django.utils import timezone

from outbound import guard

# A 2xx within this long is a delivery (protocol §9).
TIMEOUT_SECONDS = 10.0
# What is read of a receiver's answer, for the deliveries list: its status, not its body.
BODY_READ_MAX = 4096


# Statuses whose Retry-After says when the receiver wants to hear from us again (RFC 9110 §10.2.3,
# RFC 6585 §4): Slack, Discord and Teams answer 429 with it when a channel gets too many posts.
RETRY_AFTER_STATUSES = frozenset({429, 503})


@dataclass(frozen=True)
class Answer:
    status: int | None  # None: no HTTP answer (refused, unreachable, timed out)
    error: str = ""
    # How long the receiver asked us to wait (its Retry-After), if it did and the value made sense.
    retry_after: timedelta | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _GuardedConnection(http.client.HTTPConnection):
    def __init__(self, target: guard.Target, timeout: float) -> None:
        super().__init__(target.host, target.port, timeout=timeout)
        self.target = target

    def connect(self) -> None:
        self.sock = guard.connect_to(self.target, self.timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.target.scheme == "https":
            context = ssl.create_default_context()
            self.sock = context.wrap_socket(self.sock, server_hostname=self.target.host)


class Poster:
    def __init__(self, timeout: float = TIMEOUT_SECONDS) -> None:
        self.timeout = timeout
        self.connections: dict[tuple[str, str, int], _GuardedConnection] = {}

    def __enter__(self) -> Poster:
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        for connection in self.connections.values():
            connection.close()
        self.connections.clear()

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        try:
            target = guard.parse(url)
        except Exception as error:  # an address that became unusable since it was added
            return Answer(None, str(error))
        key = (target.scheme, target.host, target.port)
        for attempt in range(2):
            connection = self.connections.get(key)
            fresh = connection is None
            if connection is None:
                connection = self.connections[key] = _GuardedConnection(target, self.timeout)
            try:
                connection.request(
                    "POST", target.path, body=body, headers={"Content-Type": "application/json", **headers}
                )
                response = connection.getresponse()
                response.read(BODY_READ_MAX)
                if response.will_close or response.length:
                    connection.close()
                    del self.connections[key]
                wait = (
                    retry_after(response.getheader("Retry-After")) if response.status in RETRY_AFTER_STATUSES else None
                )
                return Answer(response.status, retry_after=wait)
            except guard.Refused as refusal:
                self._drop(key)
                return Answer(None, str(refusal))
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
                # A kept-alive connection the receiver closed meanwhile: once more on a new one.
                self._drop(key)
                if fresh or attempt:
                    return Answer(None, f"The receiver closed the connection: {error}.")
            except TimeoutError:
                self._drop(key)
                return Answer(None, f"No answer within {self.timeout:g} s.")
            except (OSError, http.client.HTTPException) as error:
                self._drop(key)
                return Answer(None, f"{type(error).__name__}: {error}")
        return Answer(None, "No answer.")

    def _drop(self, key: tuple[str, str, int]) -> None:
        connection = self.connections.pop(key, None)
        if connection is not None:
            connection.close()


def retry_after(value: str | None) -> timedelta | None:
    """A Retry-After header as a wait: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        return None
    return max(when - timezone.now(), timedelta())


def post(url: str, body: bytes, headers: dict[str, str], timeout: float = TIMEOUT_SECONDS) -> Answer:
    with Poster(timeout) as poster:
        return poster.post(url, body, headers)
