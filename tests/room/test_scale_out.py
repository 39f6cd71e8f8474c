"""Many processes, one room (protocol §5): two Daphne processes on PostgreSQL and Redis.

Members of one workshop connect to two real Daphne processes; every change made
through either arrives through both, in the same gapless seq order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.conf import settings
from websockets.asyncio.client import ClientConnection

from live.models import Event
from planning.models import Item
from planning.snapshot import build_snapshot
from tests.planning.replay import apply
from tests.planning.ws import member_socket, session_cookie
from tests.servers import daphne

SCALE_OUT = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and bool(settings.REDIS_URL)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not SCALE_OUT,
        reason="processes share a workshop only through PostgreSQL and Redis: this runs in the PostgreSQL + Redis pass",
    ),
]

OPS_PER_MEMBER = 15
TIMEOUT = 20


class Client:
    """A member's socket: it applies what it receives with the reference reducer."""

    def __init__(self, member: Any, url: str, cookie: str) -> None:
        self.member = member
        self.url = url
        self.cookie = cookie
        self.state: dict[str, Any] = {}
        self.seqs: list[int] = []
        self.acked: dict[str, int] = {}
        self.socket: ClientConnection | None = None

    async def open(self, workshop_id: str) -> None:
        self.socket = await member_socket(self.url, workshop_id, self.cookie)
        first = json.loads(await self.socket.recv())
        assert first["type"] == "snapshot"
        self.state = first

    async def listen(self) -> None:
        assert self.socket is not None
        async for text in self.socket:
            frame = json.loads(text)
            if frame["type"] == "event":
                self.seqs.append(frame["seq"])
                self.state = apply(self.state, frame, self.member.id)
            elif frame["type"] == "ack":
                self.acked[frame["ref"]] = frame["seq"]
            elif frame["type"] == "error":
                raise AssertionError(f"op refused: {frame}")

    def done(self, last: int) -> bool:
        return len(self.acked) == OPS_PER_MEMBER and self.seqs[-1:] == [last]

    async def add_items(self, lane: int) -> None:
        assert self.socket is not None
        for n in range(OPS_PER_MEMBER):
            op = {"op": "item.add", "ref": f"{self.member.id}-{n}", "lane": lane, "title": f"{self.member.name} {n}"}
            await self.socket.send(json.dumps(op))


def _fresh(snapshot: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in snapshot.items() if key not in ("server_time", "online")}


async def test_changes_through_either_process_reach_both_in_one_seq_order(workshop, join):
    members = [await sync_to_async(join)(name=f"Person {n}") for n in range(6)]
    cookies = [await sync_to_async(session_cookie)(member) for member in members]
    lane = (await sync_to_async(build_snapshot)(workshop.id, members[0].id))["lanes"][0]["id"]

    with daphne() as first, daphne() as second:
        clients = [
            Client(member, first if n % 2 == 0 else second, cookie)
            for n, (member, cookie) in enumerate(zip(members, cookies, strict=True))
        ]
        for client in clients:
            await client.open(workshop.id)
        listeners = [asyncio.create_task(client.listen()) for client in clients]
        start = clients[0].state["seq"]
        total = OPS_PER_MEMBER * len(clients)
        expected = list(range(start + 1, start + total + 1))
        try:
            await asyncio.gather(*(client.add_items(lane) for client in clients))
            try:
                async with asyncio.timeout(TIMEOUT):
                    while not all(client.done(expected[-1]) for client in clients):
                        await asyncio.sleep(0.05)
            except TimeoutError:
                progress = [(client.url, len(client.acked), len(client.seqs), client.seqs[-1:]) for client in clients]
                failed = [task.exception() for task in listeners if task.done()]
                raise AssertionError(f"not every change arrived: {progress} {failed}") from None
        finally:
            for client in clients:
                if client.socket is not None:
                    await client.socket.close()
            for task in listeners:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    log = await sync_to_async(lambda: list(Event.objects.filter(workshop=workshop).values_list("seq", flat=True)))()
    assert log == list(range(1, start + total + 1))
    assert await sync_to_async(Item.objects.filter(workshop=workshop).count)() == total
    for client in clients:
        # every change, from both processes, in the one seq order, none missing or repeated
        assert client.seqs == expected, f"{client.member.name} on {client.url}"
        fresh = await sync_to_async(build_snapshot)(workshop.id, client.member.id)
        assert _fresh(client.state) == _fresh(fresh)


# The Redis layer waits for messages with a 5 s blocking pop; a client read timeout at or
# under that tore idle sockets down with 1011 (redis-py 8's default, channels_redis #422).
IDLE_SECONDS = 7


async def _listen_for(socket: ClientConnection, seconds: float) -> list[dict[str, Any]]:
    heard: list[dict[str, Any]] = []
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            while True:
                heard.append(json.loads(await socket.recv()))
    return heard


@contextlib.asynccontextmanager
async def one_member_connected(workshop: Any, join: Any, name: str) -> AsyncIterator[tuple[str, ClientConnection]]:
    """A Daphne process and one member's open socket to it (past its snapshot)."""
    member = await sync_to_async(join)(name=name)
    with daphne() as url:
        client = Client(member, url, await sync_to_async(session_cookie)(member))
        await client.open(workshop.id)
        assert client.socket is not None
        try:
            yield url, client.socket
        finally:
            await client.socket.close()


async def test_an_idle_socket_stays_open_and_working(workshop, join):
    async with one_member_connected(workshop, join, "Quiet") as (_, socket):
        heard = await _listen_for(socket, IDLE_SECONDS)  # raises if the socket closes
        assert [frame["type"] for frame in heard] in ([], ["presence"])
        await socket.send(json.dumps({"op": "member.ready", "ref": "after-idle", "ready": True}))
        async with asyncio.timeout(TIMEOUT):
            frames = [json.loads(await socket.recv()) for _ in range(2)]
    assert {"type": "ack", "ref": "after-idle", "seq": frames[-1]["seq"]} in frames


async def test_healthz_is_ok_on_a_process_with_open_sockets(workshop, join):
    async with one_member_connected(workshop, join, "Connected") as (url, _):
        status, body = await asyncio.to_thread(_get, f"{url}/healthz")
    assert (status, body["channel_layer"]) == (200, "ok")


def _get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (localhost)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())
