"""What one board op costs the server: SQL queries, wall and CPU microseconds per op.

Run from the repository root:

    .venv/bin/python benchmarks/ops.py [--quick] [--backends postgresql sqlite] [--baseline FILE]

Each backend runs in a child process of its own (Django is set up once per
process) on a throwaway database: `rallypoint_ops_<pid>` on PostgreSQL at
127.0.0.1:5432 (user postgres, trust auth; created with `createdb`, dropped
with `dropdb --force` at the end, on Ctrl-C and on error too), and a SQLite
file in a temporary directory. The board is made with the domain functions:
a workshop of 300 items over three lanes and 40 members, some dots and owners.
Every op then goes through `room.protocol.dispatch`, as a socket's frame
would, with no channel layer (publishing is a no-op; `--layer memory` adds
the in-memory layer and the encoding of every event).

Per op type: warm-up calls, calls under `CaptureQueriesContext` for the
query count (not timed: recording queries has its own cost), then N timed
calls (mean, p50, p99 wall time, and mean CPU time of this process, which is
what a Daphne process spends on it). It prints a table, and writes it with
the machine and versions to benchmarks/results/ops.json; `--baseline` prints
the change from an earlier ops.json next to each row.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from measures import (  # benchmarks/, the script's own directory
    nearest_rank,
    reference_ms,
    stop_on_sigterm,
    write_results,
)

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "ops.json"
PYTHON = sys.executable
PG = ["-h", "127.0.0.1", "-p", "5432", "-U", "postgres"]
BACKENDS = ("postgresql", "sqlite")
CHILD_OUTPUT = "OPS_RESULT "

# The board every op runs on: big enough that a query that grows with it shows.
ITEMS = 300
MEMBERS = 40  # the leader, 2 facilitators, 35 members, 2 observers
VOTES_PER_MEMBER = 20
WARMUP, COUNTED = 10, 20
CALLS, QUICK_CALLS = 300, 100


# --------------------------------------------------------------------------------------------
# The parent: a throwaway database per backend, a child process on it, the table


@contextlib.contextmanager
def throwaway_database(backend: str, prefix: str = "rallypoint_ops") -> Iterator[str]:
    """A DATABASE_URL for a database that exists only inside the `with`."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="rallypoint-ops-") as directory:
            yield f"sqlite:///{directory}/ops.sqlite3"
        return
    name = f"{prefix}_{os.getpid()}"
    subprocess.run(["createdb", *PG, name], check=True)  # noqa: S603, S607
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        subprocess.run(["dropdb", *PG, "--force", "--if-exists", name], check=False)  # noqa: S603, S607


def child_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    return {**env, "DATABASE_URL": database_url, "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1"}


def run_child(script: Path, database_url: str, arguments: list[str]) -> Any:
    """Run `script --child ...` on the database; it prints its result as one JSON line."""
    done = subprocess.run(  # noqa: S603 (our interpreter and script)
        [PYTHON, str(script), "--child", *arguments],
        cwd=ROOT,
        env=child_env(database_url),
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    for line in done.stdout.splitlines():
        if line.startswith(CHILD_OUTPUT):
            return json.loads(line.removeprefix(CHILD_OUTPUT))
        print(line, flush=True)
    raise RuntimeError(f"{script.name} on {database_url.split(':')[0]} failed (exit {done.returncode})")


def setup_django(channel_layer: str = "none") -> None:
    """Django on the child's DATABASE_URL, migrated; `none` leaves publishing nothing to do."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    if channel_layer == "none":
        settings.CHANNEL_LAYERS = {}
    call_command("migrate", verbosity=0)


# --------------------------------------------------------------------------------------------
# The child: a board, and every op type run against it


@dataclass
class Board:
    """Ids of the board the ops run on, and what the ops need to stay valid and real."""

    workshop_id: str
    leader: int
    facilitator: int
    voters: list[int]
    lanes: list[int]
    items: list[int]
    lane_of: dict[int, int]
    version_of: dict[int, int]
    added: list[int] = field(default_factory=list)
    ready: dict[int, bool] = field(default_factory=dict)
    cast: list[tuple[int, int]] = field(default_factory=list)
    rng: random.Random = field(default_factory=lambda: random.Random(7))  # noqa: S311 (not crypto)

    def send(self, actor: int, frame: dict[str, Any]) -> Any:
        """One op frame through `dispatch`, as a socket's would go; its Outcome."""
        from room.protocol import dispatch

        return dispatch(workshop_id=self.workshop_id, actor_id=actor, frame=frame)[1]


def build_board(items: int = ITEMS, members: int = MEMBERS, *, owners: bool = True, votes: bool = True) -> Board:
    """A gather-phase workshop: `items` over three lanes, `members` people, dots and owners."""
    from django.contrib.auth import get_user_model

    from goals.models import Member, Role
    from planning.models import Item, Lane, Ownership, Vote
    from room.workshops import workshop_create

    user = get_user_model().objects.create_user(username=f"ops-{secrets.token_hex(4)}")
    workshop = workshop_create(
        user=user,
        title="Ship the new onboarding by March",
        why="New customers churn in week one.",
        success_criteria=["Activation above 60%", "Support tickets halved", "Time to first project under 10 min"],
        votes_per_member=VOTES_PER_MEMBER,
    )
    leader = Member.objects.get(workshop=workshop, role=Role.LEADER)
    Member.objects.bulk_create(
        Member(
            workshop=workshop,
            name=f"Person {number:03}",
            role=Role.FACILITATOR if number < 2 else Role.OBSERVER if number >= members - 3 else Role.MEMBER,
            guest_key=secrets.token_urlsafe(16),
        )
        for number in range(members - 1)
    )
    facilitators = list(
        Member.objects.filter(workshop=workshop, role=Role.FACILITATOR).order_by("id").values_list("id", flat=True)
    )
    voters = list(
        Member.objects.filter(workshop=workshop, role=Role.MEMBER).order_by("id").values_list("id", flat=True)
    )
    lanes = list(Lane.objects.filter(workshop=workshop).order_by("position").values_list("id", flat=True))
    made = Item.objects.bulk_create(
        Item(
            workshop=workshop,
            lane_id=lanes[number % 3],
            position=number // 3,
            author_id=voters[number % len(voters)],
            title=f"Item {number:04}: improve the first-run checklist",
            notes="Context, links and a first idea of how to go about it. " * (number % 4),
            criterion=number % 4 if number % 4 < 3 else None,
        )
        for number in range(items)
    )
    if owners:
        # Facilitators own every third item; the benchmark's claims are by members, so never a no-op.
        Ownership.objects.bulk_create(
            Ownership(workshop=workshop, item=item, member_id=facilitators[index % 2])
            for index, item in enumerate(made[::3])
        )
    if votes:
        Vote.objects.bulk_create(
            Vote(workshop=workshop, item=made[(index * 7) % items], member_id=voter, dots=2)
            for index, voter in enumerate(voters)
        )
    return Board(
        workshop_id=workshop.id,
        leader=leader.id,
        facilitator=facilitators[0],
        voters=voters,
        lanes=lanes,
        items=[item.id for item in made],
        lane_of={item.id: item.lane_id for item in made},
        version_of={item.id: 1 for item in made},
    )


Frame = tuple[int, dict[str, Any]]


@dataclass
class Scenario:
    """An op type: call i's (actor, frame), and what to note from its outcome to keep later calls valid."""

    name: str
    frame: Callable[[int], Frame]
    seen: Callable[[int, Any], None] | None = None
    before: Callable[[], None] | None = None


def scenarios(board: Board) -> list[Scenario]:
    """Every op type, in an order that keeps each one valid and changing something."""
    voters, items, lanes = board.voters, board.items, board.lanes
    pairs = len(voters)

    def op(actor: int, name: str, **fields: Any) -> Frame:
        return actor, {"op": name, "ref": secrets.token_hex(8), **fields}

    def add(i: int) -> Frame:
        return op(voters[i % pairs], "item.add", lane=lanes[i % 3], title=f"Added {i}", notes="Why it matters.")

    def added(_i: int, outcome: Any) -> None:
        board.added.append(outcome.events[0].data["item"]["id"])

    resent = {"op": "item.add", "ref": "resent", "lane": lanes[0], "title": "Sent twice"}

    def edit(i: int) -> Frame:
        item = items[i % len(items)]
        return op(board.facilitator, "item.edit", item=item, version=board.version_of[item], title=f"Edited {i}")

    def edited(_i: int, outcome: Any) -> None:
        item = outcome.events[0].data["item"]
        board.version_of[item["id"]] = item["version"]

    def move(i: int) -> Frame:
        item = items[(i * 7) % len(items)]
        lane = lanes[(lanes.index(board.lane_of[item]) + 1) % 3]
        return op(voters[i % pairs], "item.move", item=item, lane=lane, index=board.rng.randrange(0, len(items) // 3))

    def moved(_i: int, outcome: Any) -> None:
        data = outcome.events[0].data
        board.lane_of[data["item"]] = data["lane"]

    def reorder(i: int) -> Frame:
        item = items[(i * 11) % len(items)]
        return op(voters[i % pairs], "item.move", item=item, lane=board.lane_of[item], index=0 if i % 2 else 10_000)

    def claim_pair(i: int) -> tuple[int, int]:
        return voters[(i // len(items)) % pairs], items[i % len(items)]

    def claim(name: str) -> Callable[[int], Frame]:
        def frame(i: int) -> Frame:
            member, item = claim_pair(i)
            return op(member, name, item=item)

        return frame

    def assign(i: int) -> Frame:
        return op(board.facilitator, "item.assign", item=items[(i * 3 + 1) % len(items)], member=voters[i % pairs])

    def delete(i: int) -> Frame:
        return op(board.facilitator, "item.delete", item=board.added[i])

    def ready(i: int) -> Frame:
        member = voters[i % pairs]
        board.ready[member] = not board.ready.get(member, False)
        return op(member, "member.ready", ready=board.ready[member])

    def cast(i: int) -> Frame:
        pair = (voters[i % pairs], items[board.rng.randrange(len(items))])
        board.cast.append(pair)
        return op(pair[0], "vote.cast", item=pair[1])

    def retract(i: int) -> Frame:
        member, item = board.cast[i]
        return op(member, "vote.retract", item=item)

    def status(i: int) -> Frame:
        status = "accepted" if (i // len(items)) % 2 == 0 else "dropped"
        return op(board.facilitator, "item.status", item=items[i % len(items)], status=status)

    cycle = ("gather", "vote", "plan")

    def phase(name: str) -> Callable[[], None]:
        return lambda: board.send(*op(board.facilitator, "phase.set", phase=name))

    return [
        Scenario("item.add", add, added),
        Scenario(
            "item.add (resent ref)", lambda _i: (voters[0], dict(resent)), before=lambda: board.send(voters[0], resent)
        ),
        # The added items go again, so that every later op sees the same board whatever the number of calls.
        Scenario("item.delete", delete),
        Scenario("item.edit", edit, edited),
        Scenario("item.move (other lane)", move, moved),
        Scenario("item.move (same lane)", reorder),
        Scenario("item.claim", claim("item.claim")),
        Scenario("item.unclaim", claim("item.unclaim")),
        Scenario("item.assign", assign),
        Scenario("member.ready", ready),
        Scenario("lane.rename", lambda i: op(board.facilitator, "lane.rename", lane=lanes[i % 3], title=f"Lane {i}")),
        Scenario("timer.start", lambda i: op(board.facilitator, "timer.start", seconds=60 + i % 500)),
        Scenario("vote.cast", cast, before=phase("vote")),
        Scenario("vote.retract", retract),
        Scenario("item.status", status, before=phase("plan")),
        Scenario(
            "confidence.answer",
            lambda i: op(voters[i % pairs], "confidence.answer", score=i % 6),
            before=lambda: board.send(*op(board.facilitator, "confidence.open")),
        ),
        Scenario("phase.set (gather→vote→plan)", lambda i: op(board.facilitator, "phase.set", phase=cycle[i % 3])),
    ]


def measure(board: Board, scenario: Scenario, calls: int) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if scenario.before is not None:
        scenario.before()
    index = 0
    events = 0

    def one() -> None:
        nonlocal index, events
        actor, frame = scenario.frame(index)
        outcome = board.send(actor, frame)
        if scenario.seen is not None:
            scenario.seen(index, outcome)
        events += len(outcome.events)
        index += 1

    for _ in range(WARMUP):
        one()
    counts = []
    for _ in range(COUNTED):
        with CaptureQueriesContext(connection) as captured:
            one()
        counts.append(len(captured))
    events = 0
    wall: list[float] = []
    cpu_started = time.process_time()
    for _ in range(calls):
        started = time.perf_counter()
        one()
        wall.append((time.perf_counter() - started) * 1e6)
    cpu = (time.process_time() - cpu_started) * 1e6 / calls
    return {
        "op": scenario.name,
        "calls": calls,
        "queries": round(statistics.mean(counts), 2),
        "queries_min": min(counts),
        "queries_max": max(counts),
        "events_per_op": round(events / calls, 2),
        "mean_us": round(statistics.mean(wall)),
        "p50_us": round(nearest_rank(wall, 50)),
        "p99_us": round(nearest_rank(wall, 99)),
        "cpu_us": round(cpu),
    }


def show_queries(board: Board, scenario: Scenario, *, shown: bool) -> None:
    """One call, and its SQL if `shown`: every op type makes its call, so that the next finds what it needs."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if scenario.before is not None:
        scenario.before()
    actor, frame = scenario.frame(0)
    with CaptureQueriesContext(connection) as captured:
        outcome = board.send(actor, frame)
    if scenario.seen is not None:
        scenario.seen(0, outcome)
    if not shown:
        return
    print(f"-- {scenario.name}: {len(captured)} queries", file=sys.stderr)
    for query in captured:
        print(f"   {query['sql'][:300]}", file=sys.stderr)


def child(args: argparse.Namespace) -> dict[str, Any]:
    setup_django(args.layer)
    from django.db import connection

    board = build_board()
    rows = []
    for scenario in scenarios(board):
        if args.sql:
            show_queries(board, scenario, shown=any(scenario.name.startswith(prefix) for prefix in args.sql))
            continue
        rows.append(measure(board, scenario, args.calls))
    return {"backend": connection.vendor, "server_version": server_version(), "rows": rows}


def server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        return str(cursor.fetchone()[0])


# --------------------------------------------------------------------------------------------
# Output

HEADER = ("op", "queries", "events", "mean µs", "p50 µs", "p99 µs", "cpu µs")
WIDTHS = (30, 7, 6, 8, 8, 8, 8)


def print_table(backend: str, rows: list[dict[str, Any]], baseline: dict[str, dict[str, Any]] | None) -> None:
    print(f"\n{backend}")
    extra = ("  (before: queries, mean µs, cpu µs)",) if baseline else ()
    print(
        " | ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(HEADER, WIDTHS, strict=True))
        )
        + "".join(extra)
    )
    for row in rows:
        queries = f"{row['queries']:g}" if row["queries_min"] == row["queries_max"] else f"{row['queries']:.1f}"
        cells = (
            row["op"],
            queries,
            f"{row['events_per_op']:g}",
            str(row["mean_us"]),
            str(row["p50_us"]),
            str(row["p99_us"]),
            str(row["cpu_us"]),
        )
        line = " | ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, WIDTHS, strict=True))
        )
        old = (baseline or {}).get(row["op"])
        if old:
            line += (
                f"  ({old['queries']:g}, {old['mean_us']}, {old['cpu_us']}: {row['mean_us'] / old['mean_us'] - 1:+.0%})"
            )
        print(line, flush=True)


def load_baseline(path: str | None) -> dict[str, dict[str, dict[str, Any]]]:
    if not path:
        return {}
    saved = json.loads(Path(path).read_text())
    return {run["backend"]: {row["op"]: row for row in run["rows"]} for run in saved["runs"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_CALLS} timed calls per op instead of {CALLS}")
    parser.add_argument("--calls", type=int, help="timed calls per op")
    parser.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    parser.add_argument("--layer", choices=("none", "memory"), default="none", help="channel layer (default none)")
    parser.add_argument("--baseline", help="an earlier ops.json to compare with")
    parser.add_argument("--sql", nargs="+", metavar="OP", help="print the SQL of one call of these ops, time nothing")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.calls = args.calls or (QUICK_CALLS if args.quick else CALLS)
    if args.child:
        print(CHILD_OUTPUT + json.dumps(child(args)), flush=True)
        return

    stop_on_sigterm()
    baseline = load_baseline(args.baseline)
    forwarded = ["--calls", str(args.calls), "--layer", args.layer, *(["--sql", *args.sql] if args.sql else [])]
    started = time.perf_counter()
    print(
        f"Op costs: {ITEMS} items, {MEMBERS} members, {args.calls} timed calls per op, channel layer {args.layer};"
        f" {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f},"
        f" reference {reference_ms()} ms",
        flush=True,
    )
    runs = []
    for backend in args.backends:
        with throwaway_database(backend) as url:
            result = run_child(Path(__file__), url, forwarded)
        runs.append(result)
        if not args.sql:
            print_table(f"{backend} {result['server_version']}", result["rows"], baseline.get(result["backend"]))
    elapsed = time.perf_counter() - started
    print(f"\nTotal {elapsed:.1f} s.")
    if args.sql:
        return
    write_results(
        RESULTS,
        "op costs",
        ("Django", "psycopg"),
        board={"items": ITEMS, "members": MEMBERS, "votes_per_member": VOTES_PER_MEMBER},
        channel_layer=args.layer,
        total_seconds=round(elapsed, 1),
        runs=runs,
    )


if __name__ == "__main__":
    main()
