"""What the fan-out benchmark measures: CPU and memory of processes from /proc, idle waits,
py-spy profiles of the servers, and the latencies and deliveries summed from the clients' records.

Kept apart from `measures.py`, which holds what every benchmark reports the same way; this is
what only a run over real processes and sockets needs."""

from __future__ import annotations

import itertools
import os
import subprocess
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from fanout_servers import PYTHON, ROOT, Server
from measures import nearest_rank

CLK_TCK = os.sysconf("SC_CLK_TCK")


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


def machine_ticks() -> tuple[int, int]:
    """All CPUs' busy and steal ticks from /proc/stat."""
    with open("/proc/stat") as stat:
        fields = [int(value) for value in stat.readline().split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields[:8]
    return user + nice + system + irq + softirq, steal


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
        self.ticks = machine_ticks()

    def servers_seconds(self) -> float:
        """The servers' CPU seconds since start(), read whenever asked: after stop() too, once the
        deliveries still queued at the end of the schedule have gone out, so that they count."""
        before = self.before["servers"]
        return sum(cpu_seconds(server.pid) - before.get(server.pid, 0.0) for server in self.servers)

    def stop(self) -> dict[str, float]:
        after = self.sample()
        wall = time.monotonic() - self.started
        busy, steal = (now - then for now, then in zip(machine_ticks(), self.ticks, strict=True))
        # Per process, over the processes there at both ends (a backend that exited is not counted).
        return {
            **{
                f"{name}_cpu_pct": round(
                    100
                    * sum(seconds - self.before[name].get(pid, seconds) for pid, seconds in after[name].items())
                    / wall,
                    1,
                )
                for name in ("servers", "postgres", "redis")
            },
            # The whole machine (100 = one core), everything on it included, and the time the
            # hypervisor gave its cores to others: a run that shares the machine says so here.
            "machine_cpu_pct": round(100 * busy / CLK_TCK / wall, 1),
            "steal_pct": round(100 * steal / CLK_TCK / wall, 1),
        }


def per_delivery_us(cpu_s: float, deliveries: int) -> float | None:
    """Server CPU per event reaching a member's socket (µs): the op, its write and its fan-out all
    divided over the deliveries, which is what a bigger room multiplies (issue 25: at most 35 µs)."""
    return round(1e6 * cpu_s / deliveries, 1) if deliveries else None


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


def ms(value: float | None) -> float | None:
    return None if value is None else round(value * 1000, 1)


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
    last_at: list[tuple[float, float]] = []  # (sent, last-member latency): where in the run the tail lies
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
                last_at.append((sent, last - sent))
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
        # The five slowest ops, [seconds into the run, ms]: one stall of the machine, or spread out.
        "last_slowest": [
            [round(sent - first_send, 2), ms(latency)] for sent, latency in sorted(last_at, key=lambda x: -x[1])[:5]
        ],
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
        # The `add` mix's item.added frames, by whose socket and whether the card's words came with them.
        "own_full": sum(result["own_full"] for result in results),
        "hidden_to_others": sum(result["hidden_to_others"] for result in results),
        "titles_to_others": sum(result["titles_to_others"] for result in results),
        "leak_examples": [example for result in results for example in result["leak_examples"]][:3],
        "claims_not_previous": sum(result["claims_not_previous"] for result in results),
    }
