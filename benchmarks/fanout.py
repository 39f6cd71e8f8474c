"""How fast a change reaches every member: websocket fan-out over real Daphne processes.

Run from the repository root:

    .venv/bin/python benchmarks/fanout.py [--quick] [--clients N] [--only SCENARIO ...]

It needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) and Redis on
127.0.0.1:6379. It creates a throwaway database `rallypoint_bench_<pid>`, uses
Redis db 8 (flushed before and after), migrates, starts one and then two Daphne
processes on the production settings (`workshop.settings`, DEBUG=0), makes the
workshops with the domain functions, and has every member join through the
invite link over HTTP (GET the join page for the CSRF token, POST the form,
keep the session cookie) and open a real websocket with that cookie.

The load is open-loop: op i of a run is sent at t0 + i/rate whatever the
replies, by the next member of the next room (round-robin), in client processes
of their own (`--clients`, default 2). The first half of a run is the gather
phase (item.add, item.move, item.claim/unclaim), then each room's leader sends
phase.set vote (the rooms one after another over a second) and the second half
casts and retracts dots (vote.cast/retract) and claims; around a room's switch
only claims are sent, which are valid in both phases. Every op is timed from its send to its `ack`, and to
its `event` reaching the last member of the room (sender and leader included).
Every delivery and every seq gap is counted. Scenarios, on one process and on two:

    rooms10x20    10 rooms x 20 members, 200 ops/s in all, 10 s
    room500       one room of 500 members, 20 ops/s, 10 s
    maxrate       10 rooms x 10 members, 50, 100, 200, 300, ... ops/s, 6 s each, until p99 >= 100 ms
    connections1000  1,000 idle websockets on one fresh process: RSS per connection

It prints a table per scenario and writes benchmarks/results/fanout.json. The
whole run stops starting new work at a global deadline (9 min; --quick: 2.5 min),
and everything (servers, clients, database, Redis db) is cleaned up at the end,
on Ctrl-C and on error too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import itertools
import json
import multiprocessing
import multiprocessing.connection
import os
import random
import re
import resource
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from measures import nearest_rank, reference_ms, reference_now, write_results  # benchmarks/, the script's own directory

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "fanout.json"
PYTHON = sys.executable
PG = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
REDIS_DB = 8
REDIS_URL = f"redis://127.0.0.1:6379/{REDIS_DB}"
CLK_TCK = os.sysconf("SC_CLK_TCK")

# The targets (client on the same 2-core machine, full path).
TARGETS = {
    "rooms10x20": {"last_p99_ms": 25, "lost": 0},
    "room500": {"last_p50_ms": 30, "last_p99_ms": 150, "gaps": 0},
    "maxrate": {"ops_per_s_two_processes": 500, "last_p99_ms": 100},
    "connections1000": {"kb_per_connection": 100},
}
MAXRATE_P99_MS = 100
# Around the phase switch only claims are sent (valid in gather and vote); the switch
# itself commits in a few ms when the server keeps up.
SWITCH_BEFORE, SWITCH_AFTER = 0.3, 0.5
SWITCH_SPREAD = 1.0
# Tries per websocket while the clients join (a browser reconnects too); retries are counted.
CONNECT_ATTEMPTS = 3


@dataclass
class Plan:
    quick: bool
    procs: tuple[int, ...] = (1, 2)
    rooms10x20: tuple[int, int, float, float] = (10, 20, 200.0, 10.0)  # rooms, members, ops/s, seconds
    room500: tuple[int, int, float, float] = (1, 500, 20.0, 10.0)
    maxrate_rooms: tuple[int, int] = (10, 10)
    maxrate_steps: tuple[float, ...] = (50, 100, 200, 300, 400, 500, 600, 800)
    maxrate_seconds: float = 6.0
    connections: int = 1000
    deadline_s: float = 540.0

    @classmethod
    def make(cls, quick: bool) -> Plan:
        if not quick:
            return cls(quick=False)
        return cls(
            quick=True,
            rooms10x20=(10, 20, 200.0, 4.0),
            room500=(1, 100, 20.0, 4.0),
            maxrate_steps=(50, 150),
            maxrate_seconds=3.0,
            connections=200,
            deadline_s=150.0,
        )


# --------------------------------------------------------------------------------------------
# Measuring processes


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def status_field(pid: int, name: str) -> int:
    """A number from /proc/<pid>/status (VmRSS in kB, Threads)."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(name + ":"):
                return int(line.split()[1])
    return 0


def service_pids() -> dict[str, list[int]]:
    """PostgreSQL and Redis processes, to account for their CPU during a run (read-only)."""
    found: dict[str, list[int]] = {"postgres": [], "redis": []}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/comm") as comm:
                name = comm.read().strip()
        except OSError:
            continue
        if name.startswith("postgres"):
            found["postgres"].append(int(entry))
        elif name.startswith("redis-server"):
            found["redis"].append(int(entry))
    return found


class CpuMeter:
    """CPU seconds of the servers, PostgreSQL and Redis between start() and stop()."""

    def __init__(self, servers: list[Server]) -> None:
        self.servers = servers

    def sample(self) -> dict[str, dict[int, float]]:
        groups = {"servers": [server.pid for server in self.servers], **service_pids()}
        return {name: {pid: cpu_seconds(pid) for pid in pids} for name, pids in groups.items()}

    def start(self) -> None:
        self.started = time.monotonic()
        self.before = self.sample()

    def stop(self) -> dict[str, float]:
        after = self.sample()
        wall = time.monotonic() - self.started
        # Per process, over the processes there at both ends (a backend that exited is not counted).
        return {
            f"{name}_cpu_pct": round(
                100 * sum(seconds - self.before[name].get(pid, seconds) for pid, seconds in after[name].items()) / wall,
                1,
            )
            for name in ("servers", "postgres", "redis")
        }


# --------------------------------------------------------------------------------------------
# The throwaway database, Redis db and Daphne processes


@dataclass
class Server:
    port: int
    process: subprocess.Popen[bytes]
    log: Any

    @property
    def pid(self) -> int:
        return self.process.pid


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_flush() -> None:
    subprocess.run(["redis-cli", "-n", str(REDIS_DB), "flushdb"], check=True, capture_output=True)  # noqa: S603, S607


class Infra:
    def __init__(self) -> None:
        self.database = f"rallypoint_bench_{os.getpid()}"
        self.servers: list[Server] = []
        self.created = False
        self.app = "workshop.asgi:application"
        self.env = {
            **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
            "DJANGO_SETTINGS_MODULE": "workshop.settings",
            "SECRET_KEY": "fanout-benchmark-" + secrets.token_hex(24),
            "DEBUG": "0",
            # Plain HTTP on 127.0.0.1, and hundreds of guests joining from that one address.
            "HTTPS": "0",
            "JOIN_RATE_LIMIT": "0",
            "ALLOWED_HOSTS": "localhost,127.0.0.1",
            "LOG_LEVEL": "WARNING",
            "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{self.database}",
            "REDIS_URL": REDIS_URL,
            "PYTHONUNBUFFERED": "1",
        }

    def __enter__(self) -> Infra:
        subprocess.run(["createdb", *PG, self.database], check=True)  # noqa: S603, S607
        self.created = True
        redis_flush()
        subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=self.env, check=True)  # noqa: S603
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop_servers()
        with contextlib.suppress(Exception):
            redis_flush()
        if self.created:
            # Terminated servers may leave their pooled connections for a moment: force.
            subprocess.run(["dropdb", *PG, "--force", "--if-exists", self.database], check=False)  # noqa: S603, S607

    def start_servers(self, count: int) -> list[Server]:
        started = []
        for _ in range(count):
            port = free_port()
            log = tempfile.TemporaryFile()  # noqa: SIM115 (closed when the server is stopped)
            process = subprocess.Popen(  # noqa: S603 (our interpreter and module)
                [PYTHON, "-m", "workshop.serve", "-b", "127.0.0.1", "-p", str(port), self.app],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            server = Server(port, process, log)
            self.servers.append(server)
            started.append(server)
        for server in started:
            wait_healthy(server)
        return started

    def stop_servers(self, servers: list[Server] | None = None) -> None:
        for server in list(servers if servers is not None else self.servers):
            if server.process.poll() is None:
                server.process.terminate()
            try:
                server.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.process.kill()
                server.process.wait()
            server.log.close()
            self.servers.remove(server)

    def shell(self, code: str, payload: dict[str, Any]) -> Any:
        """Run `code` in `manage.py shell`; it reads BENCH_INPUT and prints `BENCH_OUTPUT <json>`."""
        done = subprocess.run(  # noqa: S603
            [PYTHON, "manage.py", "shell", "-v", "0", "-c", code],
            cwd=ROOT,
            env={**self.env, "BENCH_INPUT": json.dumps(payload)},
            capture_output=True,
            text=True,
            check=False,
        )
        for line in done.stdout.splitlines():
            if line.startswith("BENCH_OUTPUT "):
                return json.loads(line.removeprefix("BENCH_OUTPUT "))
        raise RuntimeError(f"setup failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")


def server_log_tail(server: Server, size: int = 3000) -> str:
    server.log.seek(0, os.SEEK_END)
    server.log.seek(max(0, server.log.tell() - size))
    return server.log.read().decode(errors="replace")


def wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            status, _, _ = http_request(server.port, "GET", "/healthz")
            if status == 200:
                return
        except OSError:
            pass
        if server.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"Daphne did not start:\n{server_log_tail(server)}")
        time.sleep(0.1)


def wait_quiet(servers: list[Server], *, idle_pct: float = 12.0, timeout: float = 45.0) -> float:
    """Wait until the servers are (almost) idle, e.g. after a presence storm; returns seconds waited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        before = sum(cpu_seconds(server.pid) for server in servers)
        time.sleep(0.5)
        busy = 100 * (sum(cpu_seconds(server.pid) for server in servers) - before) / 0.5
        if busy < idle_pct:
            break
    return time.monotonic() - started


# The workshops: a leader account leads them all; each starts with nine items over its lanes.
SETUP = r"""
import json, os
from django.contrib.auth import get_user_model
from goals.invites import token_for
from goals.models import Invite, Member, Role
from goals.workshops import workshop_create
from planning.models import Lane
from planning.protocol import dispatch

given = json.loads(os.environ["BENCH_INPUT"])
User = get_user_model()
user = User.objects.filter(username=given["leader"]).first()
if user is None:
    user = User.objects.create_user(username=given["leader"], password=given["password"])
rooms = []
for index in range(given["rooms"]):
    workshop = workshop_create(
        user=user,
        title=f"{given['label']} room {index}: ship the new onboarding",
        why="Benchmark workshop.",
        success_criteria=["Activation above 60%", "Support tickets halved"],
        votes_per_member=20,
    )
    leader = Member.objects.get(workshop=workshop, role=Role.LEADER)
    lanes = list(Lane.objects.filter(workshop=workshop).order_by("position").values_list("id", flat=True))
    for k in range(9):
        dispatch(workshop_id=workshop.id, actor_id=leader.id,
                 frame={"op": "item.add", "ref": f"seed-{k}", "lane": lanes[k % 3], "title": f"Seed item {k}"})
    invite = Invite.objects.get(workshop=workshop, role=Role.MEMBER)
    rooms.append({"id": workshop.id, "token": token_for(invite)})
print("BENCH_OUTPUT " + json.dumps(rooms))
"""


# --------------------------------------------------------------------------------------------
# HTTP: joining through the invite link


def http_request(
    port: int, method: str, path: str, *, form: dict[str, str] | None = None, cookies: dict[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    """One request; returns status, the cookies it set, and the body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Origin": f"http://127.0.0.1:{port}"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    body = None
    if form is not None:
        body = urllib.parse.urlencode(form)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        set_cookies = {}
        for header in response.msg.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            set_cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, set_cookies, text
    finally:
        connection.close()


CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def form_post(port: int, path: str, fields: dict[str, str]) -> dict[str, str]:
    """GET the form (CSRF cookie and token), POST it, expect a redirect; returns the cookies."""
    status, cookies, body = http_request(port, "GET", path)
    if status != 200:
        raise RuntimeError(f"GET {path}: {status}")
    match = CSRF_INPUT.search(body)
    if match is None:
        raise RuntimeError(f"GET {path}: no CSRF token in the form")
    status, more, body = http_request(
        port, "POST", path, form={**fields, "csrfmiddlewaretoken": match.group(1)}, cookies=cookies
    )
    if status != 302:
        raise RuntimeError(f"POST {path}: {status} {body[:300]}")
    return {**cookies, **more}


def join(port: int, token: str, name: str) -> str:
    """A guest joins through the invite link; returns the session cookie."""
    return form_post(port, f"/join/{token}/", {"display_name": name})["sessionid"]


def login(port: int, username: str, password: str) -> str:
    return form_post(port, "/accounts/login/", {"username": username, "password": password})["sessionid"]


@dataclass
class Room:
    id: str
    token: str
    cookies: list[str]  # index 0 the leader's, then one per guest who joined
    ports: list[int]  # the server each member's socket goes to


def make_rooms(
    infra: Infra, servers: list[Server], label: str, rooms: int, members: int, leader: tuple[str, str]
) -> tuple[list[Room], float]:
    """`rooms` workshops of `members` (the leader and members-1 guests who join by invite)."""
    started = time.monotonic()
    made = infra.shell(SETUP, {"rooms": rooms, "label": label, "leader": leader[0], "password": leader[1]})
    ports = [server.port for server in servers]
    leader_cookie = login(ports[0], *leader)
    jobs = [(r, k) for r in range(rooms) for k in range(1, members)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        cookies = list(
            pool.map(lambda job: join(ports[job[1] % len(ports)], made[job[0]]["token"], f"Guest {job[1]}"), jobs)
        )
    by_room: dict[int, list[str]] = defaultdict(list)
    for (r, _), cookie in zip(jobs, cookies, strict=True):
        by_room[r].append(cookie)
    result = [
        Room(
            id=made[r]["id"],
            token=made[r]["token"],
            cookies=[leader_cookie, *by_room[r]],
            ports=[ports[k % len(ports)] for k in range(members)],
        )
        for r in range(rooms)
    ]
    return result, time.monotonic() - started


# --------------------------------------------------------------------------------------------
# The client side: websocket members in worker processes, asyncio, many sockets per loop


@dataclass
class RoomState:
    """What a worker knows of a room's board, from its first socket's snapshot and events."""

    phase: str = "gather"
    lanes: list[int] = field(default_factory=list)
    item_lane: dict[int, int] = field(default_factory=dict)
    item_ids: list[int] = field(default_factory=list)
    lane_size: dict[int, int] = field(default_factory=lambda: defaultdict(int))

    def place(self, item: int, lane: int) -> None:
        old = self.item_lane.get(item)
        if old is None:
            self.item_ids.append(item)
        else:
            self.lane_size[old] -= 1
        self.item_lane[item] = lane
        self.lane_size[lane] += 1


@dataclass
class Sock:
    index: int  # global socket index
    room: int
    slot: int  # 0 the leader, 1.. the guests
    url: str
    origin: str
    cookie: str
    ws: Any = None
    member: int | None = None
    tracker: bool = False  # its events keep the worker's RoomState of the room
    seq: int | None = None
    owned: set[int] = field(default_factory=set)
    votes: dict[int, int] = field(default_factory=dict)
    closed: int | None = None
    measured: set[int] = field(default_factory=set)  # seqs of measured events this socket received


class Run:
    """One run's counters in a worker."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.ops: dict[str, list[Any]] = {}  # ref -> [room, kind, scheduled, sent, ack_t, ack_seq, error]
        self.receipts: dict[str, list[Any]] = {}  # ref -> [count, max_t, set of seqs]
        self.unique = 0
        self.room_seqs: dict[int, set[int]] = defaultdict(set)
        self.gaps = 0
        self.gap_missing = 0
        self.late = 0
        self.events = 0
        self.presence = 0
        self.frames = 0
        self.closed: list[int] = []
        self.lags: list[float] = []


class Worker:
    def __init__(self, spec: dict[str, Any]) -> None:
        self.spec = spec
        self.socks = [Sock(**s) for s in spec["sockets"]]
        self.rooms: dict[int, RoomState] = defaultdict(RoomState)
        self.by_slot = {(s.room, s.slot): s for s in self.socks}
        self.run: Run | None = None
        self.answered = asyncio.Event()
        self.pending: set[str] = set()
        self.presence_between_runs = 0  # presence frames received outside runs (the connect storm)

    # -- connecting

    async def connect_all(self) -> dict[str, Any]:
        from websockets.asyncio.client import connect

        limit = asyncio.Semaphore(self.spec["concurrency"])
        seen_rooms: set[int] = set()
        failures: list[str] = []
        started = time.monotonic()

        retried = 0

        async def one(sock: Sock) -> None:
            nonlocal retried
            async with limit:
                # As a browser does: a handshake the server dropped (Daphne closes one that the
                # app has not accepted within 5 s, as in a storm of joins) is tried again.
                for attempt in range(CONNECT_ATTEMPTS):
                    try:
                        sock.ws = await connect(
                            sock.url,
                            origin=sock.origin,
                            additional_headers={"Cookie": f"sessionid={sock.cookie}"},
                            compression=None,
                            proxy=None,
                            max_size=None,
                            max_queue=None,
                            ping_interval=None,
                            open_timeout=60,
                            close_timeout=2,
                        )
                        first = json.loads(await asyncio.wait_for(sock.ws.recv(), 60))
                        break
                    except Exception as error:  # reported, not fatal
                        if sock.ws is not None:
                            await sock.ws.close()
                            sock.ws = None
                        if attempt + 1 == CONNECT_ATTEMPTS:
                            failures.append(f"{type(error).__name__}: {error}")
                            return
                        retried += 1
                        await asyncio.sleep(1)
                self.first_frame(sock, first)
                if sock.room not in seen_rooms:
                    seen_rooms.add(sock.room)
                    sock.tracker = True
                    self.track_snapshot(sock.room, first)
                asyncio.get_running_loop().create_task(self.reader(sock))

        await asyncio.gather(*(one(sock) for sock in self.socks))
        return {
            "connected": sum(s.ws is not None for s in self.socks),
            "failures": failures[:5],
            "failed": len(failures),
            "retried": retried,
            "seconds": round(time.monotonic() - started, 2),
        }

    def first_frame(self, sock: Sock, frame: dict[str, Any]) -> None:
        assert frame["type"] == "snapshot", frame["type"]
        sock.seq = frame["seq"]
        sock.member = frame["me"]["member"]
        sock.votes = {int(item): dots for item, dots in frame["me"]["votes"].items()}
        sock.owned = {item["id"] for item in frame["items"] if sock.member in item["owners"]}

    def track_snapshot(self, room: int, frame: dict[str, Any]) -> None:
        state = self.rooms[room] = RoomState(phase=frame["workshop"]["phase"])
        state.lanes = [lane["id"] for lane in frame["lanes"]]
        for item in frame["items"]:
            state.place(item["id"], item["lane"])

    # -- receiving

    async def reader(self, sock: Sock) -> None:
        from websockets.exceptions import ConnectionClosed

        monotonic = time.monotonic
        try:
            async for text in sock.ws:
                self.handle(sock, text, monotonic())
        except ConnectionClosed as closed:
            sock.closed = closed.rcvd.code if closed.rcvd else 1006
        else:
            sock.closed = sock.ws.close_code or 1000
        if self.run is not None:
            self.run.closed.append(sock.closed)

    def handle(self, sock: Sock, text: str, now: float) -> None:
        run = self.run
        if run is not None:
            run.frames += 1
        if text.startswith('{"type":"presence"'):
            if run is not None:
                run.presence += 1
            else:
                self.presence_between_runs += 1
            return
        frame = json.loads(text)
        kind = frame["type"]
        if kind == "event":
            seq = frame["seq"]
            last = sock.seq
            if run is not None:
                run.events += 1
                if last is not None:
                    if seq > last + 1:
                        run.gaps += 1
                        run.gap_missing += seq - last - 1
                    elif seq <= last:
                        run.late += 1
            if last is None or seq > last:
                sock.seq = seq
            ref = frame["ref"]
            if run is not None and ref is not None and ref.startswith(run.prefix):
                if seq not in sock.measured:
                    sock.measured.add(seq)
                    run.unique += 1
                receipt = run.receipts.get(ref)
                if receipt is None:
                    run.receipts[ref] = [1, now, {seq}]
                else:
                    receipt[0] += 1
                    if now > receipt[1]:
                        receipt[1] = now
                    receipt[2].add(seq)
                run.room_seqs[sock.room].add(seq)
            if sock.tracker:
                self.track_event(sock.room, frame)
        elif kind in ("ack", "error"):
            if run is None:
                return
            op = run.ops.get(frame["ref"])
            if op is None:
                return
            if kind == "ack":
                op[4], op[5] = now, frame["seq"]
            else:
                op[6] = frame["code"]
            self.pending.discard(frame["ref"])
            if not self.pending:
                self.answered.set()

    def track_event(self, room: int, frame: dict[str, Any]) -> None:
        name, data = frame["name"], frame["data"]
        state = self.rooms[room]
        if name == "item.added":
            state.place(data["item"]["id"], data["item"]["lane"])
        elif name == "item.moved":
            state.place(data["item"], data["lane"])
        elif name == "phase.changed":
            state.phase = data["phase"]
        elif name == "lane.added":
            state.lanes.append(data["lane"]["id"])

    # -- sending

    async def send(self, sock: Sock, frame: dict[str, Any], kind: str, scheduled: float) -> None:
        run = self.run
        assert run is not None
        ref = frame["ref"]
        self.pending.add(ref)
        self.answered.clear()
        sent = time.monotonic()
        run.ops[ref] = [sock.room, kind, scheduled, sent, None, None, None]
        try:
            await sock.ws.send(json.dumps(frame, separators=(",", ":")))
        except Exception:  # a closed socket: the op counts as failed
            run.ops[ref][6] = "send_failed"
            self.pending.discard(ref)

    def make_op(self, sock: Sock, ref: str, mode: str, rng: random.Random) -> tuple[dict[str, Any], str]:
        state = self.rooms[sock.room]
        roll = rng.random()
        if mode == "gather" and roll < 0.35:
            return {
                "op": "item.add",
                "ref": ref,
                "lane": rng.choice(state.lanes),
                "title": f"Bench item {ref}",
                "notes": "Added by the fan-out benchmark.",
            }, "item.add"
        if mode == "gather" and roll < 0.75 and state.item_ids:
            item = rng.choice(state.item_ids)
            current = state.item_lane[item]
            lane = rng.choice([lane for lane in state.lanes if lane != current] or state.lanes)
            index = rng.randint(0, state.lane_size[lane])
            state.place(item, lane)  # what this op will do; other ops may race it
            return {"op": "item.move", "ref": ref, "item": item, "lane": lane, "index": index}, "item.move"
        if mode == "vote" and roll < 0.7 and state.item_ids:
            if sum(sock.votes.values()) >= 3:
                item = rng.choice([item for item, dots in sock.votes.items() if dots > 0])
                sock.votes[item] -= 1
                return {"op": "vote.retract", "ref": ref, "item": item}, "vote"
            item = rng.choice(state.item_ids)
            sock.votes[item] = sock.votes.get(item, 0) + 1
            return {"op": "vote.cast", "ref": ref, "item": item}, "vote"
        # Claims: valid in gather and vote; each member holds one or two items.
        if sock.owned and (len(sock.owned) >= 2 or rng.random() < 0.5):
            item = rng.choice(sorted(sock.owned))
            sock.owned.discard(item)
            return {"op": "item.unclaim", "ref": ref, "item": item}, "claim"
        candidates = [item for item in state.item_ids if item not in sock.owned]
        item = rng.choice(candidates)
        sock.owned.add(item)
        return {"op": "item.claim", "ref": ref, "item": item}, "claim"

    async def prepare(self, prefix: str) -> int:
        """Every room this worker leads goes back to gather (a previous run ended in vote)."""
        self.run = Run(prefix)
        sent = 0
        for sock in self.socks:
            if sock.slot == 0 and self.rooms[sock.room].phase != "gather":
                await self.send(
                    sock,
                    {"op": "phase.set", "ref": f"{prefix}{sock.room}", "phase": "gather"},
                    "phase.set",
                    time.monotonic(),
                )
                sent += 1
        if self.pending:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.answered.wait(), 30)
        self.run = None
        return sent

    async def lag_monitor(self, run: Run, until: float) -> None:
        while time.monotonic() < until:
            before = time.monotonic()
            await asyncio.sleep(0.005)
            run.lags.append(time.monotonic() - before - 0.005)

    async def execute(self, params: dict[str, Any], commands: multiprocessing.connection.Connection) -> dict[str, Any]:
        rooms, members = params["rooms"], params["members"]
        rate, total, t0 = params["rate"], params["ops"], params["t0"]
        duration = total / rate
        # Rooms switch to vote one after another around the middle of the run (all at once would be
        # a burst no real set of workshops makes): over SWITCH_SPREAD s, in room order.
        spread = min(SWITCH_SPREAD, duration / 4)
        t_switch = [t0 + duration / 2 + ((r + 0.5) / rooms - 0.5) * spread for r in range(rooms)]
        run = Run(params["prefix"])
        usage_before = resource.getrusage(resource.RUSAGE_SELF)
        await asyncio.sleep(max(0.0, t0 - 0.2 - time.monotonic()))
        self.run = run
        monitor = asyncio.create_task(self.lag_monitor(run, t0 + duration))

        async def switch(sock: Sock) -> None:
            at = t_switch[sock.room]
            await asyncio.sleep(max(0.0, at - time.monotonic()))
            await self.send(
                sock, {"op": "phase.set", "ref": f"{run.prefix}ph{sock.room}", "phase": "vote"}, "phase.set", at
            )

        switches = [asyncio.create_task(switch(s)) for s in self.socks if s.slot == 0 and s.room < rooms]
        sleep, monotonic = asyncio.sleep, time.monotonic
        for i in range(total):
            room, slot = i % rooms, 1 + (i // rooms) % (members - 1)
            sock = self.by_slot.get((room, slot))
            if sock is None or sock.ws is None:
                continue
            scheduled = t0 + i / rate
            wait = scheduled - monotonic()
            if wait > 0:
                await sleep(wait)
            if scheduled < t_switch[room] - SWITCH_BEFORE:
                mode = "gather"
            elif scheduled < t_switch[room] + SWITCH_AFTER:
                mode = "claim"
            else:
                mode = "vote"
            rng = random.Random(params["seed"] * 1_000_003 + i)  # noqa: S311 (a load mix, not a secret)
            frame, kind = self.make_op(sock, f"{run.prefix}{i}", mode, rng)
            await self.send(sock, frame, kind, scheduled)
        await asyncio.gather(*switches)
        # Wait for this worker's answers (bounded), tell the orchestrator, keep counting until it collects.
        if self.pending:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.answered.wait(), max(1.0, t0 + duration + params["drain"] - monotonic()))
        commands.send(("sent", len(self.pending)))
        await asyncio.get_running_loop().run_in_executor(None, commands.recv)  # "collect"
        self.run = None
        monitor.cancel()
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = (usage.ru_utime - usage_before.ru_utime) + (usage.ru_stime - usage_before.ru_stime)
        lags = sorted(run.lags) or [0.0]
        presence_before, self.presence_between_runs = self.presence_between_runs, 0
        return {
            "presence_before": presence_before,
            "ops": run.ops,
            "receipts": {ref: [r[0], r[1], sorted(r[2])] for ref, r in run.receipts.items()},
            "unique": run.unique,
            "room_seqs": {room: sorted(seqs) for room, seqs in run.room_seqs.items()},
            "gaps": run.gaps,
            "gap_missing": run.gap_missing,
            "late": run.late,
            "events": run.events,
            "presence": run.presence,
            "frames": run.frames,
            "closed": run.closed,
            "cpu_s": cpu,
            "lag_p99_ms": lags[int(0.99 * (len(lags) - 1))] * 1000,
            "lag_max_ms": lags[-1] * 1000,
        }

    async def close_all(self) -> None:
        async def one(sock: Sock) -> None:
            if sock.ws is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(sock.ws.close(), 3)

        await asyncio.gather(*(one(sock) for sock in self.socks))


def client_main(commands: multiprocessing.connection.Connection, spec: dict[str, Any]) -> None:
    """A client process: connects its sockets, then runs what the orchestrator asks."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the orchestrator decides; it terminates us

    async def main() -> None:
        worker = Worker(spec)
        loop = asyncio.get_running_loop()
        commands.send(("connected", await worker.connect_all()))
        while True:
            command, params = await loop.run_in_executor(None, commands.recv)
            if command == "prepare":
                commands.send(("prepared", await worker.prepare(params["prefix"])))
            elif command == "run":
                commands.send(("result", await worker.execute(params, commands)))
            elif command == "close":
                await worker.close_all()
                commands.send(("closed", None))
                return

    asyncio.run(main())


class Clients:
    """The worker processes of one scenario, and the orchestrator's side of their pipes."""

    def __init__(self, rooms: list[Room], members: int, workers: int, *, sockets_per_member: int = 1) -> None:
        context = multiprocessing.get_context("spawn")
        specs: list[list[dict[str, Any]]] = [[] for _ in range(workers)]
        index = itertools.count()
        for r, room in enumerate(rooms):
            for k in range(members):
                for copy in range(sockets_per_member):
                    port = room.ports[(k + copy) % len(room.ports)] if copy else room.ports[k]
                    specs[(k // 2 + copy) % workers].append(
                        {
                            "index": next(index),
                            "room": r,
                            "slot": k if copy == 0 else -1,
                            "url": f"ws://127.0.0.1:{port}/ws/w/{room.id}/",
                            "origin": f"http://127.0.0.1:{port}",
                            "cookie": room.cookies[k],
                        }
                    )
        self.pipes = []
        self.processes = []
        for sockets in specs:
            ours, theirs = context.Pipe()
            process = context.Process(
                target=client_main, args=(theirs, {"sockets": sockets, "concurrency": 16}), daemon=True
            )
            process.start()
            self.pipes.append(ours)
            self.processes.append(process)

    def receive(self, expect: str, timeout: float) -> list[Any]:
        replies = []
        for pipe, process in zip(self.pipes, self.processes, strict=True):
            if not pipe.poll(timeout):
                raise RuntimeError(f"client {process.pid} did not answer {expect!r} within {timeout} s")
            kind, value = pipe.recv()
            assert kind == expect, (kind, expect)
            replies.append(value)
        return replies

    def broadcast(self, command: str, params: dict[str, Any] | None = None) -> None:
        for pipe in self.pipes:
            pipe.send((command, params))

    def connect(self, timeout: float = 180) -> dict[str, Any]:
        replies = self.receive("connected", timeout)
        return {
            "connected": sum(r["connected"] for r in replies),
            "failed": sum(r["failed"] for r in replies),
            "failures": [f for r in replies for f in r["failures"]][:5],
            "retried": sum(r["retried"] for r in replies),
            "seconds": max(r["seconds"] for r in replies),
        }

    def pids(self) -> list[int]:
        return [process.pid for process in self.processes]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.broadcast("close")
            self.receive("closed", 30)
        for process in self.processes:
            process.join(timeout=5)
            if process.is_alive():
                process.terminate()
                process.join(timeout=5)


# --------------------------------------------------------------------------------------------
# Running a scenario and summing its results


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


_runs = itertools.count(1)


def run_load(
    clients: Clients,
    servers: list[Server],
    rooms: list[Room],
    members: int,
    rate: float,
    seconds: float,
    *,
    drain: float = 20.0,
    settle_max: float = 30.0,
) -> dict[str, Any]:
    """One open-loop run over connected clients; returns the row for the table.

    After the last send each client waits for the answers to its ops (at most `drain` s after the
    schedule ends), then the servers are given up to `settle_max` s to go idle (deliveries still
    queued keep them busy) before the deliveries are counted: what has not arrived by then is lost.
    """
    prefix = f"r{next(_runs)}."
    clients.broadcast("prepare", {"prefix": "p" + prefix})
    clients.receive("prepared", 60)
    quiet = wait_quiet(servers)
    load = round(os.getloadavg()[0], 2)
    reference = reference_now()
    total = int(rate * seconds)
    t0 = time.monotonic() + 0.5
    meter = CpuMeter(servers)
    meter.start()
    profilers = start_profilers(servers, seconds + 1)
    clients.broadcast(
        "run",
        {
            "prefix": prefix,
            "rooms": len(rooms),
            "members": members,
            "rate": rate,
            "ops": total,
            "t0": t0,
            "seed": int(prefix[1:-1]),
            "drain": drain,
        },
    )
    unanswered = clients.receive("sent", seconds + drain + 30)
    sent_at = time.monotonic()
    cpu = meter.stop()
    profiles = stop_profilers(profilers)
    # Events still on their way keep the servers busy: wait until they are idle (bounded), then count.
    wait_quiet(servers, timeout=settle_max)
    time.sleep(0.5)
    client_cpu_wall = time.monotonic() - t0
    clients.broadcast("collect")
    results = clients.receive("result", 60)
    row = summarize(results, len(rooms), members, rate, seconds, total)
    row.update(cpu)
    row["client_cpu_pct"] = round(100 * sum(r["cpu_s"] for r in results) / client_cpu_wall, 1)
    row["client_lag_p99_ms"] = round(max(r["lag_p99_ms"] for r in results), 1)
    row["client_lag_max_ms"] = round(max(r["lag_max_ms"] for r in results), 1)
    row["load_average"] = load
    row["reference_ms"] = reference
    row["quiet_wait_s"] = round(quiet, 1)
    row["settle_s"] = round(time.monotonic() - sent_at, 1)
    row["unanswered_at_drain"] = sum(unanswered)
    if profiles:
        row["profiles"] = profiles
    return row


# Where `--profile` writes py-spy's samples of each server over each measured run; None: off.
PROFILE_DIR: Path | None = None
_profiles = itertools.count(1)


def start_profilers(servers: list[Server], seconds: float) -> list[tuple[subprocess.Popen[bytes], Path]]:
    """py-spy on every server for the measured window only (not the joins and snapshots before it)."""
    if PROFILE_DIR is None:
        return []
    PROFILE_DIR.mkdir(parents=True, exist_ok=True)
    run = next(_profiles)
    started = []
    for server in servers:
        out = PROFILE_DIR / f"run{run}-pid{server.pid}.txt"
        py_spy = str(Path(PYTHON).parent / "py-spy")
        # --gil: only the thread holding the GIL, so the samples are where the server's Python CPU goes
        # (a thread waiting for PostgreSQL or the loop waiting in epoll is not counted).
        command = [py_spy, "record", "--pid", str(server.pid), "--duration", str(round(seconds)), "--rate", "250"]
        process = subprocess.Popen(  # noqa: S603 (the venv's py-spy, our server's pid)
            [*command, "--gil", "--format", "raw", "--output", str(out), "--nonblocking"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append((process, out))
    return started


def stop_profilers(profilers: list[tuple[subprocess.Popen[bytes], Path]]) -> list[str]:
    for process, _ in profilers:
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
    return [str(out.relative_to(ROOT)) for _, out in profilers if out.exists()]


def summarize(
    results: list[dict[str, Any]], rooms: int, members: int, rate: float, seconds: float, total: int
) -> dict[str, Any]:
    ops: dict[str, list[Any]] = {}
    for result in results:
        ops.update(result["ops"])
    receipts: dict[str, list[Any]] = {}
    for result in results:
        for ref, (count, last, seqs) in result["receipts"].items():
            mine = receipts.setdefault(ref, [0, 0.0, set()])
            mine[0] += count
            mine[1] = max(mine[1], last)
            mine[2].update(seqs)
    seen: dict[int, set[int]] = defaultdict(set)
    for result in results:
        for room, seqs in result["room_seqs"].items():
            seen[int(room)].update(seqs)
    seq_ref = {}
    for ref, (_, _, seqs) in receipts.items():
        for seq in seqs:
            seq_ref[(ops[ref][0] if ref in ops else None, seq)] = ref

    ack_latency, last_latency, send_lag = [], [], []
    errors: dict[str, int] = defaultdict(int)
    kinds: dict[str, int] = defaultdict(int)
    acked = unanswered = no_event = incomplete = 0
    expected_events: dict[int, set[int]] = {room: set(seqs) for room, seqs in seen.items()}
    first_send, last_ack = float("inf"), 0.0
    for ref, (room, kind, scheduled, sent, ack_t, ack_seq, error) in ops.items():
        kinds[kind] += 1
        send_lag.append(sent - scheduled)
        first_send = min(first_send, sent)
        if error is not None:
            errors[error] += 1
            continue
        if ack_t is None:
            unanswered += 1
            continue
        acked += 1
        last_ack = max(last_ack, ack_t)
        ack_latency.append(ack_t - sent)
        receipt = receipts.get(ref)
        if receipt is None:
            # No socket saw an event of this op: it changed nothing (its ack seq is another op's event),
            # or its event was lost on the way to everyone.
            other = seq_ref.get((room, ack_seq))
            if ack_seq < min(seen.get(room) or {ack_seq}):
                no_event += 1  # its ack points before this run's first event
            elif other is None or other == ref:
                expected_events.setdefault(room, set()).add(ack_seq)
            else:
                no_event += 1
            continue
        count, last, seqs = receipt
        if count >= len(seqs) * members:
            if kind != "phase.set":
                last_latency.append(last - sent)
        else:
            incomplete += 1
    expected = sum(len(seqs) for seqs in expected_events.values()) * members
    received = sum(result["unique"] for result in results)
    span = last_ack - first_send if acked else 0
    return {
        "rooms": rooms,
        "members": members,
        "target_ops_s": rate,
        "seconds": seconds,
        "ops": total,
        "phase_ops": kinds.pop("phase.set", 0),
        "mix": dict(sorted(kinds.items())),
        "acked": acked,
        "achieved_ops_s": round(acked / span, 1) if span else 0.0,
        "ack_p50_ms": ms(nearest_rank(ack_latency, 50)),
        "ack_p99_ms": ms(nearest_rank(ack_latency, 99)),
        "last_p50_ms": ms(nearest_rank(last_latency, 50)),
        "last_p99_ms": ms(nearest_rank(last_latency, 99)),
        "last_max_ms": ms(max(last_latency) if last_latency else None),
        "send_lag_p99_ms": ms(nearest_rank(send_lag, 99)),
        "deliveries_expected": expected,
        "deliveries_received": received,
        "lost": expected - received,
        "incomplete_ops": incomplete,
        "no_event_ops": no_event,
        "gaps": sum(result["gaps"] for result in results),
        "gap_missing": sum(result["gap_missing"] for result in results),
        "late": sum(result["late"] for result in results),
        "errors": dict(errors),
        "unanswered": unanswered,
        "closed": sum(len(result["closed"]) for result in results),
        "presence_frames": sum(result["presence"] for result in results),
        "presence_frames_before_run": sum(result["presence_before"] for result in results),
    }


# --------------------------------------------------------------------------------------------
# Scenarios


class Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds

    def left(self) -> float:
        return self.end - time.monotonic()


def scenario_load(
    name: str,
    infra: Infra,
    servers: list[Server],
    plan_row: tuple[int, int, float, float],
    workers: int,
    leader: tuple[str, str],
    deadline: Deadline,
    label: str,
) -> dict[str, Any]:
    rooms_n, members, rate, seconds = plan_row
    rooms, setup_s = make_rooms(infra, servers, label, rooms_n, members, leader)
    clients = Clients(rooms, members, workers)
    try:
        connect = clients.connect()
        if connect["failed"]:
            raise RuntimeError(f"{connect['failed']} websockets failed to open: {connect['failures']}")
        storm = wait_quiet(servers)
        row = run_load(clients, servers, rooms, members, rate, seconds)
    finally:
        clients.close()
    row.update(
        {
            "scenario": name,
            "processes": len(servers),
            "setup_s": round(setup_s, 1),
            "connect_s": connect["seconds"],
            "connect_retried": connect["retried"],
            "connect_quiet_s": round(storm, 1),
        }
    )
    return row


def scenario_maxrate(
    infra: Infra,
    servers: list[Server],
    plan: Plan,
    workers: int,
    leader: tuple[str, str],
    deadline: Deadline,
    label: str,
) -> list[dict[str, Any]]:
    rooms_n, members = plan.maxrate_rooms
    rooms, setup_s = make_rooms(infra, servers, label, rooms_n, members, leader)
    clients = Clients(rooms, members, workers)
    rows = []
    try:
        connect = clients.connect()
        if connect["failed"]:
            raise RuntimeError(f"{connect['failed']} websockets failed to open: {connect['failures']}")
        wait_quiet(servers)
        for rate in plan.maxrate_steps:
            if deadline.left() < plan.maxrate_seconds + 25:
                rows.append(
                    {
                        "scenario": "maxrate",
                        "processes": len(servers),
                        "target_ops_s": rate,
                        "skipped": "global deadline",
                    }
                )
                print_row(rows[-1])
                break
            row = run_load(clients, servers, rooms, members, rate, plan.maxrate_seconds)
            row.update({"scenario": "maxrate", "processes": len(servers), "setup_s": round(setup_s, 1)})
            row["passed"] = passes_maxrate(row)
            rows.append(row)
            print_row(row)
            if not row["passed"]:
                break
    finally:
        clients.close()
    return rows


def passes_maxrate(row: dict[str, Any]) -> bool:
    return (
        row["last_p99_ms"] is not None
        and row["last_p99_ms"] < MAXRATE_P99_MS
        and not row["errors"]
        and not row["unanswered"]
        and row["lost"] == 0
        and row["achieved_ops_s"] >= 0.95 * row["target_ops_s"]
    )


def scenario_connections(infra: Infra, count: int, workers: int, leader: tuple[str, str], label: str) -> dict[str, Any]:
    """Idle sockets on one fresh process: 10 rooms x 20 members, as many sockets per member as it takes."""
    (server,) = infra.start_servers(1)
    try:
        members = 20
        per_member = max(1, count // (10 * members))
        rooms, _ = make_rooms(infra, [server], label, 10, members, leader)
        # Warm the process up (imports, the channel layer's connections), then measure.
        warm = Clients(rooms[:1], 5, 1)
        warm.connect()
        warm.close()
        wait_quiet([server])
        rss_before = status_field(server.pid, "VmRSS")
        threads_before = status_field(server.pid, "Threads")
        clients = Clients(rooms, members, workers, sockets_per_member=per_member)
        try:
            connect = clients.connect(timeout=300)
            quiet = wait_quiet([server], timeout=90)
            time.sleep(1.0)
            rss_after = status_field(server.pid, "VmRSS")
            threads_after = status_field(server.pid, "Threads")
            open_sockets = connect["connected"]
        finally:
            clients.close()
        wait_quiet([server])
        rss_closed = status_field(server.pid, "VmRSS")
    finally:
        infra.stop_servers([server])
    per = (rss_after - rss_before) / open_sockets if open_sockets else None
    return {
        "scenario": "connections1000",
        "processes": 1,
        "connections": open_sockets,
        "failed": connect["failed"],
        "connect_retried": connect["retried"],
        "layout": f"10 rooms x {members} members x {per_member} sockets",
        "open_s": connect["seconds"],
        "quiet_after_s": round(quiet, 1),
        "rss_before_kb": rss_before,
        "rss_after_kb": rss_after,
        "rss_after_close_kb": rss_closed,
        "kb_per_connection": round(per, 1) if per is not None else None,
        "threads_before": threads_before,
        "threads_after": threads_after,
        "load_average": round(os.getloadavg()[0], 2),
    }


# --------------------------------------------------------------------------------------------
# Output


COLUMNS = (
    ("scenario", "scenario", 15, "{}"),
    ("proc", "processes", 4, "{}"),
    ("rooms×mem", None, 9, "{}"),
    ("rate", "target_ops_s", 5, "{:.0f}"),
    ("achvd", "achieved_ops_s", 6, "{:.0f}"),
    ("ops", "acked", 5, "{}"),
    ("ack p50", "ack_p50_ms", 7, "{:.1f}"),
    ("ack p99", "ack_p99_ms", 7, "{:.1f}"),
    ("last p50", "last_p50_ms", 8, "{:.1f}"),
    ("last p99", "last_p99_ms", 8, "{:.1f}"),
    ("last max", "last_max_ms", 8, "{:.1f}"),
    ("deliv exp", "deliveries_expected", 9, "{}"),
    ("recv", "deliveries_received", 7, "{}"),
    ("lost", "lost", 5, "{}"),
    ("gaps", "gaps", 5, "{}"),
    ("late", "late", 5, "{}"),
    ("errors", None, 7, "{}"),
    ("srv%", "servers_cpu_pct", 5, "{:.0f}"),
    ("pg%", "postgres_cpu_pct", 4, "{:.0f}"),
    ("rds%", "redis_cpu_pct", 4, "{:.0f}"),
    ("cli%", "client_cpu_pct", 4, "{:.0f}"),
    ("load", "load_average", 5, "{:.2f}"),
    ("ref ms", "reference_ms", 6, "{:.0f}"),
)


def print_header() -> None:
    print(
        " | ".join(title.rjust(width) if i else title.ljust(width) for i, (title, _, width, _) in enumerate(COLUMNS)),
        flush=True,
    )


def print_row(row: dict[str, Any]) -> None:
    if row.get("skipped"):
        print(f"{row['scenario']} ({row['processes']} proc, {row.get('target_ops_s', '')}): skipped, {row['skipped']}")
        return
    if row["scenario"] == "connections1000":
        print(
            f"connections1000: {row['connections']} sockets ({row['layout']}) on one process opened in"
            f" {row['open_s']} s; RSS {row['rss_before_kb']} -> {row['rss_after_kb']} kB ="
            f" {row['kb_per_connection']} kB per connection; threads {row['threads_before']} ->"
            f" {row['threads_after']}; after closing {row['rss_after_close_kb']} kB; load {row['load_average']}",
            flush=True,
        )
        return
    cells = []
    for i, (_, key, width, form) in enumerate(COLUMNS):
        if key is None and i == 2:
            value = f"{row['rooms']}×{row['members']}"
        elif key is None:
            errors = sum(row["errors"].values()) + row["unanswered"]
            value = str(errors)
        else:
            raw = row.get(key)
            value = "–" if raw is None else form.format(raw)
        cells.append(value.rjust(width) if i else value.ljust(width))
    print(" | ".join(cells), flush=True)


def verdicts(rows: list[dict[str, Any]]) -> list[str]:
    lines = []

    def find(name: str, procs: int) -> dict[str, Any] | None:
        return next(
            (r for r in rows if r["scenario"] == name and r["processes"] == procs and not r.get("skipped")), None
        )

    for procs in (1, 2):
        row = find("rooms10x20", procs)
        if row:
            ok = row["last_p99_ms"] is not None and row["last_p99_ms"] <= 25 and row["lost"] == 0
            lines.append(
                f"rooms10x20, {procs} proc: last-member p99 {row['last_p99_ms']} ms, lost {row['lost']}:"
                f" {'meets' if ok else 'MISSES'} (p99 ≤ 25 ms, none lost)"
            )
        row = find("room500", procs)
        if row:
            ok = (
                row["last_p50_ms"] is not None
                and row["last_p50_ms"] <= 30
                and row["last_p99_ms"] <= 150
                and row["gaps"] == 0
            )
            lines.append(
                f"room{row['members']}, {procs} proc: last-member p50 {row['last_p50_ms']} ms,"
                f" p99 {row['last_p99_ms']} ms, gaps {row['gaps']}:"
                f" {'meets' if ok else 'MISSES'} (p50 ≤ 30, p99 ≤ 150, no gap)"
                + ("" if row["members"] == 500 else " — smoke run: the target is for 500 members")
            )
        steps = [r for r in rows if r["scenario"] == "maxrate" and r["processes"] == procs and not r.get("skipped")]
        if steps:
            passed = [r["target_ops_s"] for r in steps if r.get("passed")]
            best = max(passed) if passed else None
            target = " (target ≥ 500 on two)" if procs == 2 else ""
            verdict = ""
            if procs == 2:
                verdict = ": meets" if best is not None and best >= 500 else ": MISSES"
            lines.append(
                f"maxrate, {procs} proc: highest rate with p99 < 100 ms and nothing lost: {best} ops/s{target}{verdict}"
            )
    row = next((r for r in rows if r["scenario"] == "connections1000"), None)
    if row and row.get("kb_per_connection") is not None:
        ok = row["kb_per_connection"] < 100
        lines.append(
            f"connections: {row['connections']} sockets, {row['kb_per_connection']} kB each:"
            f" {'meets' if ok else 'MISSES'} (< 100 kB)"
            + ("" if row["connections"] >= 1000 else " — smoke run: the target is for 1,000")
        )
    return lines


# --------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of about a minute: every scenario, smaller")
    parser.add_argument("--clients", type=int, default=2, help="client processes (default 2)")
    parser.add_argument(
        "--only",
        nargs="+",
        choices=("rooms10x20", "room500", "maxrate", "connections1000"),
        help="run only these scenarios",
    )
    parser.add_argument("--procs", nargs="+", type=int, choices=(1, 2), help="server process counts (default 1 2)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample each server with py-spy during each measured run (benchmarks/results/profiles/; adds load)",
    )
    args = parser.parse_args()
    if args.profile:
        global PROFILE_DIR
        PROFILE_DIR = RESULTS.parent / "profiles" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    plan = Plan.make(args.quick)
    if args.procs:
        plan.procs = tuple(args.procs)
    wanted = set(args.only or ("rooms10x20", "room500", "maxrate", "connections1000"))
    deadline = Deadline(plan.deadline_s)
    started = time.monotonic()
    rows: list[dict[str, Any]] = []
    leader = (f"bench-leader-{os.getpid()}", secrets.token_urlsafe(16))

    def interrupted(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, interrupted)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even where the shell started us ignoring it
    notes: list[str] = []
    load_start = round(os.getloadavg()[0], 2)
    print(
        f"Fan-out benchmark{' (quick)' if plan.quick else ''}: {os.cpu_count()} CPUs, load average {load_start},"
        f" reference {reference_ms()} ms, {args.clients} client processes",
        flush=True,
    )
    with Infra() as infra:
        print_header()
        for procs in plan.procs:
            if deadline.left() < 30:
                notes.append(f"{procs} processes: skipped, global deadline")
                break
            servers = infra.start_servers(procs)
            try:
                for name, plan_row in (("rooms10x20", plan.rooms10x20), ("room500", plan.room500)):
                    if name not in wanted:
                        continue
                    if deadline.left() < plan_row[3] + 40:
                        rows.append({"scenario": name, "processes": procs, "skipped": "global deadline"})
                        print_row(rows[-1])
                        continue
                    row = scenario_load(
                        name, infra, servers, plan_row, args.clients, leader, deadline, f"{name}-{procs}p"
                    )
                    rows.append(row)
                    print_row(row)
                if "maxrate" in wanted:
                    rows.extend(
                        scenario_maxrate(infra, servers, plan, args.clients, leader, deadline, f"maxrate-{procs}p")
                    )
            finally:
                infra.stop_servers(servers)
        if "connections1000" in wanted:
            if deadline.left() > 40:
                row = scenario_connections(infra, plan.connections, args.clients, leader, "connections")
                rows.append(row)
                print_row(row)
            else:
                rows.append({"scenario": "connections1000", "processes": 1, "skipped": "global deadline"})
                print_row(rows[-1])
    elapsed = time.monotonic() - started
    print()
    for line in verdicts(rows):
        print(line)
    for row in rows:
        if row.get("errors") or row.get("unanswered"):
            print(
                f"{row['scenario']} ({row['processes']} proc, {row['target_ops_s']:.0f} ops/s): errors"
                f" {row['errors']}, unanswered {row['unanswered']}"
            )
        if row.get("connect_retried"):
            print(f"{row['scenario']} ({row['processes']} proc): {row['connect_retried']} joins retried")
    print(f"Total {elapsed:.0f} s.")
    write_results(
        RESULTS,
        "websocket fan-out",
        ("Django", "channels", "channels-redis", "daphne", "redis", "hiredis", "uvloop", "psycopg", "websockets"),
        load_average_start=load_start,
        setup={
            "database": "PostgreSQL 127.0.0.1:5432 (throwaway database)",
            "channel_layer": f"channels_redis {os.environ.get('CHANNEL_LAYER', 'pubsub')} layer on {REDIS_URL}",
            "client_processes": args.clients,
            "mix": "first half gather: item.add 35%, item.move 40%, claim/unclaim 25%;"
            f" each room's leader switches it to vote (rooms staggered over {SWITCH_SPREAD} s);"
            " second half: vote.cast/retract 70%, claim/unclaim 30%; only claims within"
            f" -{SWITCH_BEFORE}/+{SWITCH_AFTER} s of the switch",
        },
        targets=TARGETS,
        verdicts=verdicts(rows),
        notes=notes,
        total_seconds=round(elapsed, 1),
        results=rows,
    )


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("\nInterrupted: servers and clients stopped, database dropped, Redis db flushed.", file=sys.stderr)
        sys.exit(130)
