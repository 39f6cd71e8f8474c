"""The benchmark's members: websocket clients in processes of their own, many sockets per asyncio loop.

A worker process (`client_main`, `Worker`) keeps each room's board from its first socket's
snapshot and events so that every op it sends is valid and changes something, sends the open-loop
schedule it is given, and records per op when it was sent, acked and delivered to each socket.
`Clients` is the orchestrator's side: it spawns the workers and talks to them over pipes.
Each worker also records its event-loop lag and send lag: a client that falls behind would
otherwise read as a slow server."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import multiprocessing
import multiprocessing.connection
import random
import resource
import signal
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from fanout_rooms import Room

# Around the phase switch only claims are sent (valid in gather and vote); the switch
# itself commits in a few ms when the server keeps up.
SWITCH_BEFORE, SWITCH_AFTER = 0.3, 0.5
SWITCH_SPREAD = 1.0
# Tries per websocket while the clients join (a browser reconnects too); retries are counted.
CONNECT_ATTEMPTS = 3
# In the `add` mix every title and note carries this, so that a card's words are found in any
# frame that carries them, whatever the field (the private gather check, below).
CARD_MARKER = "Bench card"


@dataclass
class RoomState:
    """What a worker knows of a room's board, from its first socket's snapshot and events."""

    phase: str = "gather"
    lanes: list[int] = field(default_factory=list)
    item_lane: dict[int, int] = field(default_factory=dict)
    item_ids: list[int] = field(default_factory=list)
    lane_size: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    added: dict[str, int] = field(default_factory=dict)  # the ref of the op that added an item -> the item

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

    def __init__(self, prefix: str, *, cards: bool = False) -> None:
        self.prefix = prefix
        self.cards = cards  # look for cards' words in every event (the `add` mix)
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
        # Cards added in this run, per socket that received the item.added (the private gather check).
        self.own_full = 0  # the author's own socket, the card in full
        self.hidden_to_others = 0  # anyone else's, face down (no title)
        self.titles_to_others = 0  # anyone else's, with its words: a leak while cards are face down
        self.leak_examples: list[str] = []
        self.claims_not_previous = 0  # the `cards` mix: claims of another card than the one just added


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
        # A face-down card (private gather) shows no owners.
        sock.owned = {item["id"] for item in frame["items"] if sock.member in item.get("owners", ())}

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
            if run is not None and run.cards:
                self.check_card(run, sock, frame, text)
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

    @staticmethod
    def check_card(run: Run, sock: Sock, frame: dict[str, Any], text: str) -> None:
        """Who received a card's words: counted per item.added of this run, and any event that
        carries a card's words to someone who did not write it is a leak when cards are face down.

        The words are looked for in the frame's text (the marker, whatever the field) and in the
        items it carries (a title on an item of someone else's); the run's summary decides, from
        the room's setting, whether that is a leak or what everyone is meant to see."""
        data = frame["data"]
        items = [data["item"]] if isinstance(data.get("item"), dict) else []
        if isinstance(data.get("items"), list):
            items += data["items"]
        mine = frame["actor"] == sock.member
        leaked = not mine and CARD_MARKER in text
        leaked = leaked or any("title" in item and item.get("author") != sock.member for item in items)
        if frame["name"] == "item.added" and frame["ref"] is not None and frame["ref"].startswith(run.prefix):
            full = "title" in data["item"]
            if mine and full:
                run.own_full += 1
            elif not mine and data["item"].get("hidden") and not full:
                run.hidden_to_others += 1
        if leaked:
            run.titles_to_others += 1
            if len(run.leak_examples) < 3:
                run.leak_examples.append(f"member {sock.member}: {text[:300]}")

    def track_event(self, room: int, frame: dict[str, Any]) -> None:
        name, data = frame["name"], frame["data"]
        state = self.rooms[room]
        if name == "item.added":
            state.place(data["item"]["id"], data["item"]["lane"])
            state.added[frame["ref"]] = data["item"]["id"]
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
        if mode == "add":
            return {
                "op": "item.add",
                "ref": ref,
                "lane": rng.choice(state.lanes),
                "title": f"{CARD_MARKER} {ref}",
                "notes": f"{CARD_MARKER} {ref}: added by the fan-out benchmark.",
            }, "item.add"
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

    def card_op(self, sock: Sock, run: Run, i: int, rooms: int, rng: random.Random) -> tuple[dict[str, Any], str]:
        """The `cards` mix, a card in two ops: a member adds it, and the room's next op, the next
        member's, claims it. The claimer's worker knows the card once its first socket in the room
        has the item.added; if it has not yet (the card is still on its way), it claims the newest
        card it knows, and that is counted."""
        ref = f"{run.prefix}{i}"
        if (i // rooms) % 2 == 0:
            return self.make_op(sock, ref, "add", rng)
        state = self.rooms[sock.room]
        item = state.added.get(f"{run.prefix}{i - rooms}")
        if item is None or item in sock.owned:
            run.claims_not_previous += 1
            item = next((item for item in reversed(state.item_ids) if item not in sock.owned), state.item_ids[-1])
        sock.owned.add(item)
        return {"op": "item.claim", "ref": ref, "item": item}, "claim"

    async def prepare(self, prefix: str, planning: dict[str, Any] | None = None) -> list[str]:
        """Every room this worker leads goes back to gather (a previous run ended in vote), and
        takes the `planning` settings if given (planning.set from its leader, a facilitator).
        Returns the refusals (and unanswered ops) as text: the orchestrator stops on any."""
        run = self.run = Run(prefix)
        for sock in self.socks:
            if sock.slot != 0:
                continue
            if self.rooms[sock.room].phase != "gather":
                await self.send(
                    sock,
                    {"op": "phase.set", "ref": f"{prefix}{sock.room}", "phase": "gather"},
                    "phase.set",
                    time.monotonic(),
                )
            if planning:
                await self.send(
                    sock, {"op": "planning.set", "ref": f"{prefix}pl{sock.room}", **planning}, "planning.set", 0.0
                )
        if self.pending:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.answered.wait(), 30)
        self.run = None
        return [f"{ref}: {op[6] or 'unanswered'}" for ref, op in run.ops.items() if op[6] is not None or op[4] is None]

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
        # The `add` mix: item.add only (the private gather scenario); `cards`: add, then claim
        # (the big rooms). Only the default `mixed` switches phase.
        mix = params.get("mix", "mixed")
        run = Run(params["prefix"], cards=mix == "add")
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

        leaders = [s for s in self.socks if s.slot == 0 and s.room < rooms] if mix == "mixed" else []
        switches = [asyncio.create_task(switch(s)) for s in leaders]
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
            if mix != "mixed":
                mode = mix
            elif scheduled < t_switch[room] - SWITCH_BEFORE:
                mode = "gather"
            elif scheduled < t_switch[room] + SWITCH_AFTER:
                mode = "claim"
            else:
                mode = "vote"
            rng = random.Random(params["seed"] * 1_000_003 + i)  # noqa: S311 (a load mix, not a secret)
            if mode == "cards":
                frame, kind = self.card_op(sock, run, i, rooms, rng)
            else:
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
            "own_full": run.own_full,
            "hidden_to_others": run.hidden_to_others,
            "titles_to_others": run.titles_to_others,
            "leak_examples": run.leak_examples,
            "claims_not_previous": run.claims_not_previous,
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
                commands.send(("prepared", await worker.prepare(params["prefix"], params.get("planning"))))
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
                            # Presence as who came and went, as the board's client asks for it.
                            "url": f"ws://127.0.0.1:{port}/ws/w/{room.id}/?presence=changes",
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
