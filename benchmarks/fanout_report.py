"""What the fan-out benchmark prints and writes: the table, row by row as runs finish, the verdict
per target, and benchmarks/results/fanout.json.

The targets live here with the verdicts that judge them."""

from __future__ import annotations

import os
from typing import Any

from fanout_clients import SWITCH_AFTER, SWITCH_BEFORE, SWITCH_SPREAD
from fanout_servers import REDIS_URL, ROOT
from measures import write_results

RESULTS = ROOT / "benchmarks" / "results" / "fanout.json"


# The targets (client on the same 2-core machine, full path).
TARGETS = {
    "rooms10x20": {"last_p99_ms": 25, "lost": 0},
    "room500": {"last_p50_ms": 30, "last_p99_ms": 150, "gaps": 0},
    "maxrate": {"ops_per_s_two_processes": 500, "last_p99_ms": 100},
    "connections1000": {"kb_per_connection": 100},
}


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


def print_summary(rows: list[dict[str, Any]], elapsed: float) -> None:
    """After the table: the verdicts, then what went wrong on the way (refused ops, retried joins)."""
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


def save(rows: list[dict[str, Any]], notes: list[str], *, clients: int, load_start: float, elapsed: float) -> None:
    write_results(
        RESULTS,
        "websocket fan-out",
        ("Django", "channels", "channels-redis", "daphne", "redis", "hiredis", "uvloop", "psycopg", "websockets"),
        load_average_start=load_start,
        setup={
            "database": "PostgreSQL 127.0.0.1:5432 (throwaway database)",
            "channel_layer": f"channels_redis {os.environ.get('CHANNEL_LAYER', 'pubsub')} layer on {REDIS_URL}",
            "client_processes": clients,
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
