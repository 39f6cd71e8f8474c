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
only claims are sent, which are valid in both phases. bigroom sends cards instead, in gather
throughout: a member adds a card and the room's next op, the next member's, claims it (issue 25:
"every card claimed by the next member"); the rate counts both ops, so 20 ops/s is 10 cards a
second, each claimed. Every op is timed from its send to its `ack`, and to
its `event` reaching the last member of the room (sender and leader included).
Every delivery and every seq gap is counted, and the servers' CPU from the first send until they
are idle again is divided by the deliveries (µs/dlv). Scenarios, on one process and on two:

    rooms10x20    10 rooms x 20 members, 200 ops/s in all, 10 s
    room500       one room of 500 members, 20 ops/s, 10 s
    privategather one room of 200 members adding cards (item.add only) at 20 ops/s, 8 s a run, in
                  pairs with planning.private_gather off and on until three pairs ran with nothing
                  else busy on the machine; median p99 on at most 1.15 x off, and with it on no one
                  but a card's author may receive its words (else the run fails, status 1)
    maxrate       10 rooms x 10 members, 50, 100, 200, 300, ... ops/s, 6 s each, until p99 >= 100 ms
    bigroom       issue 25's big rooms, adding and claiming cards, 15 s a run: one room of 1,000 members
                  at 5 and at 20 ops/s on one process and on two, and one of 500 at 20 ops/s on one;
                  a room per size and process count (joining 1,000 takes a while), its rates run one
                  after the other on the same sockets. Targets: nothing lost, no gap, p99 <= 40 ms
                  (5 ops/s) and <= 150 ms (20 ops/s) for 1,000 on two processes, <= 50 ms for 500 on
                  one, and at most 35 µs of server CPU per delivery
    connections1000  1,000 idle websockets on one fresh process: RSS per connection

It prints a table per scenario and writes benchmarks/results/fanout.json. The
whole run stops starting new work at a global deadline (12 min, 10 more with bigroom; --quick:
3.3 min, 2 more), and reports what it did not start as skipped. Everything (servers, clients,
database, Redis db) is cleaned up at the end, on Ctrl-C and on error too.

The code is split by what it holds, in modules next to this one named fanout_<part>.py, so that
`ls benchmarks/` shows them beside their entry point and they import by plain name as
measures.py does (this folder is the script's, so it is on sys.path; the client processes, which
multiprocessing spawns, get the same path). A package called `fanout/` would share its name with
this script. Read them in this order:

    fanout_scenarios.py  the scenarios, their sizes (Plan), the deadline, one open-loop run
    fanout_clients.py    the members: websocket client processes and the load mix they send
    fanout_measure.py    CPU and RSS from /proc, idle waits, py-spy, latencies and deliveries summed
    fanout_report.py     the table, the verdicts per target and results/fanout.json
    fanout_rooms.py      the workshops, made in `manage.py shell`, and the members joining them
    fanout_http.py       joining and logging in over HTTP, with the CSRF token and session cookie
    fanout_servers.py    the throwaway database, the Redis db and the Daphne processes
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from datetime import UTC, datetime

import fanout_measure
from fanout_report import RESULTS, print_summary, private_gather_failures, save
from fanout_scenarios import SCENARIOS, Deadline, Plan, run_scenarios
from measures import reference_ms, stop_on_sigterm  # benchmarks/, the script's own directory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run of about a minute: every scenario, smaller")
    parser.add_argument("--clients", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, help="run only these scenarios")
    parser.add_argument("--procs", nargs="+", type=int, choices=(1, 2), help="server process counts (default 1 2)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="sample each server with py-spy during each measured run (benchmarks/results/profiles/; adds load)",
    )
    args = parser.parse_args()
    if args.profile:
        fanout_measure.PROFILE_DIR = RESULTS.parent / "profiles" / datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    plan = Plan.make(args.quick)
    if args.procs:
        plan.procs = tuple(args.procs)
    wanted = set(args.only or SCENARIOS)
    deadline = Deadline(plan.deadline_for(wanted))
    started = time.monotonic()

    stop_on_sigterm()
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even where the shell started us ignoring it
    load_start = round(os.getloadavg()[0], 2)
    print(
        f"Fan-out benchmark{' (quick)' if plan.quick else ''}: {os.cpu_count()} CPUs, load average {load_start},"
        f" reference {reference_ms()} ms, {args.clients} client processes",
        flush=True,
    )
    rows, notes = run_scenarios(plan, wanted, args.clients, deadline)
    elapsed = time.monotonic() - started
    print_summary(rows, elapsed)
    save(rows, notes, clients=args.clients, load_start=load_start, elapsed=elapsed)
    if private_gather_failures(rows):
        sys.exit(1)


if __name__ == "__main__":
    try:
        main()
    except KeyboardInterrupt:
        print("\nInterrupted: servers and clients stopped, database dropped, Redis db flushed.", file=sys.stderr)
        sys.exit(130)
