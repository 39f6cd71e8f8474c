"""Faults survived, nothing lost: Jepsen's set test against two Daphne processes.

Clients of one workshop, spread over two real Daphne processes, each add items whose title is
the op's own ref, and claim some of them, keeping every op in an outbox until it is acked and
resending it with the same ref after any reconnect (`?since=` the last seq they applied).
Meanwhile the test SIGKILLs one process and starts it again on its port, restarts Redis, and
stops PostgreSQL for a few seconds. Those services are throwaway ones on their own ports
(tests/services.py): breaking the machine's shared ones would break everything else using them.

At the end every acked op must be on the board (lost), nothing may be there that no client sent
(unexpected), no ref may have been applied twice (duplicates), and every client's own board
must equal a fresh snapshot. While PostgreSQL is down nothing may be acked and /healthz must
answer 503. The figures are printed and written to benchmarks/results/faults.json.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import json
import random
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter, deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from websockets.asyncio.client import ClientConnection
from websockets.exceptions import WebSocketException

from tests.planning.replay import HANDLERS
from tests.planning.ws import member_socket
from tests.servers import ROOT, DaphneProcess, app_env, daphne_processes
from tests.services import postgres, postgres_bin, redis, redis_server

SCALE_OUT = settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and bool(settings.REDIS_URL)

pytestmark = [
    pytest.mark.skipif(
        not SCALE_OUT,
        reason="processes share a workshop only through PostgreSQL and Redis: this runs in the PostgreSQL + Redis pass",
    ),
    pytest.mark.skipif(
        postgres_bin() is None or redis_server() is None,
        reason="needs PostgreSQL's server binaries (initdb, pg_ctl) and redis-server to start throwaway ones",
    ),
]

RESULTS = ROOT / "benchmarks" / "results" / "faults.json"
DATABASE = "rallypoint_faults"

CLIENTS = 10
# Per client, well under the 20 ops/s limit, so that any refusal is a fault's doing.
ADDS_PER_SECOND = 3.0
CLAIM_EVERY = 2  # every second item a client adds, it then claims
# Resent ops go out at most this fast, under the rate limit's refill.
RESEND_GAP_SECONDS = 0.05
BACKOFF_SECONDS = (0.1, 1.0)
# A handshake or first frame slower than this counts as a failed attempt: try again.
CONNECT_SECONDS = 5.0

WARM_UP_SECONDS = 2.0
SETTLE_SECONDS = 2.5  # load between faults
DAPHNE_DOWN_SECONDS = 1.0  # before the killed process is started again
REDIS_DOWN_SECONDS = 0.5
POSTGRES_DOWN_SECONDS = (3.0, 5.0)  # at least; at most, while /healthz has not answered (it waits 2 s)
HEALTHZ_SECONDS = 2.5
HEALTHZ_DURING_OUTAGE = (0.0, 1.0)  # seconds after PostgreSQL stopped
DRAIN_SECONDS = 30.0


def now() -> float:
    return time.monotonic()


# --------------------------------------------------------------------------------------------
# Setting up the throwaway database and the room


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=app_env(env),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
    return done.stdout


# A leader's workshop and the clients' members, each joined through the invite into a session
# of its own, as a guest's browser would be.
SETUP = r"""
import json, os
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from goals.invites import current_member_invite, token_for
from goals.members import member_join
from room.workshops import workshop_create
from planning.models import Lane

user = get_user_model().objects.create_user(username="fault-leader", password="a-long-password-for-faults")
workshop = workshop_create(user=user, title="Survive the faults", success_criteria=["Nothing lost"])
token = token_for(current_member_invite(workshop))
members = []
for number in range(int(os.environ["FAULT_CLIENTS"])):
    session = SessionStore()
    member = member_join(token=token, name=f"Client {number}", user=None, session=session)
    session.create()
    members.append({"id": member.id, "cookie": session.session_key})
lanes = list(Lane.objects.filter(workshop=workshop).order_by("position").values_list("id", flat=True))
print("ROOM " + json.dumps({"workshop": workshop.id, "lanes": lanes, "members": members}))
"""


@dataclass
class Room:
    workshop: str
    lanes: list[int]
    members: list[dict[str, Any]]


def make_room(env: dict[str, str], clients: int) -> Room:
    manage(env, "migrate", "--noinput", "-v", "0")
    output = manage({**env, "FAULT_CLIENTS": str(clients)}, "shell", "-v", "0", "-c", SETUP)
    line = next(line for line in output.splitlines() if line.startswith("ROOM "))
    return Room(**json.loads(line.removeprefix("ROOM ")))


# --------------------------------------------------------------------------------------------
# The clients


def apply_event(state: dict[str, Any], frame: dict[str, Any], me: int) -> None:
    """tests/planning/replay.py's reducer, in place: copying a board of hundreds of items for
    each of thousands of events would cost the run more CPU than the servers get."""
    if frame["seq"] != state["seq"] + 1:
        raise SeqGap(f"seq gap: at {state['seq']}, got {frame['seq']}")
    state["seq"] = frame["seq"]
    HANDLERS[frame["name"]](state, frame["data"], me)


class SeqGap(Exception):
    """The server skipped or repeated a seq on this socket."""


def board(state: dict[str, Any]) -> dict[str, Any]:
    """What a client and a fresh snapshot must agree on: the board, not the clock or presence."""
    lane_index = {lane["id"]: index for index, lane in enumerate(state["lanes"])}
    kept = {key: value for key, value in state.items() if key not in ("server_time", "online")}
    kept["items"] = sorted(state["items"], key=lambda item: (lane_index[item["lane"]], item["position"]))
    return kept


@dataclass
class Answer:
    seq: int
    at: float


@dataclass
class FaultClient:
    """A member's client as the protocol asks it to behave: an outbox of unacked ops, resent
    with the same ref after every reconnect; events applied in seq order."""

    number: int
    member: int
    cookie: str
    workshop: str
    lanes: list[int]
    servers: list[DaphneProcess]
    state: dict[str, Any] | None = None
    outbox: dict[str, dict[str, Any]] = field(default_factory=dict)
    sends: dict[str, list[float]] = field(default_factory=dict)
    acks: dict[str, Answer] = field(default_factory=dict)
    refusals: dict[str, dict[str, Any]] = field(default_factory=dict)
    retry: deque[str] = field(default_factory=deque)
    to_claim: set[str] = field(default_factory=set)  # refs of adds whose item is claimed once it is seen
    claims_due: deque[int] = field(default_factory=deque)
    claim_of: dict[str, int] = field(default_factory=dict)  # claim ref -> item id
    resent_at: dict[str, int] = field(default_factory=dict)  # ref -> seq the client was at when it resent it
    problems: list[str] = field(default_factory=list)
    closes: list[tuple[float, str]] = field(default_factory=list)  # closes and failed attempts: when, why
    reached: list[tuple[float, int]] = field(default_factory=list)  # when the board got to each seq
    firsts: Counter[str] = field(default_factory=Counter)
    resends: int = 0
    reconnects: int = 0
    original_acks: int = 0
    rate_limited: int = 0
    added: int = 0
    loading: bool = True
    finished: bool = False
    socket: ClientConnection | None = None
    attempt: int = 0

    @property
    def name(self) -> str:
        return f"client{self.number}"

    def next_op(self) -> dict[str, Any]:
        if self.claims_due:
            item = self.claims_due.popleft()
            ref = f"{self.name}-claim-{item}"
            self.claim_of[ref] = item
            return {"op": "item.claim", "ref": ref, "item": item}
        ref = f"{self.name}-{self.added}"
        lane = self.lanes[self.added % len(self.lanes)]
        if self.added % CLAIM_EVERY == 0:
            self.to_claim.add(ref)
        self.added += 1
        return {"op": "item.add", "ref": ref, "lane": lane, "title": ref}

    async def run(self) -> None:
        failures = 0
        while not self.finished:
            server = self.servers[(self.number + self.attempt) % len(self.servers)]
            try:
                await self.session(server)
                failures = 0
            except (OSError, TimeoutError, WebSocketException) as error:
                self.closes.append((now(), _reason(error)))
                failures += 1
            except SeqGap as error:
                self.problems.append(str(error))
                failures += 1
            if self.finished:
                return
            self.reconnects += 1
            self.attempt += 1  # the other process next: this one may be gone
            low, high = BACKOFF_SECONDS
            await asyncio.sleep(random.uniform(low, min(high, low * 2**failures)))

    async def session(self, server: DaphneProcess) -> None:
        since = f"?since={self.state['seq']}" if self.state is not None else ""
        async with member_socket(
            server.url,
            self.workshop,
            self.cookie,
            query=since,
            max_size=None,
            open_timeout=CONNECT_SECONDS,
            close_timeout=1,
        ) as socket:
            first = json.loads(await asyncio.wait_for(socket.recv(), CONNECT_SECONDS))
            self.firsts[first["type"]] += 1
            self.handle(first)
            self.socket = socket
            writer = asyncio.create_task(self.write(socket, list(self.outbox)))
            try:
                async for text in socket:
                    self.handle(json.loads(text))
                if socket.close_code not in (None, 1000):
                    self.closes.append((now(), str(socket.close_code)))
            finally:
                self.socket = None
                writer.cancel()
                with contextlib.suppress(asyncio.CancelledError, WebSocketException, OSError):
                    await writer

    async def write(self, socket: ClientConnection, unacked: list[str]) -> None:
        assert self.state is not None
        for ref in unacked:
            if ref in self.outbox:
                self.resends += 1
                self.resent_at[ref] = self.state["seq"]
                await self.send(socket, self.outbox[ref])
                await asyncio.sleep(RESEND_GAP_SECONDS)
        while True:
            if self.retry:
                ref = self.retry.popleft()
                if ref in self.outbox:
                    await self.send(socket, self.outbox[ref])
            elif self.loading:
                op = self.next_op()
                self.outbox[op["ref"]] = op
                await self.send(socket, op)
            await asyncio.sleep(1 / (ADDS_PER_SECOND * (1 + 1 / CLAIM_EVERY)))

    async def send(self, socket: ClientConnection, op: dict[str, Any]) -> None:
        self.sends.setdefault(op["ref"], []).append(now())
        await socket.send(json.dumps(op))

    def handle(self, frame: dict[str, Any]) -> None:
        kind = frame["type"]
        if kind == "snapshot":
            self.state = frame
            self.reached.append((now(), frame["seq"]))
        elif kind == "replay":
            for event in frame["events"]:
                self.apply(event)
        elif kind == "event":
            self.apply(frame)
        elif kind == "ack":
            self.acked(frame["ref"], frame["seq"])
        elif kind == "error":
            self.refused(frame)

    def apply(self, frame: dict[str, Any]) -> None:
        assert self.state is not None
        apply_event(self.state, frame, self.member)
        self.reached.append((now(), frame["seq"]))
        if frame["name"] == "item.added" and frame["ref"] in self.to_claim and self.loading:
            self.to_claim.discard(frame["ref"])
            self.claims_due.append(frame["data"]["item"]["id"])

    def acked(self, ref: str, seq: int) -> None:
        earlier = self.acks.get(ref)
        if earlier is not None and earlier.seq != seq:
            self.problems.append(f"{ref} acked with seq {earlier.seq}, then with {seq}")
        if earlier is None and ref not in self.outbox:
            self.problems.append(f"ack for {ref}, which is not waiting for one")
            return
        self.acks.setdefault(ref, Answer(seq, now()))
        self.outbox.pop(ref, None)
        if ref in self.resent_at and seq <= self.resent_at[ref]:
            self.original_acks += 1  # it had been committed; the ack had been lost with the socket

    def refused(self, frame: dict[str, Any]) -> None:
        ref = frame.get("ref")
        if ref not in self.outbox:
            self.problems.append(f"error for an op not waiting for an answer: {frame}")
            return
        if frame["code"] == "rate_limited":
            self.rate_limited += 1
            self.retry.append(ref)
            return
        self.refusals[ref] = frame
        self.outbox.pop(ref)

    async def stop(self) -> None:
        self.finished = True
        if self.socket is not None:
            await self.socket.close()


def _reason(error: BaseException) -> str:
    code = getattr(getattr(error, "rcvd", None), "code", None)
    if code is not None:
        return str(code)
    status = getattr(getattr(error, "response", None), "status_code", None)
    if status is not None:
        return f"http {status}"
    return type(error).__name__


async def fresh_snapshot(server: DaphneProcess, workshop: str, cookie: str) -> dict[str, Any]:
    async with member_socket(server.url, workshop, cookie, max_size=None, open_timeout=CONNECT_SECONDS) as socket:
        first = json.loads(await asyncio.wait_for(socket.recv(), CONNECT_SECONDS))
    assert first["type"] == "snapshot"
    return first


# --------------------------------------------------------------------------------------------
# The faults


@dataclass
class Fault:
    name: str
    started: float
    ended: float = 0.0
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Health:
    server: str
    status: int | str
    checks: dict[str, Any]
    asked: float
    answered: float

    def summary(self, origin: float) -> dict[str, Any]:
        return {
            "server": self.server,
            "status": self.status,
            "checks": self.checks,
            "asked_at_s": round(self.asked - origin, 2),
            "took_s": round(self.answered - self.asked, 2),
        }


def healthz(server: DaphneProcess, timeout: float) -> Health:
    asked = now()
    checks: dict[str, Any] = {}
    try:
        with urllib.request.urlopen(f"{server.url}/healthz", timeout=timeout) as response:  # noqa: S310 (localhost)
            status: int | str = response.status
            checks = json.loads(response.read())
    except urllib.error.HTTPError as error:
        status = error.code
        with contextlib.suppress(ValueError):
            checks = json.loads(error.read())
    except OSError as error:
        status = f"no answer ({type(error).__name__})"
    return Health(server.url, status, checks, asked, now())


async def ask_health(servers: list[DaphneProcess], timeout: float) -> list[Health]:
    return list(await asyncio.gather(*(asyncio.to_thread(healthz, server, timeout) for server in servers)))


async def inject_faults(servers: list[DaphneProcess], cache: Any, database: Any) -> list[Fault]:
    faults = []
    await asyncio.sleep(WARM_UP_SECONDS)

    killed = servers[0]
    fault = Fault("SIGKILL one Daphne, restart it on its port", now(), notes={"pid": killed.pid})
    killed.kill()
    await asyncio.sleep(DAPHNE_DOWN_SECONDS)
    await asyncio.to_thread(killed.start)
    fault.ended = now()
    faults.append(fault)
    await asyncio.sleep(SETTLE_SECONDS)

    fault = Fault("restart Redis (SIGKILL, start again)", now())
    cache.kill()
    await asyncio.sleep(REDIS_DOWN_SECONDS)
    await asyncio.to_thread(cache.start)
    fault.ended = now()
    fault.notes["healthz_after"] = await ask_health(servers, HEALTHZ_SECONDS)
    faults.append(fault)
    await asyncio.sleep(SETTLE_SECONDS)

    fault = Fault("stop PostgreSQL (pg_ctl -m immediate), start again", now())
    await asyncio.to_thread(database.stop, "immediate")
    down = now()
    shortest, longest = POSTGRES_DOWN_SECONDS
    # Asked as a load balancer would, at once and again a little later (by then the pools
    # have found their connections broken), and given longer than the outage: an answer
    # that only comes once PostgreSQL is back is not the 503 the load balancer needed.
    probes = []
    for delay in HEALTHZ_DURING_OUTAGE:
        await asyncio.sleep(max(0.0, down + delay - now()))
        probes.append(asyncio.ensure_future(ask_health(servers, longest + HEALTHZ_SECONDS)))
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.shield(asyncio.gather(*probes)), max(0.0, down + longest - now()))
    await asyncio.sleep(max(0.0, shortest - (now() - down)))
    up = now()
    await asyncio.to_thread(database.start)
    fault.ended = now()
    fault.notes.update(
        down=down, up=up, healthz=[health for batch in await asyncio.gather(*probes) for health in batch]
    )
    faults.append(fault)
    await asyncio.sleep(SETTLE_SECONDS + 1)
    return faults


# --------------------------------------------------------------------------------------------
# The test


async def wait_for(condition: Any, seconds: float, failure: Any, tasks: list[asyncio.Task[None]]) -> None:
    deadline = now() + seconds
    while not condition():
        for task in tasks:
            if task.done():
                task.result()  # a client that crashed: its own exception, not a timeout
        if now() > deadline:
            raise AssertionError(failure())
        await asyncio.sleep(0.1)


def read_log(url: str, workshop: str) -> tuple[int, list[tuple[int, str, int | None, str | None]]]:
    with psycopg.connect(url) as connection:
        seq = connection.execute("SELECT seq FROM goals_workshop WHERE id = %s", [workshop]).fetchone()[0]
        events = connection.execute(
            "SELECT seq, name, actor_id, ref FROM live_event WHERE workshop_id = %s ORDER BY seq", [workshop]
        ).fetchall()
    return seq, events


async def test_faults_lose_nothing_and_apply_nothing_twice(tmp_path: Path) -> None:
    started = now()
    with postgres(keep_log=tmp_path / "postgres.log") as database, redis() as cache:
        env = {"DATABASE_URL": database.create_database(DATABASE), "REDIS_URL": cache.url()}
        room = await asyncio.to_thread(make_room, env, CLIENTS)
        with daphne_processes(2, env, logs=tmp_path) as servers:
            clients = [
                FaultClient(number, member["id"], member["cookie"], room.workshop, room.lanes, servers)
                for number, member in enumerate(room.members)
            ]
            tasks = [asyncio.create_task(client.run()) for client in clients]
            load_started = now()
            try:
                faults = await inject_faults(servers, cache, database)
                for client in clients:
                    client.loading = False
                load_seconds = now() - load_started
                await wait_for(
                    lambda: all(not client.outbox for client in clients),
                    DRAIN_SECONDS,
                    lambda: f"outboxes not drained: {[(c.name, list(c.outbox)[:3]) for c in clients if c.outbox]}",
                    tasks,
                )
                final_seq, log = await asyncio.to_thread(read_log, database.url(DATABASE), room.workshop)
                await wait_for(
                    lambda: all(client.state is not None and client.state["seq"] == final_seq for client in clients),
                    DRAIN_SECONDS,
                    lambda: f"not caught up to {final_seq}: {[(c.name, c.state and c.state['seq']) for c in clients]}",
                    tasks,
                )
                for client in clients:
                    await client.stop()
                await asyncio.gather(*tasks)
                fresh = [
                    await fresh_snapshot(servers[client.number % 2], room.workshop, client.cookie) for client in clients
                ]
            except BaseException:
                print_logs(servers, database)
                raise
            finally:
                for client in clients:
                    client.finished = True
                for task in tasks:
                    task.cancel()
                    with contextlib.suppress(BaseException):
                        await task

    figures, findings = judge(clients, fresh, log, final_seq, faults)
    figures["load_s"] = round(load_seconds, 1)
    figures["duration_s"] = round(now() - started, 1)
    report(figures, faults, findings)
    print(f"  server and PostgreSQL logs: {tmp_path}")
    assert findings == {}, json.dumps(findings, indent=1)[:6000]


def judge(
    clients: list[FaultClient],
    fresh: list[dict[str, Any]],
    log: list[tuple[int, str, int | None, str | None]],
    final_seq: int,
    faults: list[Fault],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The figures, and every way the run broke the rules (empty when it did not)."""
    snapshot = fresh[0]
    titles = Counter(item["title"] for item in snapshot["items"])
    items_by_id = {item["id"]: item for item in snapshot["items"]}
    sent = {ref for client in clients for ref in client.sends}
    acked = {(client.member, ref): answer for client in clients for ref, answer in client.acks.items()}
    refused = {(client.member, ref) for client in clients for ref in client.refusals}
    claims = {ref: (client.member, item) for client in clients for ref, item in client.claim_of.items()}
    claimed = {item: member for member, item in claims.values()}
    by_ref = Counter((actor, ref) for _, _, actor, ref in log if ref is not None)
    seq_of = {(actor, ref): seq for seq, _, actor, ref in log if ref is not None}

    def on_the_board(member: int, ref: str) -> bool:
        if ref in claims:
            item = items_by_id.get(claims[ref][1])
            return item is not None and member in item["owners"]
        return titles[ref] > 0

    lost = sorted(ref for (member, ref) in acked if not on_the_board(member, ref))
    unexpected = sorted(title for title in titles if title not in sent)
    # An error means nothing changed: a refused op on the board is as unexpected as one never sent.
    unexpected += sorted(f"{ref} (refused)" for (member, ref) in refused if on_the_board(member, ref))
    unexpected += [
        f"item {item['id']} owned by {owner}"
        for item in snapshot["items"]
        for owner in item["owners"]
        if claimed.get(item["id"]) != owner
    ]
    duplicates = sorted(title for title, count in titles.items() if count > 1)
    duplicates += sorted(f"{ref} applied {count} times" for (_, ref), count in by_ref.items() if count > 1)
    duplicates += [
        f"item {item['id']} owners {item['owners']}"
        for item in snapshot["items"]
        if len(set(item["owners"])) != len(item["owners"])
    ]
    wrong_acks = sorted(
        f"{ref}: acked {answer.seq}, logged {seq_of.get((member, ref))}"
        for (member, ref), answer in acked.items()
        if seq_of.get((member, ref)) != answer.seq
    )
    diverged = [client.name for client, snap in zip(clients, fresh, strict=True) if board(client.state) != board(snap)]

    origin = faults[0].started
    outage = faults[-1].notes
    down, up = outage["down"], outage["up"]
    # Sent once pg_ctl had returned, so nothing could commit it before PostgreSQL was started again.
    acked_while_down = sorted(
        ref
        for client in clients
        for ref, answer in client.acks.items()
        if min(client.sends[ref]) >= down and answer.at <= up
    )
    sent_while_down = {
        (client.member, ref)
        for client in clients
        for ref, times in client.sends.items()
        if any(down <= at <= up for at in times)
    }
    closes_while_down = Counter(why for client in clients for at, why in client.closes if down <= at <= up)
    late_health = [
        health.summary(origin)
        for health in outage["healthz"]
        if health.status != 503 or health.answered > up or health.checks.get("database") != "down"
    ]

    findings: dict[str, Any] = {}
    for name, value in {
        "lost": lost,
        "unexpected": unexpected,
        "duplicates": duplicates,
        "acks_not_matching_the_log": wrong_acks,
        "clients_not_equal_to_a_fresh_snapshot": diverged,
        "acked_while_postgresql_was_down": acked_while_down,
        "healthz_not_503_while_postgresql_was_down": late_health,
        "client_protocol_problems": [problem for client in clients for problem in client.problems],
    }.items():
        if value:
            findings[name] = value
    if [seq for seq, *_ in log] != list(range(1, final_seq + 1)):
        findings["seq_not_gapless"] = [seq for seq, *_ in log][:50]

    figures = {
        "clients": len(clients),
        "daphne_processes": 2,
        "ops_sent": len(sent),
        "frames_sent": sum(len(times) for client in clients for times in client.sends.values()),
        "acked": len(acked),
        "refused": len(refused),
        "refusal_codes": dict(Counter(frame["code"] for client in clients for frame in client.refusals.values())),
        "rate_limited_then_retried": sum(client.rate_limited for client in clients),
        "resent": sum(client.resends for client in clients),
        "resent_already_committed": sum(client.original_acks for client in clients),
        "reconnects": sum(client.reconnects for client in clients),
        "first_frame_on_connect": dict(sum((client.firsts for client in clients), Counter())),
        "closes_and_failed_connects": dict(Counter(why for client in clients for _, why in client.closes)),
        "faults_injected": len(faults),
        "postgresql_down_s": round(up - down, 2),
        "ops_sent_while_postgresql_down": len(sent_while_down),
        "of_those_acked_after_it_was_back": sum(1 for key in sent_while_down if key in acked),
        "acks_received_while_postgresql_down": sum(
            1 for client in clients for answer in client.acks.values() if down <= answer.at <= up
        ),
        "closes_while_postgresql_down": dict(closes_while_down),
        "closes_after_postgresql_back": dict(
            Counter(why for client in clients for at, why in client.closes if at > up)
        ),
        "first_ack_after_postgresql_back_s": round(
            min((answer.at for client in clients for answer in client.acks.values() if answer.at > up), default=up)
            - up,
            2,
        ),
        "healthz_while_postgresql_down": [health.summary(origin) for health in outage["healthz"]],
        "healthz_after_redis_restart": [health.summary(origin) for health in faults[1].notes["healthz_after"]],
        "event_lag_ms": lag(clients),
        "events_logged": len(log),
        "items_on_the_board": len(snapshot["items"]),
        "lost": len(lost),
        "unexpected": len(unexpected),
        "duplicates": len(duplicates),
        "clients_not_equal_to_fresh_snapshot": len(diverged),
    }
    return figures, findings


def lag(clients: list[FaultClient]) -> dict[str, float]:
    """From an op's ack to each other client's board reaching its seq: what the faults cost in delivery."""
    reached = {client.number: [seq for _, seq in client.reached] for client in clients}
    delays = []
    for client in clients:
        for answer in client.acks.values():
            for other in clients:
                index = bisect.bisect_left(reached[other.number], answer.seq)
                if other is not client and index < len(other.reached):
                    delays.append(max(0.0, other.reached[index][0] - answer.at) * 1000)
    if not delays:
        return {}
    delays.sort()
    return {
        "p50": round(delays[len(delays) // 2]),
        "p99": round(delays[int(len(delays) * 0.99)]),
        "max": round(delays[-1]),
    }


def report(figures: dict[str, Any], faults: list[Fault], findings: dict[str, Any]) -> None:
    width = max(len(name) for name in figures)
    print("\n\nFaults survived, nothing lost: figures")
    for name, value in figures.items():
        print(f"  {name:<{width}}  {json.dumps(value) if isinstance(value, dict | list) else value}")
    origin = faults[0].started if faults else 0.0
    for fault in faults:
        print(f"  fault at +{fault.started - origin:.1f} s for {fault.ended - fault.started:.1f} s: {fault.name}")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "test": "tests/planning/test_faults.py",
                "run_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "versions": {name: version(name) for name in ("Django", "channels", "channels-redis", "daphne")},
                "figures": figures,
                "faults": [
                    {
                        "name": fault.name,
                        "at_s": round(fault.started - origin, 2),
                        "took_s": round(fault.ended - fault.started, 2),
                    }
                    for fault in faults
                ],
                "findings": findings,
            },
            indent=2,
        )
        + "\n"
    )


def print_logs(servers: list[DaphneProcess], database: Any) -> None:
    for server in servers:
        print(f"\n--- Daphne {server.url} ---\n{server.log_tail()}")
    print(f"\n--- PostgreSQL ---\n{database.log_tail()}")
