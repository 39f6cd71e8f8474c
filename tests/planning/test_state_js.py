"""The browser's reducer (static/js/state.js) against the server, as replay.py is in test_replay.py.

Every replay case is run again; after each step, each viewer's events are applied by state.js
itself, under Node, to the state it had, and the result must equal a fresh snapshot. So the
port cannot drift from the Python reducer, or from the server, without a test failing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.planning.helpers import add_item, agree, frames_since, send
from tests.planning.test_replay import CASES, fresh

STATE_JS = Path(__file__).resolve().parents[2] / "static" / "js" / "state.js"

# Reads {"states": {viewer: snapshot}, "steps": [{viewer: [frames]}]} on stdin and writes, for each
# step, each viewer's state after its frames. state.js is an ES module without a package.json
# around it: it is imported from its text.
RUNNER = """
const fs = require("fs");
const input = JSON.parse(fs.readFileSync(0, "utf8"));
const source = fs.readFileSync(process.argv[1], "utf8");
import("data:text/javascript," + encodeURIComponent(source)).then(({ fromSnapshot, applyEvent }) => {
  const states = {};
  for (const [viewer, snapshot] of Object.entries(input.states)) states[viewer] = fromSnapshot(snapshot);
  const out = input.steps.map((step) => {
    const after = {};
    for (const [viewer, frames] of Object.entries(step)) {
      for (const frame of frames) states[viewer] = applyEvent(states[viewer], frame);
      after[viewer] = states[viewer];
    }
    return after;
  });
  process.stdout.write(JSON.stringify(out));
});
"""

NODE = shutil.which("node") or "/usr/bin/node"


def board(state):
    """What the client and a snapshot must agree on: not the frame's type, the clock or presence."""
    return {key: value for key, value in state.items() if key not in ("type", "server_time", "online")}


def run_state_js(states, steps):
    completed = subprocess.run(  # noqa: S603 (our own script and file)
        [NODE, "-e", RUNNER, str(STATE_JS)],
        input=json.dumps({"states": states, "steps": steps}),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


@pytest.mark.parametrize("name", sorted(CASES))
def test_state_js_turns_a_stale_snapshot_plus_events_into_a_fresh_one(room, join, name):
    _, arrange = CASES[name]
    room.join = join
    viewers, steps = arrange(room)
    states = {str(viewer.id): fresh(room.workshop, viewer) for viewer in viewers}
    seqs = {viewer.id: states[str(viewer.id)]["seq"] for viewer in viewers}
    frames, expected = [], []
    for step in steps:
        step()
        frames.append({})
        expected.append({})
        for viewer in viewers:
            got = frames_since(room.workshop, seqs[viewer.id], viewer.id)
            frames[-1][str(viewer.id)] = got
            seqs[viewer.id] += len(got)
            expected[-1][str(viewer.id)] = board(fresh(room.workshop, viewer))
    replayed = run_state_js(states, frames)
    for number, (after, wanted) in enumerate(zip(replayed, expected, strict=True), 1):
        for viewer, state in after.items():
            assert board(state) == wanted[viewer], (
                f"step {number}, viewer {viewer}: state.js does not give the snapshot"
            )


def test_state_js_is_held_to_the_snapshot(room):
    """The guard itself: an event state.js does not apply leaves its state behind."""
    item = add_item(room.workshop, room.member)
    agree(room.workshop, room.facilitator, {item: room.member})
    state = fresh(room.workshop, room.member)
    send(room.workshop, room.member, "item.progress", item=item, state="done")
    frames = frames_since(room.workshop, state["seq"], room.member.id)
    frames[0]["name"] = "item.unknown"  # moves seq on, changes nothing
    (after,) = run_state_js({str(room.member.id): state}, [{str(room.member.id): frames}])
    assert board(after[str(room.member.id)]) != board(fresh(room.workshop, room.member))


def test_the_node_reducer_tests_pass():
    """tests/js/state.test.js under `node --test`: the reducer's structural sharing."""
    tests = Path(__file__).resolve().parents[1] / "js"
    completed = subprocess.run(  # noqa: S603 (our own tests)
        [NODE, "--test", str(tests)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        cwd=tests.parents[1],
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-2000:]
