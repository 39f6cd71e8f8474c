"""How long a full board snapshot takes to build, and how many queries it runs, on PostgreSQL.

Run from the repository root:

    .venv/bin/python benchmarks/snapshot.py [--quick] [--backends postgresql sqlite]

Each backend runs in a child process on a throwaway database, as in
benchmarks/ops.py (`rallypoint_snapshot_<pid>` on PostgreSQL, dropped at the
end, on Ctrl-C and on error too). Two boards are built: the protocol's largest
(2,000 items over three lanes) with 200 members, every member's dots placed,
owners on a third of the items and half the members online; and one of 10
items. `planning.snapshot.build_snapshot` is timed for one member of each
(20 runs after 3 warm-up runs; 5 with --quick: p50, p99 and the mean CPU
time of this process), and its queries are counted,
which must be the same for both boards. It prints a table and writes
benchmarks/results/snapshot.json. The target: a fixed number of queries and a
p99 under 100 ms for the large board.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measures import nearest_rank, reference_ms, stop_on_sigterm, write_results
from ops import (  # the sibling script, found through the path set just above
    BACKENDS,
    CHILD_OUTPUT,
    ROOT,
    build_board,
    run_child,
    server_version,
    setup_django,
    throwaway_database,
)

RESULTS = ROOT / "benchmarks" / "results" / "snapshot.json"
BOARDS = ((2000, 200), (10, 200))  # (items, members)
DOTS = 5
WARMUP, RUNS, QUICK_RUNS = 3, 20, 5
TARGET_MS = 100


def fill(board: Any, items: int) -> None:
    """Every member's dots, owners on a third of the items, half the members online."""
    from goals.models import Member
    from live.models import Connection
    from planning.models import Ownership, Vote

    members = list(Member.objects.filter(workshop_id=board.workshop_id).values_list("id", flat=True))
    Vote.objects.filter(workshop_id=board.workshop_id).delete()
    Vote.objects.bulk_create(
        Vote(
            workshop_id=board.workshop_id,
            item_id=board.items[(index * 13 + dot * 101) % items],
            member_id=voter,
            dots=1,
        )
        for index, voter in enumerate(board.voters)
        for dot in range(DOTS)  # distinct items: DOTS * 101 < 2,000, and DOTS < 10
    )
    Ownership.objects.bulk_create(
        Ownership(workshop_id=board.workshop_id, item_id=item, member_id=board.voters[(index * 7) % len(board.voters)])
        for index, item in enumerate(board.items[1::3])
    )
    Connection.objects.bulk_create(
        Connection(workshop_id=board.workshop_id, member_id=member, channel_name=f"bench.{board.workshop_id}.{member}")
        for member in members[::2]
    )


def measure(items: int, members: int, runs: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from live.broadcast import encode
    from planning.snapshot import build_snapshot

    board = build_board(items, members, owners=True, votes=False)
    fill(board, items)
    viewer = board.voters[0]
    for _ in range(WARMUP):
        build_snapshot(board.workshop_id, viewer)
    with CaptureQueriesContext(connection) as captured:
        snapshot = build_snapshot(board.workshop_id, viewer)
    times = []
    cpu_started = time.process_time()
    for _ in range(runs):
        started = time.perf_counter()
        build_snapshot(board.workshop_id, viewer)
        times.append((time.perf_counter() - started) * 1000)
    cpu_ms = (time.process_time() - cpu_started) * 1000 / runs
    assert len(snapshot["items"]) == items
    assert len(snapshot["members"]) == members
    return {
        "items": items,
        "members": members,
        "runs": runs,
        "queries": len(captured),
        "p50_ms": round(nearest_rank(times, 50), 1),
        "p99_ms": round(nearest_rank(times, 99), 1),
        "mean_ms": round(sum(times) / len(times), 1),
        "cpu_ms": round(cpu_ms, 1),
        "bytes": len(encode(snapshot).encode()),
        "sql": [query["sql"][:200] for query in captured],
    }


def child(args: argparse.Namespace) -> dict[str, Any]:
    setup_django()
    from django.db import connection

    rows = [measure(items, members, args.runs) for items, members in BOARDS]
    return {"backend": connection.vendor, "server_version": server_version(), "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RUNS} timed runs instead of {RUNS}")
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=["postgresql"])
    parser.add_argument("--runs", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.runs = args.runs or (QUICK_RUNS if args.quick else RUNS)
    if args.child:
        print(CHILD_OUTPUT + json.dumps(child(args)), flush=True)
        return

    stop_on_sigterm()
    started = time.perf_counter()
    print(
        f"Snapshot: {args.runs} timed runs per board; {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f},"
        f" reference {reference_ms()} ms"
    )
    columns = ("backend", "items", "members", "queries", "p50 ms", "p99 ms", "cpu ms", "KiB")
    print(" | ".join(name.ljust(12) if index == 0 else name.rjust(7) for index, name in enumerate(columns)))
    runs = []
    for backend in args.backends:
        with throwaway_database(backend, prefix="rallypoint_snapshot") as url:
            result = run_child(Path(__file__), url, ["--runs", str(args.runs)])
        runs.append(result)
        for row in result["rows"]:
            print(
                f"{backend:<12} | {row['items']:>7} | {row['members']:>7} | {row['queries']:>7} |"
                f" {row['p50_ms']:>7.1f} | {row['p99_ms']:>7.1f} | {row['cpu_ms']:>7.1f} | {row['bytes'] / 1024:>7.0f}",
                flush=True,
            )
    elapsed = time.perf_counter() - started
    verdicts = []
    for result in runs:
        large, small = result["rows"]
        fixed = large["queries"] == small["queries"]
        fast = large["p99_ms"] < TARGET_MS
        verdicts.append(
            f"{result['backend']}: {large['queries']} queries for {large['items']} items and {small['queries']} for"
            f" {small['items']} ({'fixed' if fixed else 'NOT FIXED'}); p99 {large['p99_ms']:.1f} ms"
            f" ({'meets' if fast else 'MISSES'} the {TARGET_MS} ms target)"
        )
    print("\n".join(["", *verdicts, f"Total {elapsed:.1f} s."]))
    write_results(
        RESULTS,
        "snapshot",
        ("Django", "psycopg"),
        target_ms=TARGET_MS,
        verdicts=verdicts,
        total_seconds=round(elapsed, 1),
        runs=runs,
    )


if __name__ == "__main__":
    main()
