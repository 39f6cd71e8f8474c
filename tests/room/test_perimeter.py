"""The websocket's perimeter (protocol §4): who may open a socket, what it may send, how many a
member may hold, and when an open one is closed without being asked.

Through the ASGI application (Channels' communicator, as in test_consumers.py), and, for what
only the real server decides (the close code on the wire, an Origin of `null`, pings), through a
Daphne process of tests/servers.py started with the options deploy/ gives it, pings made short.

Covered in test_consumers.py and not repeated here: a foreign, look-alike or missing Origin,
no session, another workshop's member, a removed member and an unknown workshop refused before
any data; 1009 for text and binary frames over 16 KiB (and exactly 16 KiB accepted); the burst
of 40, `rate_limited` and the 4429 flood close, on a fake clock and on the real one; removal
closing every socket of the member with 4403.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import shlex
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from websockets.sync.client import connect as polite_connect

from core import clock, limits
from core.ratelimit import BURST, FLOOD_AFTER_REFUSALS, OPS_PER_SECOND
from goals.members import GUEST_KEY
from goals.models import Member, Role
from live.models import Connection
from live.presence import PRESENCE_TIMEOUT
from room.consumers import CLOSE_NOT_A_MEMBER, CLOSE_TOO_BIG, CLOSE_TOO_MANY_SOCKETS, MAX_FRAME_BYTES
from tests import servers
from tests.planning.helpers import board_state
from tests.planning.ws import RawSocket, connect_all, run, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(settings.BASE_DIR)
SERVICE = ROOT / "deploy" / "systemd" / "rallypoint@.service"
NGINX = ROOT / "deploy" / "nginx" / "rallypoint.conf"
# Daphne looks at its sockets' pings every 2 s (daphne.server.Server.timeout_checker).
DAPHNE_CHECK_SECONDS = 2
# On the test server: ping after 1 s of silence, drop 2 s after an unanswered ping.
TEST_PINGS = {"--ping-interval": "1", "--ping-timeout": "2"}
# Far longer than a test server can take to ping and drop (1 + 2 + two checks); only a bound.
DROP_WITHIN = 30


# The real server, as deployed


def deployed_daphne_options() -> dict[str, str | None]:
    """Daphne's options in the service file (`--flag` maps to None), without where it listens."""
    line = next(line for line in SERVICE.read_text().splitlines() if line.startswith("ExecStart="))
    program, *arguments, application = shlex.split(line.removeprefix("ExecStart="))
    assert program.endswith("/python"), line
    assert arguments[:2] == ["-m", "workshop.serve"], line  # the launcher the test servers run too
    del arguments[:2]
    assert application == "workshop.asgi:application", line
    options: dict[str, str | None] = {}
    while arguments:
        name = arguments.pop(0)
        options[name] = arguments.pop(0) if arguments and not arguments[0].startswith("-") else None
    for listening in ("-u", "-b", "-p"):
        options.pop(listening, None)
    return options


@contextlib.contextmanager
def daphne_with(options: dict[str, str | None]) -> Iterator[str]:
    """tests.servers.daphne() with these options added to Daphne's command line."""
    real_popen = subprocess.Popen
    extra = [part for name, value in options.items() for part in (name, value) if part is not None]

    def popen(command: list[str], **kwargs: Any) -> subprocess.Popen[bytes]:
        *program, application = command
        assert application == "workshop.asgi:application", command
        return real_popen([*program, *extra, application], **kwargs)

    with contextlib.ExitStack() as stack:
        with mock.patch.object(servers.subprocess, "Popen", popen):
            url = stack.enter_context(servers.daphne())
        yield url


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker) -> Iterator[str]:
    """One Daphne for this module, as deployed but with short pings: http://localhost:<port>."""
    with daphne_with({**deployed_daphne_options(), **TEST_PINGS}) as url:
        yield url


def path_of(workshop: Any) -> str:
    return f"/ws/w/{workshop.id}/"


def opened(server: str, workshop: Any, member: Any, **options: Any) -> RawSocket:
    """A raw socket of `member` past its snapshot and first presence."""
    raw = RawSocket.open(server, path_of(workshop), cookie=session_cookie(member), **options)
    assert raw.accepted, raw.status
    assert raw.recv_json()["type"] == "snapshot"
    assert raw.recv_json()["type"] == "presence"
    return raw


def test_the_deployed_server_pings_idle_sockets_and_drops_silent_ones_before_presence_would():
    options = deployed_daphne_options()
    interval, timeout = int(options.get("--ping-interval") or 0), int(options.get("--ping-timeout") or 0)
    # Often enough for proxies and NATs that cut a connection silent for a minute, and well
    # inside nginx's own read timeout for websockets; rarely enough to cost nothing.
    assert 5 <= interval <= 30, options
    read_timeout = re.search(r"location /ws/ \{[^}]*proxy_read_timeout (\d+)([smh]?);", NGINX.read_text())
    assert read_timeout is not None
    assert interval < int(read_timeout.group(1)) * {"": 1, "s": 1, "m": 60, "h": 3600}[read_timeout.group(2)]
    # A browser that vanished is dropped before a socket of a dead process stops counting.
    assert timeout >= 5
    assert interval + timeout + DAPHNE_CHECK_SECONDS <= PRESENCE_TIMEOUT.total_seconds()


# 1. The handshake

ORIGINS = {
    "null": b"null",
    "empty": b"",
    "userinfo": b"http://localhost@evil.example",
    "allowed host in the path": b"http://evil.example/localhost",
    "allowed host as a subdomain": b"http://localhost.evil.example.net",
    "websocket scheme elsewhere": b"ws://evil.example",
    "file": b"file:///etc/passwd",
}


@pytest.mark.parametrize("origin", list(ORIGINS))
async def test_an_origin_that_is_not_an_allowed_host_is_refused_at_the_handshake(room, connect, origin):
    ws = await connect(room.workshop, room.member, origin=ORIGINS[origin])
    assert not ws.accepted
    assert ws.frames == []
    assert await run(Connection.objects.count) == 0


@pytest.mark.parametrize("session", ["unknown key", "empty", "key of a flushed session"])
async def test_a_cookie_that_names_no_session_is_refused(room, connect, session):
    cookie = {"unknown key": secrets.token_hex(16), "empty": ""}.get(session)
    if cookie is None:
        cookie = await run(session_cookie, room.member)
        await run(SessionStore(session_key=cookie).flush)
    ws = await connect(room.workshop, None, cookie=cookie)
    if ws.accepted:
        assert await ws.closed() == CLOSE_NOT_A_MEMBER
    assert ws.frames == []
    assert await run(Connection.objects.count) == 0


@pytest.mark.parametrize(
    ("origin", "cookie", "accepted"),
    [
        ("allowed", True, True),
        ("null", True, False),
        ("missing", True, False),
        ("foreign", True, False),
        ("allowed", False, False),
    ],
)
def test_the_real_server_refuses_the_handshake_of_a_bad_origin_or_no_session(room, server, origin, cookie, accepted):
    """Daphne lets an Origin of `null` through to the application (autobahn's allowNullOrigin)."""
    header = {"allowed": "default", "null": "null", "missing": None, "foreign": "http://evil.example"}[origin]
    raw = RawSocket.open(
        server, path_of(room.workshop), origin=header, cookie=session_cookie(room.member) if cookie else None
    )
    try:
        assert raw.accepted == accepted, raw.status
        if accepted:
            assert raw.recv_json()["type"] == "snapshot"
        else:
            assert raw.status == 403
            assert raw.received == []
    finally:
        raw.close()


# 2. Frames the server will not take


@pytest.mark.parametrize("kind", ["text", "binary"])
def test_the_real_server_closes_a_frame_over_16_kib_with_1009(room, server, kind):
    """The close code must reach the browser as 1009, not as a server error."""
    raw = opened(server, room.workshop, room.member)
    before = board_state(room.workshop)
    oversized = json.dumps({"op": "item.add", "ref": "big", "lane": room.lanes[0].id, "title": "a" * MAX_FRAME_BYTES})
    if kind == "text":
        raw.send_text(oversized)
    else:
        raw.send_frame(RawSocket.BINARY, oversized.encode())
    assert raw.until_closed() == CLOSE_TOO_BIG
    assert [opcode for opcode, _ in raw.received[2:]] == [RawSocket.CLOSE], "nothing but the close"
    assert board_state(room.workshop) == before
    raw.close()


def test_the_real_server_throttles_a_flood_then_closes_it_with_4429(room, server):
    """On the real clock the bucket refills while the server works through the flood, so a few
    frames after the burst may be let through (at most 20 for each second it took); the exact
    sequence is test_consumers.py's, on a fake clock."""
    raw = opened(server, room.workshop, room.member)
    before = board_state(room.workshop)
    started = time.monotonic()
    for n in range(BURST + 200):
        raw.send_text(json.dumps({"op": "no.such.op", "ref": f"f{n}"}))
    assert raw.until_closed(timeout=10) == 4429
    took = time.monotonic() - started
    frames = [json.loads(payload) for opcode, payload in raw.received if opcode == RawSocket.TEXT]
    codes = [frame["code"] for frame in frames if frame["type"] == "error"]
    assert codes[:BURST] == ["bad_request"] * BURST
    after_burst = codes[BURST:]
    assert set(after_burst) <= {"bad_request", "rate_limited"}
    assert after_burst.count("bad_request") <= OPS_PER_SECOND * took + 1
    # closed on the refusal after a run of FLOOD_AFTER_REFUSALS, each of them answered
    assert after_burst[-FLOOD_AFTER_REFUSALS:] == ["rate_limited"] * FLOOD_AFTER_REFUSALS
    assert board_state(room.workshop) == before
    raw.close()


def test_invalid_utf_8_fails_a_text_frame_and_is_a_bad_request_in_a_binary_one(room, server):
    """RFC 6455 (8.1): a text frame that is not UTF-8 fails the connection, in the server itself;
    a binary frame reaches the application, which answers that ops are text frames."""
    frame = b'{"op": "member.ready", "ref": "r\xff\xfe", "ready": true}'
    text = opened(server, room.workshop, room.member)
    binary = opened(server, room.workshop, room.member)
    before = board_state(room.workshop)

    binary.send_frame(RawSocket.BINARY, frame)
    error = binary.recv_json()
    assert (error["type"], error["code"], error["ref"]) == ("error", "bad_request", None)
    binary.send_op("member.ready", "after", ready=True)
    assert binary.recv_json() == {"type": "ack", "ref": "after", "seq": before[0] + 1}

    text.send_text(frame)
    text.until_closed()
    assert text.ended or text.close_code == 1007
    answers = [json.loads(payload) for opcode, payload in text.received if opcode == RawSocket.TEXT]
    assert [frame for frame in answers if frame["type"] in ("ack", "error")] == [], "no answer to it"
    assert board_state(room.workshop)[0] == before[0] + 1
    binary.close()


# 3. Sockets per member


async def test_a_member_holds_at_most_ten_sockets_the_next_is_closed_with_4429_before_any_data(room, connect):
    assert limits.MAX_SOCKETS_PER_MEMBER == 10
    # connect_all receives each socket's presence on every socket opened before it
    watcher, *tabs = await connect_all(connect, room.workshop, room.target, *[room.member] * 10)

    extra = await connect(room.workshop, room.member)
    assert extra.accepted, "accepted, so that the browser is told why"
    assert await extra.closed() == CLOSE_TOO_MANY_SOCKETS == 4429
    assert extra.frames == []
    assert await watcher.nothing(), "a refused socket is nobody's presence"
    assert await run(Connection.objects.filter(member=room.member).count) == 10

    # someone else's socket is not counted against the member, nor theirs against them
    other = await connect(room.workshop, room.facilitator)
    assert (await other.recv())["type"] == "snapshot"

    # a place freed is a place taken
    await tabs[0].close()
    again = await connect(room.workshop, room.member)
    assert (await again.recv())["type"] == "snapshot"
    for tab in tabs[1:]:
        ref = await tab.send("member.ready", ready=True)
        assert (await tab.reply(ref))["type"] == "ack"
        assert tab.close_code is None


async def test_sockets_connecting_at_once_get_ten_places_and_no_more(room, connect):
    sockets = await asyncio.gather(*(connect(room.workshop, room.member) for _ in range(15)))
    codes = []
    for ws in sockets:
        first = None
        with contextlib.suppress(AssertionError):
            first = await ws.recv()
        codes.append("snapshot" if first and first["type"] == "snapshot" else ws.close_code)
    assert sorted(codes, key=str) == sorted([CLOSE_TOO_MANY_SOCKETS] * 5 + ["snapshot"] * 10, key=str)
    assert await run(Connection.objects.filter(member=room.member).count) == 10


async def test_sockets_of_a_process_that_died_do_not_take_places(room, connect):
    """A killed process leaves its rows; after PRESENCE_TIMEOUT they count for nothing, places included."""

    def leave_dead_rows() -> None:
        stale = clock.now() - PRESENCE_TIMEOUT - timedelta(seconds=1)
        for n in range(limits.MAX_SOCKETS_PER_MEMBER):
            row = Connection.objects.create(workshop=room.workshop, member=room.member, channel_name=f"dead.{n}")
            Connection.objects.filter(pk=row.pk).update(seen_at=stale)

    await run(leave_dead_rows)
    ws = await connect(room.workshop, room.member)
    assert (await ws.recv())["type"] == "snapshot"


# 4. Logging out


def browser_of(cookie: str) -> Client:
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    return client


async def test_logging_out_closes_that_sessions_sockets_with_4404_and_only_those(room, connect, other_workshop):
    laptop = await run(session_cookie, room.leader)
    phone = await run(session_cookie, room.leader)
    (watcher,) = await connect_all(connect, room.workshop, room.target)
    # The leader has joined another workshop too: the laptop's session has a socket there.
    await run(Member.objects.create, workshop=other_workshop, user=room.leader.user, name="Lee", role=Role.MEMBER)
    tabs = [await connect(room.workshop, room.leader, cookie=laptop) for _ in range(2)]
    tabs.append(await connect(other_workshop, room.leader, cookie=laptop))
    on_phone = await connect(room.workshop, room.leader, cookie=phone)
    for ws in (*tabs, on_phone):
        assert (await ws.recv())["type"] == "snapshot"
    before = await run(board_state, room.workshop)

    assert (await run(browser_of(laptop).post, "/accounts/logout/")).status_code == 302

    for ws in tabs:
        assert await ws.closed() == CLOSE_NOT_A_MEMBER
        assert {frame["type"] for frame in ws.frames} <= {"snapshot", "presence"}
    ref = await on_phone.send("member.ready", ready=True)
    assert (await on_phone.reply(ref))["type"] == "ack", "the leader's other device stays"
    assert on_phone.close_code is None
    assert await run(board_state, room.workshop) == (before[0] + 1, before[1] + 1)
    online = await run(lambda: sorted(Connection.objects.values_list("member_id", flat=True)))
    assert online == sorted([room.target.id, room.leader.id])
    # three sockets came, two went: the leader is still online, on the phone
    await watcher.presence_until(sorted([room.target.id, room.leader.id]), most=5)

    again = await connect(room.workshop, room.leader, cookie=laptop)
    if again.accepted:
        assert await again.closed() == CLOSE_NOT_A_MEMBER
    assert again.frames == []


async def test_a_guest_whose_session_is_logged_out_loses_their_sockets(room, connect):
    """A guest's membership lives in the session: logging it out (Django flushes it) leaves
    their sockets without a member session. The member stays in the workshop."""

    def guest_session() -> str:
        session = SessionStore()
        session[GUEST_KEY] = room.member.guest_key
        session.create()
        return session.session_key

    cookie = await run(guest_session)
    watcher = (await connect_all(connect, room.workshop, room.target))[0]
    sockets = [await connect(room.workshop, room.member, cookie=cookie) for _ in range(2)]
    for ws in sockets:
        assert (await ws.recv())["type"] == "snapshot"
    await watcher.presence_until(sorted([room.target.id, room.member.id]), most=2)

    assert (await run(browser_of(cookie).post, "/accounts/logout/")).status_code == 302
    for ws in sockets:
        assert await ws.closed() == CLOSE_NOT_A_MEMBER
    await watcher.presence_until([room.target.id], most=2)
    assert await run(lambda: Member.objects.get(pk=room.member.pk).removed_at) is None
    assert await run(lambda: SessionStore().exists(cookie)) is False


async def test_logging_out_a_session_without_sockets_closes_nobody_elses(room, connect, leader_user):
    sockets = await connect_all(connect, room.workshop, room.member, room.target)
    bystander = Client()
    await run(bystander.force_login, leader_user)
    assert (await run(bystander.post, "/accounts/logout/")).status_code == 302
    for ws in sockets:
        ref = await ws.send("member.ready", ready=True)
        assert (await ws.reply(ref))["type"] == "ack"
        assert ws.close_code is None


# 5. Idle sockets


def test_a_socket_that_never_answers_a_ping_is_dropped_and_leaves_presence(room, server):
    """Daphne pings a silent socket and drops it when no pong comes: a laptop shut without a
    goodbye does not stay online. A browser that answers (here the websockets library) stays."""
    address = server.replace("http://", "ws://") + path_of(room.workshop)
    with polite_connect(
        address,
        origin=server,
        additional_headers={"Cookie": f"{settings.SESSION_COOKIE_NAME}={session_cookie(room.target)}"},
        open_timeout=10,
    ) as polite:
        assert json.loads(polite.recv(timeout=10))["type"] == "snapshot"
        assert json.loads(polite.recv(timeout=10)) == {"type": "presence", "online": [room.target.id]}
        silent = opened(server, room.workshop, room.member)
        assert json.loads(polite.recv(timeout=10))["online"] == sorted([room.target.id, room.member.id])

        silent.until_closed(timeout=DROP_WITHIN)
        assert silent.ended, f"still open after {DROP_WITHIN} s: {[opcode for opcode, _ in silent.received]}"
        assert RawSocket.PING in [opcode for opcode, _ in silent.received], "dropped without being pinged"
        assert silent.close_code is None, "a dead peer gets no closing handshake"

        assert json.loads(polite.recv(timeout=10)) == {"type": "presence", "online": [room.target.id]}
        polite.send(json.dumps({"op": "member.ready", "ref": "still-here", "ready": True}))
        answer = json.loads(polite.recv(timeout=10))
        while answer["type"] not in ("ack", "error"):
            answer = json.loads(polite.recv(timeout=10))
        assert (answer["type"], answer["ref"]) == ("ack", "still-here")
    deadline = time.monotonic() + 10
    while Connection.objects.filter(member=room.member).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not Connection.objects.filter(member=room.member).exists()
