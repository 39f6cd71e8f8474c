"""A small websocket client for the consumer tests, over channels' WebsocketCommunicator.

`Ws.open(workshop_id, member)` connects as that member with a session cookie made the way the
site makes it (a guest's key in the session, or a logged-in account). Frames are JSON; every
frame received is kept in `frames`, and the seq of every `snapshot`, `replay` and `event` is
tracked: a seq that does not increase fails at once, a seq that skips is recorded in `gaps`.

Receiving never waits longer than a timeout; a close from the server is recorded in
`close_code`, and the server's side of the close (the `websocket.disconnect` Daphne sends once
the close handshake is done) is played to the consumer, as Daphne would.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import itertools
import json
import os
import socket
import struct
import time
import warnings
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from websockets.asyncio.client import connect

from goals.members import GUEST_KEY
from workshop.asgi import application

# AllowedHostsOriginValidator read ALLOWED_HOSTS when workshop.asgi was imported, before the
# test runner added "testserver": the origin must be one of the real defaults.
ORIGIN = b"http://localhost"
TIMEOUT = 3.0
GRACE = 1.0  # for a consumer to end after its disconnect

_refs = itertools.count(1)

Frame = dict[str, Any]


def session_cookie(member: Any) -> str:
    """The session key a browser of `member` holds: their account's login, or their guest key."""
    if member.user_id is not None:
        client = Client()
        client.force_login(member.user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value
    session = SessionStore()
    session[GUEST_KEY] = member.guest_key
    session.create()
    return session.session_key


class Closed(AssertionError):
    """The server closed the socket where a frame was expected."""


class Ws:
    def __init__(self, communicator: WebsocketCommunicator, member_id: int | None) -> None:
        self.communicator = communicator
        self.member_id = member_id
        self.accepted = False
        self.refusal: int | None = None  # the close code of a refused handshake
        self.close_code: int | None = None  # the close code of an accepted socket
        self.frames: list[dict[str, Any]] = []
        self.seq: int | None = None
        self.gaps: list[tuple[int, int]] = []
        self.since: int | None = None
        self.disconnected = False

    @classmethod
    async def open(
        cls,
        workshop_id: str,
        member: Any = None,
        *,
        since: Any = None,
        query: str | None = None,
        origin: bytes | None = ORIGIN,
        cookie: str | None = None,
    ) -> Ws:
        """Connect; `member` None is anonymous. Refused handshakes are returned too (`accepted` False)."""
        if member is not None and cookie is None:
            cookie = await sync_to_async(session_cookie)(member)
        headers = []
        if origin is not None:
            headers.append((b"origin", origin))
        if cookie is not None:
            headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
        path = f"/ws/w/{workshop_id}/"
        if query is None and since is not None:
            query = f"since={since}"
        if query is not None:
            path += f"?{query}"
        client = cls(WebsocketCommunicator(application, path, headers=headers), member and member.id)
        if isinstance(since, int):
            client.since = since
        client.accepted, detail = await client.communicator.connect(timeout=TIMEOUT)
        if not client.accepted:
            client.refusal = detail
        return client

    # Sending

    async def send(self, op: str, *, ref: str | None = None, **fields: Any) -> str:
        """Send one op with a fresh ref (or the one given); returns the ref."""
        ref = ref or f"r{next(_refs)}"
        await self.send_text(json.dumps({"op": op, "ref": ref, **fields}))
        return ref

    async def send_text(self, text: str) -> None:
        await self.communicator.send_input({"type": "websocket.receive", "text": text})

    async def send_bytes(self, data: bytes) -> None:
        await self.communicator.send_input({"type": "websocket.receive", "bytes": data})

    # Receiving

    async def recv(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next frame; raises Closed if the server closed the socket instead."""
        if self.close_code is not None:
            raise Closed(f"the socket was closed with {self.close_code}")
        message = await self._output(timeout)
        if message["type"] == "websocket.close":
            self.close_code = message.get("code", 1000)
            await self._server_disconnects()
            raise Closed(f"the socket was closed with {self.close_code}")
        assert message["type"] == "websocket.send", message
        assert "bytes" not in message, f"not a text frame: {message!r}"
        frame = json.loads(message["text"])
        assert isinstance(frame, dict), frame
        self._track(frame)
        self.frames.append(frame)
        return frame

    async def until(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = TIMEOUT) -> list[Frame]:
        """Frames up to and including the first that satisfies `predicate`."""
        deadline = time.monotonic() + timeout
        got = []
        while True:
            frame = await self.recv(max(deadline - time.monotonic(), 0.01))
            got.append(frame)
            if predicate(frame):
                return got

    async def take(self, count: int, *types: str, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        """The next `count` frames of the given types; frames of other types are received and passed over."""
        deadline = time.monotonic() + timeout
        got: list[dict[str, Any]] = []
        while len(got) < count:
            frame = await self.recv(max(deadline - time.monotonic(), 0.01))
            if frame["type"] in types:
                got.append(frame)
        return got

    async def presence_until(self, online: list[int], most: int, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        """Presence frames until one lists `online`, at most `most` of them: a room gathers the
        comings and goings of a quarter second into one frame (live.rooms), never more frames
        than there were changes."""
        got: list[dict[str, Any]] = []
        while not got or got[-1]["online"] != online:
            assert len(got) < most, f"{len(got)} presence frames, none with {online}: {got}"
            got.extend(await self.take(1, "presence", timeout=timeout))
        return got

    async def reply(self, ref: str, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The (first) ack or error for `ref`, received already or next (other frames are kept on the way)."""

        def answers(frame: dict[str, Any]) -> bool:
            return frame["type"] in ("ack", "error") and frame.get("ref") == ref

        for frame in self.frames:
            if answers(frame):
                return frame
        return (await self.until(answers, timeout))[-1]

    async def caught_up(self, seq: int, timeout: float = TIMEOUT) -> list[dict[str, Any]]:
        """Frames until this socket has seen every event up to `seq`."""
        if self.seq is not None and self.seq >= seq:
            return []
        return await self.until(lambda f: self.seq is not None and self.seq >= seq, timeout)

    async def nothing(self, timeout: float = 0.1) -> bool:
        """True if no frame (and no close) arrives within `timeout`."""
        if self.close_code is not None:
            return True
        return await self.communicator.receive_nothing(timeout)

    async def closed(self, timeout: float = TIMEOUT) -> int:
        """Receive (and keep) frames until the server closes the socket; returns the close code."""
        with contextlib.suppress(Closed):
            await self.until(lambda f: False, timeout)
        assert self.close_code is not None
        return self.close_code

    def events(self) -> list[dict[str, Any]]:
        return [frame for frame in self.frames if frame["type"] == "event"]

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [frame for frame in self.frames if frame["type"] == kind]

    # Closing

    async def close(self) -> None:
        """The client goes away (or a refused handshake is over): the consumer's disconnect runs."""
        if self.disconnected:
            return
        self.disconnected = True
        if self.communicator.future.done():
            return
        await self.communicator.send_input({"type": "websocket.disconnect", "code": 1000})
        await self._finished()

    async def _server_disconnects(self) -> None:
        """After a server-side close Daphne sends `websocket.disconnect` with the code; so do we."""
        if self.disconnected:
            return
        self.disconnected = True
        if not self.communicator.future.done():
            await self.communicator.send_input({"type": "websocket.disconnect", "code": self.close_code})
            await self._finished()

    async def _finished(self) -> None:
        """The consumer must end after `websocket.disconnect`; its exception, if any, is raised.

        With channels_redis the consumer's pending `receive()` on the layer sometimes swallows the
        cancellation that await_many_dispatch sends it (the task stays "cancelling" inside redis-py's
        read of BZPOPMIN), and the consumer does not end. Its disconnect() has run by then; the test
        cancels it once more and says so in a warning rather than waiting.
        """
        app = self.communicator.future
        done, _ = await asyncio.wait({app}, timeout=GRACE)
        if not done:
            app.cancel()
            done, _ = await asyncio.wait({app}, timeout=TIMEOUT)
            assert done, f"the consumer did not finish within {GRACE + TIMEOUT} s of the disconnect"
            warnings.warn(
                f"a consumer did not finish within {GRACE} s of its disconnect and was cancelled again",
                RuntimeWarning,
                stacklevel=2,
            )
            return
        app.result()

    async def _output(self, timeout: float) -> dict[str, Any]:
        """The application's next message; its exception at once if it crashed, rather than after the timeout."""
        app = self.communicator.future
        queue = self.communicator.output_queue
        if not queue.empty():
            return queue.get_nowait()
        getting = asyncio.ensure_future(queue.get())
        try:
            await asyncio.wait({getting, app}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not getting.done():
                getting.cancel()
        if getting.done() and not getting.cancelled():
            return getting.result()
        if app.done():
            app.result()  # the consumer's exception, if it raised one
            raise AssertionError("the consumer stopped without closing the socket")
        raise TimeoutError(f"no frame within {timeout} s")

    def _track(self, frame: dict[str, Any]) -> None:
        kind = frame.get("type")
        if kind == "snapshot":
            self.seq = frame["seq"]
        elif kind == "replay":
            seqs = [event["seq"] for event in frame["events"]]
            assert seqs == sorted(set(seqs)), f"replay not in seq order: {seqs}"
            if seqs:
                self.seq = seqs[-1]
            elif self.since is not None:
                self.seq = self.since
        elif kind == "event":
            seq = frame["seq"]
            if self.seq is not None:
                assert seq > self.seq, f"seq went from {self.seq} to {seq}: repeated or out of order"
                if seq != self.seq + 1:
                    self.gaps.append((self.seq, seq))
            self.seq = seq


async def quiet(*sockets: Ws, timeout: float = 0.1) -> bool:
    """True if none of the sockets receives anything within `timeout` (waited for at once, not in turn)."""
    return all(await asyncio.gather(*(ws.nothing(timeout) for ws in sockets)))


def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Database work from an async test, on the same kind of thread the consumer uses."""
    return database_sync_to_async(fn)(*args, **kwargs)


async def connect_all(connect: Callable[..., Any], workshop: Any, *members: Any) -> list[Ws]:
    """Connect one socket per member in turn; each gets its snapshot, and every socket so far its presence."""
    sockets: list[Ws] = []
    for member in members:
        ws = await connect(workshop, member)
        assert ws.accepted, f"{member} was refused with {ws.refusal}"
        first = await ws.recv()
        assert first["type"] == "snapshot"
        sockets.append(ws)
        for each in sockets:
            (presence,) = await each.take(1, "presence")
            assert member.id in presence["online"]
    return sockets


# Clients for a real server (tests.servers.daphne)


def member_socket(url: str, workshop_id: str, cookie: str, *, query: str = "", **options: Any) -> connect:
    """A browser-like websocket (the websockets library) to the server at `url`, as the member whose
    session cookie this is; `await` it, or use it with `async with`."""
    return connect(
        url.replace("http://", "ws://") + f"/ws/w/{workshop_id}/{query}",
        origin=url,
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}"},
        **options,
    )


class RawSocket:
    """A websocket client on a bare TCP socket, for what a browser never does.

    It never answers a ping, sends frames as bytes exactly as given (invalid UTF-8 included)
    and sends any Origin header or none; what it receives is kept as (opcode, payload) pairs.
    Blocking, with a timeout on every read: it is for the real-server tests, which are
    synchronous.
    """

    TEXT, BINARY, CLOSE, PING, PONG = 0x1, 0x2, 0x8, 0x9, 0xA

    def __init__(self, sock: socket.socket, status: int, buffer: bytes) -> None:
        self.sock = sock
        self.status = status  # of the handshake: 101 if accepted
        self.buffer = buffer
        self.received: list[tuple[int, bytes]] = []
        self.close_code: int | None = None
        self.ended = False  # the server closed the TCP connection (with or without a close frame)

    @classmethod
    def open(
        cls,
        base_url: str,
        path: str,
        *,
        origin: str | None = "default",
        cookie: str | None = None,
        timeout: float = TIMEOUT,
    ) -> RawSocket:
        """Connect and handshake; a refused handshake is returned too, with its HTTP status."""
        address = urlsplit(base_url)
        sock = socket.create_connection((address.hostname, address.port), timeout=timeout)
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: {address.netloc}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {base64.b64encode(os.urandom(16)).decode()}",
            "Sec-WebSocket-Version: 13",
        ]
        if origin is not None:
            lines.append(f"Origin: {base_url if origin == 'default' else origin}")
        if cookie is not None:
            lines.append(f"Cookie: {settings.SESSION_COOKIE_NAME}={cookie}")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = sock.recv(4096)
            if not chunk:
                break
            response += chunk
        head, _, rest = response.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/") else 0
        raw = cls(sock, status, rest)
        if status != 101:
            raw.ended = True
            sock.close()
        return raw

    @property
    def accepted(self) -> bool:
        return self.status == 101

    # Sending: client frames are masked (RFC 6455 5.3).

    def send_frame(self, opcode: int, payload: bytes) -> None:
        head = bytes([0x80 | opcode])
        if len(payload) < 126:
            head += bytes([0x80 | len(payload)])
        elif len(payload) < 1 << 16:
            head += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
        mask = os.urandom(4)
        masked = bytes(byte ^ mask[index % 4] for index, byte in enumerate(payload))
        self.sock.sendall(head + mask + masked)

    def send_text(self, text: str | bytes) -> None:
        """A text frame; bytes go as they are, so a frame may carry invalid UTF-8."""
        self.send_frame(self.TEXT, text if isinstance(text, bytes) else text.encode())

    def send_op(self, op: str, ref: str, **fields: Any) -> None:
        self.send_text(json.dumps({"op": op, "ref": ref, **fields}))

    # Receiving

    def _read(self, count: int, deadline: float) -> bytes | None:
        while len(self.buffer) < count:
            self.sock.settimeout(max(deadline - time.monotonic(), 0.01))
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                return None
            except OSError:
                chunk = b""  # reset by the server: ended, as far as this client can tell
            if not chunk:
                self.ended = True
                return None
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def recv_frame(self, timeout: float = TIMEOUT) -> tuple[int, bytes] | None:
        """The next frame, or None if the connection ended or nothing came in time (see `ended`)."""
        if self.ended:
            return None
        deadline = time.monotonic() + timeout
        head = self._read(2, deadline)
        if head is None:
            return None
        opcode, length = head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read(2, deadline) or b"\0\0")[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read(8, deadline) or b"\0" * 8)[0]
        payload = self._read(length, deadline) if length else b""
        if payload is None:
            return None
        self.received.append((opcode, payload))
        if opcode == self.CLOSE:
            self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
        return opcode, payload

    def recv_json(self, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The next text frame as JSON, passing over control frames; fails on a close or nothing."""
        deadline = time.monotonic() + timeout
        while True:
            frame = self.recv_frame(max(deadline - time.monotonic(), 0.01))
            assert frame is not None, f"no frame (ended: {self.ended}, received: {self.received[-3:]})"
            opcode, payload = frame
            assert opcode != self.CLOSE, f"closed with {self.close_code}"
            if opcode == self.TEXT:
                return json.loads(payload)

    def until_closed(self, timeout: float = TIMEOUT) -> int | None:
        """Read (and keep) frames until a close frame or the end of the connection; the close code, if any."""
        deadline = time.monotonic() + timeout
        while self.close_code is None and not self.ended and time.monotonic() < deadline:
            self.recv_frame(max(deadline - time.monotonic(), 0.01))
        return self.close_code

    def close(self) -> None:
        with contextlib.suppress(OSError):
            if not self.ended:
                self.send_frame(self.CLOSE, struct.pack("!H", 1000))
            self.sock.close()
        self.ended = True
