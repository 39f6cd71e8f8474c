"""What the fan-out benchmark prints and writes: the table, row by row as runs finish, the verdict
per target, and benchmarks/results/fanout.json.

The targets live here with the verdicts that judge them."""

from __future__ import annotations

import os
import statistics
from typing import Any

from fanout_clients import SWITCH_AFTER, SWITCH_BEFORE, SWITCH_SPREAD
from fanout_servers import REDIS_URL, ROOT
from measures import write_results

RESULTS = ROOT / "benchmarks" / "results" / "fanout.json"

# The last-member p99 with private gather on, at most this times the same run's with it off.
PRIVATE_GATHER_RATIO = 1.15


# Issue 25's big rooms: the last-member p99 (ms) of the runs that have one, by (members, ops/s,
# processes) of the full-size run, and for every run the servers' CPU per delivery (µs).
BIGROOM_P99_MS = {(1000, 5.0, 2): 40, (1000, 20.0, 2): 150, (500, 20.0, 1): 50}
CPU_PER_DELIVERY_US = 35


# The issue's targets (client on the same 2-core machine, full path).
TARGETS = {
    "rooms10x20": {"last_p99_ms": 25, "lost": 0},
    "room500": {"last_p50_ms": 30, "last_p99_ms": 150, "gaps": 0},
    # Issue 24: fan-out once per audience, so face-down cards cost the room (almost) nothing.
    "privategather": {"median_last_p99_on_over_off": PRIVATE_GATHER_RATIO, "titles_to_others_on": 0},
    "maxrate": {"ops_per_s_two_processes": 500, "last_p99_ms": 100},
    "bigroom": {
        "lost": 0,
        "gaps": 0,
        "cpu_us_per_delivery": CPU_PER_DELIVERY_US,
        "last_p99_ms": {f"{m} members, {r:.0f} ops/s, {p} proc": ms for (m, r, p), ms in BIGROOM_P99_MS.items()},
    },
    "connections1000": {"kb_per_connection": 100},
}


COLUMNS = (
    ("scenario", "scenario", 17, "{}"),
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
    ("oth%", "others_cpu_pct", 4, "{:.0f}"),
    ("µs/dlv", "cpu_us_per_delivery", 6, "{:.1f}"),
    ("st%", "steal_pct", 3, "{:.0f}"),
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
        size = f"{row['rooms']}×{row['members']}, " if "members" in row else ""
        run = f"{size}{row['processes']} proc, {row.get('target_ops_s', '')}"
        print(f"{row['scenario']} ({run}): skipped, {row['skipped']}", flush=True)
        return
    if row["scenario"] == "connections1000":
        print(
            f"connections1000: {row['connections']} sockets ({row['layout']}) on one process opened in"
            f" {row['open_s']} s; RSS {row['rss_before_kb']} -> {row['rss_after_kb']} kB ="
            f" {row['kb_per_connection']} kB per connection; threads {row['threads_before']} ->"
            f" {row['threads_after']}; after closing {row['rss_after_close_kb']} kB; load {row['load_average']};"
            f" idle {row['idle_cpu_pct']}% of a core over a heartbeat",
            flush=True,
        )
        return
    cells = []
    for i, (_, key, width, form) in enumerate(COLUMNS):
        if i == 0 and "private_gather" in row:
            value = f"{row['scenario']} {'on' if row['private_gather'] else 'off'}"
        elif key is None and i == 2:
            value = f"{row['rooms']}×{row['members']}"
        elif key is None:
            errors = sum(row["errors"].values()) + row["unanswered"]
            value = str(errors)
        else:
            raw = row.get(key)
            value = "–" if raw is None else form.format(raw)
        cells.append(value.rjust(width) if i else value.ljust(width))
    print(" | ".join(cells), flush=True)


def private_gather_runs(
    rows: list[dict[str, Any]], procs: int, *, clean: bool = True
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The runs with private gather off, and those with it on, on `procs` processes (of the clean pairs only)."""
    runs = [r for r in rows if r["scenario"] == "privategather" and r["processes"] == procs and not r.get("skipped")]
    runs = [r for r in runs if r["clean"] or not clean]
    return [r for r in runs if not r["private_gather"]], [r for r in runs if r["private_gather"]]


def median_p99(runs: list[dict[str, Any]]) -> float | None:
    values = sorted(r["last_p99_ms"] for r in runs if r["last_p99_ms"] is not None)
    return statistics.median(values) if values else None


def cards_wrong(row: dict[str, Any]) -> list[str]:
    """What the members' sockets were shown of the cards added in a private gather run, if it is not
    what the protocol says: the author the card in full, everyone else face down, no one else its words.

    Every card added was acked (an op refused or unanswered is an error of the run), so the author's
    socket got each in full; a delivery lost is counted as lost, so face-down copies may lack those."""
    wrong = []
    adds = row["acked"]  # every op of the run adds a card
    others = (row["members"] - 1) * adds
    if row["private_gather"]:
        if row["titles_to_others"]:
            wrong.append(
                f"LEAK: {row['titles_to_others']} frames carried a card's words to someone other than its author,"
                f" e.g. {row['leak_examples'][:1]}"
            )
        if row["hidden_to_others"] < others - row["lost"]:
            wrong.append(f"{row['hidden_to_others']} face-down copies to the others, {others} expected")
    elif row["titles_to_others"] < others - row["lost"]:
        # The check must see words that are sent, or its zero above would mean nothing.
        wrong.append(f"the check saw {row['titles_to_others']} cards in full at the others', {others} were sent")
    if row["own_full"] < adds - row["lost"]:
        wrong.append(f"the authors got {row['own_full']} of their {adds} cards in full")
    return wrong


def private_gather_lines(rows: list[dict[str, Any]]) -> list[str]:
    """Per process count: the last-member p99 of each clean pair's runs with private gather off and
    on, their medians and the ratio of the medians against the target, and what the members were
    shown of the cards (in every run, clean or not)."""
    lines = []
    for procs in (1, 2):
        every_off, every_on = private_gather_runs(rows, procs, clean=False)
        if not every_off or not every_on:
            continue
        wrong = [w for row in every_off + every_on for w in cards_wrong(row)]
        off, on = private_gather_runs(rows, procs)
        head = f"privategather, {procs} proc, 1 room × {every_on[0]['members']}"
        words = f"cards' words to others with it on: {sum(r['titles_to_others'] for r in every_on)}"
        if not on:
            verdict = (
                f"no clean pair of {len(every_on)} (other work on the machine in every one):"
                " not compared, run it again on a quieter machine"
            )
        else:
            p99_off, p99_on = median_p99(off), median_p99(on)
            ratio = round(p99_on / p99_off, 2) if p99_on is not None and p99_off else None
            ok = ratio is not None and ratio <= PRIVATE_GATHER_RATIO
            verdict = (
                f"{len(on)} clean pairs of {len(every_on)}: last-member p99 off"
                f" {'/'.join(str(r['last_p99_ms']) for r in off)} ms (median {p99_off}),"
                f" on {'/'.join(str(r['last_p99_ms']) for r in on)} ms (median {p99_on}); on/off {ratio}:"
                f" {'meets' if ok else 'MISSES'} (on ≤ {PRIVATE_GATHER_RATIO} × off)"
            )
        smoke = "" if every_on[0]["members"] >= 200 else " — smoke run: the target is for 200 members, three pairs"
        lines.append(f"{head}, {verdict}; {words}{smoke}" + ("" if not wrong else " — WRONG: " + "; ".join(wrong)))
    return lines


def private_gather_failures(rows: list[dict[str, Any]]) -> list[str]:
    """What makes the benchmark fail (exit status 1): a card shown to someone it was hidden from,
    or not shown as the protocol says."""
    failures = []
    for row in rows:
        if row["scenario"] == "privategather" and not row.get("skipped"):
            failures += [
                f"privategather {'on' if row['private_gather'] else 'off'}, {row['processes']} proc: {w}"
                for w in cards_wrong(row)
            ]
    return failures


def print_private_gather(rows: list[dict[str, Any]]) -> None:
    """Under the pair's two rows: the ratio and the target, and loudly what the members were wrongly shown."""
    for line in private_gather_lines(rows):
        print("  " + line, flush=True)
    for failure in private_gather_failures(rows):
        print(f"  !!! {failure}", flush=True)


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
        lines += [line for line in private_gather_lines(rows) if line.startswith(f"privategather, {procs} proc")]
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
    lines += [bigroom_verdict(row) for row in rows if row["scenario"] == "bigroom"]
    row = next((r for r in rows if r["scenario"] == "connections1000"), None)
    if row and row.get("kb_per_connection") is not None:
        ok = row["kb_per_connection"] < 100
        lines.append(
            f"connections: {row['connections']} sockets, {row['kb_per_connection']} kB each:"
            f" {'meets' if ok else 'MISSES'} (< 100 kB)"
            + ("" if row["connections"] >= 1000 else " — smoke run: the target is for 1,000")
        )
    return lines


def bigroom_verdict(row: dict[str, Any]) -> str:
    """One big-room run against issue 25: everything delivered, its p99 where the issue sets one,
    and the servers' CPU per delivery; a --quick run is judged and says what it stands for."""
    head = f"bigroom 1×{row['members']}, {row['target_ops_s']:.0f} ops/s, {row['processes']} proc"
    if row.get("skipped"):
        return f"{head}: not run ({row['skipped']})"
    members, rate, seconds, procs = row["stands_for"]
    p99_target = BIGROOM_P99_MS.get((members, rate, procs))
    per = row["cpu_us_per_delivery"]
    ok = row["lost"] == 0 and row["gaps"] == 0 and per is not None and per <= CPU_PER_DELIVERY_US
    wanted = ["none lost", "no gap", f"≤ {CPU_PER_DELIVERY_US} µs per delivery"]
    if p99_target is not None:
        ok = ok and row["last_p99_ms"] is not None and row["last_p99_ms"] <= p99_target
        wanted.insert(0, f"p99 ≤ {p99_target} ms")
    smoke = (row["members"], row["seconds"]) != (members, seconds)
    return (
        f"{head}: last-member p99 {row['last_p99_ms']} ms, lost {row['lost']}, gaps {row['gaps']},"
        f" {per} µs of server CPU per delivery: {'meets' if ok else 'MISSES'} ({', '.join(wanted)})"
        + (f" — smoke run: the target is for {members} members, {seconds:.0f} s" if smoke else "")
    )


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
    for failure in private_gather_failures(rows):
        print(f"FAILED: {failure}")


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
            f" -{SWITCH_BEFORE}/+{SWITCH_AFTER} s of the switch; privategather: item.add only, in gather;"
            " bigroom: item.add by a member, then item.claim of that card by the next, in gather",
        },
        targets=TARGETS,
        verdicts=verdicts(rows),
        notes=notes,
        total_seconds=round(elapsed, 1),
        results=rows,
    )
