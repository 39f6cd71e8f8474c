"""Webhooks do not slow the board: one room at 200 events/s, with and without five webhooks.

Run from the repository root:

    .venv/bin/python benchmarks/webhooks.py [--quick] [--clients N]

It needs PostgreSQL and Redis as benchmarks/fanout.py does, and reuses its parts: a throwaway
database, one Daphne process on the production settings, a room of members who joined through the
invite link, and the same open-loop load over real websockets (fanout_scenarios.run_load). Beside
Daphne runs one `manage.py worker` process (4 threads), as deploy/ runs it.

Five receivers listen on loopback in a process of their own, niced (they stand for servers on
other machines): four answer 204 at once and note when each delivery arrived; the fifth never
answers (an attempt at it waits out the 10 s timeout, then the endpoint rests until its retry).
The worker runs niced too, as `manage.py worker` does by default (--nice 10). The
runs alternate, each in a room of its own: without webhooks, then with the five subscribed to
every event, twice over. For each run the table gives the board's latency (an op's send to its
event at the last member of the room, p50 and p99, as the fan-out benchmark measures it), and for
the runs with webhooks the deliveries the healthy receivers got against the events the room's log
holds, and how long after its event each one arrived.

Targets (issue 23): the board's p99 with webhooks within 10% of the runs without (medians of the
runs), and every delivery to the healthy receivers within 5 s of its event.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from statistics import median
from typing import Any

from fanout_clients import Clients
from fanout_measure import cpu_seconds, wait_quiet
from fanout_rooms import make_rooms
from fanout_scenarios import run_load
from fanout_servers import PYTHON, ROOT, Infra
from measures import nearest_rank, reference_ms, stop_on_sigterm, write_results

RESULTS = ROOT / "benchmarks" / "results" / "webhooks.json"
LEADER = ("bench-leader", "bench-leader-password-1")
P99_MARGIN = 1.10
DELIVERY_TARGET_S = 5.0

ADD_WEBHOOKS = r"""
import json, os
from goals.models import Member, Role
from webhooks.endpoints import endpoint_create
given = json.loads(os.environ["BENCH_INPUT"])
leader = Member.objects.get(workshop_id=given["workshop"], role=Role.LEADER)
made = [endpoint_create(member=leader, fields={"url": url, "events": ["*"]})[0].id for url in given["urls"]]
print("BENCH_OUTPUT " + json.dumps(made))
"""

COUNT_EVENTS = r"""
import json, os
from live.models import Event
from webhooks.models import Delivery
given = json.loads(os.environ["BENCH_INPUT"])
events = Event.objects.filter(workshop_id=given["workshop"], seq__gt=given["after"]).count()
states = {}
for status in Delivery.objects.filter(endpoint__workshop_id=given["workshop"]).values_list("status", flat=True):
    states[status] = states.get(status, 0) + 1
print("BENCH_OUTPUT " + json.dumps({"events": events, "deliveries": states}))
"""

WORKSHOP_SEQ = r"""
import json, os
from goals.models import Workshop
given = json.loads(os.environ["BENCH_INPUT"])
print("BENCH_OUTPUT " + json.dumps(Workshop.objects.get(pk=given["workshop"]).seq))
"""


def serve_receivers(commands: Connection) -> None:
    """The receivers' process: niced, as the servers they stand for run on other machines and take
    none of this one's CPU from the board."""
    os.nice(10)
    arrivals: list[tuple[int, str, int | None, float]] = []  # receiver, workshop, seq, seconds late
    hung = [0]
    lock = threading.Lock()
    stop = threading.Event()

    def serve(index: int, *, hang: bool) -> ThreadingHTTPServer:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if hang:
                    with lock:
                        hung[0] += 1
                    stop.wait(60)
                    return
                arrived = time.time()
                message = json.loads(body)
                happened = datetime.fromisoformat(message["timestamp"]).timestamp()
                data = message["data"]
                with lock:
                    arrivals.append((index, data["workshop"]["id"], data["seq"], arrived - happened))
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
        return server

    servers = [serve(index, hang=index == 4) for index in range(5)]
    commands.send([f"http://127.0.0.1:{server.server_address[1]}/hook" for server in servers])
    while True:
        command, workshop = commands.recv()
        if command == "stop":
            stop.set()
            return
        with lock:
            commands.send(([arrival for arrival in arrivals if arrival[1] == workshop], hung[0]))


class Receivers:
    """Four healthy receivers and one that hangs, on loopback, in a process of their own."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self.commands, theirs = context.Pipe()
        self.process = context.Process(target=serve_receivers, args=(theirs,), daemon=True)
        self.process.start()
        self.urls: list[str] = self.commands.recv()
        self.hung = 0

    def of(self, workshop: str) -> list[tuple[int, str, int | None, float]]:
        self.commands.send(("arrivals", workshop))
        arrivals, self.hung = self.commands.recv()
        return arrivals

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.commands.send(("stop", ""))
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()


def start_worker(infra: Infra, threads: int) -> tuple[subprocess.Popen[bytes], Any]:
    log = tempfile.TemporaryFile()  # noqa: SIM115 (closed at the end)
    process = subprocess.Popen(  # noqa: S603 (our interpreter and manage.py)
        [PYTHON, "manage.py", "worker", "--threads", str(threads)],
        cwd=ROOT,
        env=infra.env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    return process, log


def one_run(
    watched: dict[str, int],
    infra: Infra,
    servers: list[Any],
    receivers: Receivers,
    *,
    hooks: bool,
    members: int,
    rate: float,
    seconds: float,
    clients_n: int,
    label: str,
) -> dict[str, Any]:
    rooms, _ = make_rooms(infra, servers, label, 1, members, LEADER)
    room = rooms[0]
    after = infra.shell(WORKSHOP_SEQ, {"workshop": room.id})
    if hooks:
        infra.shell(ADD_WEBHOOKS, {"workshop": room.id, "urls": receivers.urls})
    clients = Clients(rooms, members, clients_n)
    try:
        connect = clients.connect()
        if connect["failed"]:
            raise RuntimeError(f"{connect['failed']} websockets failed to open: {connect['failures']}")
        wait_quiet(servers)
        before = {name: cpu_seconds(pid) for name, pid in watched.items()}
        started = time.monotonic()
        row = run_load(clients, servers, rooms, members, rate, seconds)
        spent = time.monotonic() - started
        for name, pid in watched.items():
            row[f"{name}_cpu_pct"] = round(100 * (cpu_seconds(pid) - before[name]) / spent, 1)
    finally:
        clients.close()
    row.update({"scenario": "with 5 webhooks" if hooks else "without", "workshop": room.id})
    if hooks:
        counted = infra.shell(COUNT_EVENTS, {"workshop": room.id, "after": after})
        expected = counted["events"] * 4
        deadline = time.monotonic() + 20
        while len(receivers.of(room.id)) < expected and time.monotonic() < deadline:
            time.sleep(0.2)
        arrivals = receivers.of(room.id)
        late = [arrival[3] for arrival in arrivals]
        unique = {(arrival[0], arrival[2]) for arrival in arrivals}
        row.update(
            {
                "events": counted["events"],
                "healthy_expected": expected,
                "healthy_received": len(arrivals),
                "healthy_duplicates": len(arrivals) - len(unique),
                "delivery_p50_ms": round(1000 * (nearest_rank(late, 50) or 0), 1),
                "delivery_p99_ms": round(1000 * (nearest_rank(late, 99) or 0), 1),
                "delivery_max_ms": round(1000 * max(late, default=0), 1),
                "hanging_attempts": receivers.hung,
                "delivery_states": infra.shell(COUNT_EVENTS, {"workshop": room.id, "after": after})["deliveries"],
            }
        )
    return row


def print_row(row: dict[str, Any]) -> None:
    hooks = "healthy_expected" in row
    deliveries = (
        f"{row['healthy_received']:>6}/{row['healthy_expected']:<6} {row['delivery_p50_ms']:>8.0f} "
        f"{row['delivery_p99_ms']:>8.0f} {row['delivery_max_ms']:>8.0f} {row['hanging_attempts']:>5}"
        if hooks
        else f"{'-':>13} {'-':>8} {'-':>8} {'-':>8} {'-':>5}"
    )
    print(
        f"{row['scenario']:<16} {row['achieved_ops_s']:>6.0f} {row['last_p50_ms']:>8.1f} {row['last_p99_ms']:>8.1f} "
        f"{row['lost']:>5} {deliveries}  cpu: worker {row.get('worker_cpu_pct', 0):.0f}% receivers "
        f"{row.get('receivers_cpu_pct', 0):.0f}% daphne {row.get('servers_cpu_pct', 0):.0f}% "
        f"postgres {row.get('postgres_cpu_pct', 0):.0f}% clients {row.get('client_cpu_pct', 0):.0f}%",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs, once each")
    parser.add_argument("--clients", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--worker-threads", type=int, default=4, help="the worker's --threads (default 4)")
    args = parser.parse_args()
    members, rate = 20, 200.0
    seconds, rounds = (4.0, 1) if args.quick else (10.0, 2)
    stop_on_sigterm()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    print(
        f"Webhooks benchmark{' (quick)' if args.quick else ''}: {os.cpu_count()} CPUs, load average "
        f"{os.getloadavg()[0]:.2f}, reference {reference_ms()} ms; 1 room x {members} members, {rate:.0f} ops/s,"
        f" {seconds:.0f} s a run; 4 healthy receivers and 1 that hangs; worker threads {args.worker_threads}",
        flush=True,
    )
    receivers = Receivers()
    rows: list[dict[str, Any]] = []
    with Infra() as infra:
        infra.env.update({"WEBHOOKS_ALLOW_HTTP": "1", "WEBHOOKS_ALLOW_PRIVATE": "1", "RUN_JOBS": "0"})
        worker, worker_log = start_worker(infra, args.worker_threads)
        try:
            servers = infra.start_servers(1)
            print(
                f"{'run':<16} {'ops/s':>6} {'last p50':>8} {'last p99':>8} {'lost':>5} "
                f"{'healthy recv/exp':>13} {'dlv p50':>8} {'dlv p99':>8} {'dlv max':>8} {'hung':>5}",
                flush=True,
            )
            for number in range(rounds):
                for hooks in (False, True):
                    row = one_run(
                        {"worker": worker.pid, "receivers": receivers.process.pid or 0},
                        infra,
                        servers,
                        receivers,
                        hooks=hooks,
                        members=members,
                        rate=rate,
                        seconds=seconds,
                        clients_n=args.clients,
                        label=f"webhooks{number}{'h' if hooks else ''}",
                    )
                    rows.append(row)
                    print_row(row)
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
            worker_log.seek(0)
            tail = worker_log.read().decode(errors="replace")[-2000:]
            worker_log.close()
            receivers.close()
    without = median(row["last_p99_ms"] for row in rows if row["scenario"] == "without")
    with_hooks = median(row["last_p99_ms"] for row in rows if row["scenario"] != "without")
    hooked = [row for row in rows if "healthy_expected" in row]
    all_delivered = all(
        row["healthy_received"] - row["healthy_duplicates"] >= row["healthy_expected"] for row in hooked
    )
    in_time = all(row["delivery_max_ms"] <= DELIVERY_TARGET_S * 1000 for row in hooked)
    p99_ok = with_hooks <= without * P99_MARGIN
    print(
        f"\nboard p99, median of runs: {without:.1f} ms without, {with_hooks:.1f} ms with webhooks "
        f"({100 * (with_hooks / without - 1):+.0f}%; target within +10%): {'met' if p99_ok else 'NOT met'}"
    )
    print(
        f"every delivery to the healthy receivers, once, within {DELIVERY_TARGET_S:.0f} s: "
        f"{'met' if all_delivered and in_time else 'NOT met'}"
        f" (duplicates: {sum(row['healthy_duplicates'] for row in hooked)})"
    )
    if not (all_delivered and in_time):
        print(f"worker log tail:\n{tail}", file=sys.stderr)
    write_results(
        RESULTS,
        "webhooks",
        ["Django", "channels", "daphne", "django-tasks", "django-tasks-db", "standardwebhooks"],
        rows=rows,
        targets={"p99_margin": P99_MARGIN, "delivery_s": DELIVERY_TARGET_S},
        verdicts={"p99": p99_ok, "delivered": all_delivered, "in_time": in_time},
    )


if __name__ == "__main__":
    main()
