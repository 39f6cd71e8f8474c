"""The client's rules (static/js/rules.js) held to the server's, for every role × phase × op.

The server's rules are where the server keeps them: each operation's own `change.require_role(...)`
and `change.require_phase(...)` calls (`planning.phases.require_open_board` among them), with the tables they name
(`live.changes.FACILITATING`, `PARTICIPATING`, `planning.phases.EDITING_PHASES`, …). They are read
by running each operation of `room.protocol.OPS` on a stand-in `Change` that records those
calls and lets nothing else happen; test_protocol.py proves the same table (RULES) by really
sending every op. rules.js is loaded under Node (tests/js/rules-cells.js), as test_state_js.py does with the
reducer, and its `may` and `rulesFor` must agree with the server on every cell.
"""

from __future__ import annotations

import contextlib
import functools
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from goals.models import EVERYONE, FACILITATING, PARTICIPATING, Phase, Role
from planning.phases import CLAIMING_PHASES, CONFIDENCE_PHASES, EDITING_PHASES, OPEN_PHASES, VOTING_PHASES
from planning.progress import AFTER_AGREEMENT
from room import protocol
from tests.room.test_protocol import RULES

CELLS_JS = Path(__file__).resolve().parents[1] / "js" / "rules-cells.js"  # imports static/js/rules.js
NODE = shutil.which("node") or "/usr/bin/node"

ROLES = list(Role.values)
PHASES = list(Phase.values)

# The tables the server's operations check against, by name: the probe below must find each
# requirement to be one of them (so it reads what the server really uses, not something made up).
ROLE_TABLES = {
    "FACILITATING": FACILITATING,
    "PARTICIPATING": PARTICIPATING,
    "EVERYONE": EVERYONE,
    "leader only": frozenset({Role.LEADER}),
}
PHASE_TABLES = {
    "EDITING_PHASES": EDITING_PHASES,
    "VOTING_PHASES": VOTING_PHASES,
    "CLAIMING_PHASES": CLAIMING_PHASES,
    "CONFIDENCE_PHASES": CONFIDENCE_PHASES,
    "AFTER_AGREEMENT": AFTER_AGREEMENT,
    "plan only": frozenset({Phase.PLAN}),
    "OPEN_PHASES": OPEN_PHASES,
}

# What each offer of the UI (a key of rulesFor's result) lets the viewer send.
OFFERS = {
    "addItem": "item.add",
    "moveItem": "item.move",
    "editItem": "item.edit",
    "deleteItem": "item.delete",
    "vote": "vote.cast",
    "claim": "item.claim",
    "assign": "item.assign",
    "setStatus": "item.status",
    "setPhase": "phase.set",
    "lanes": "lane.add",
    "editGoal": "goal.edit",
    "timer": "timer.start",
    "walk": "walk.focus",
    "setAgenda": "agenda.set",
    "stepAgenda": "agenda.step",
    "reportProgress": "item.progress",
    "offerHelp": "item.help",
    "recordCheckin": "checkin.record",
    "openConfidence": "confidence.open",
    "closeConfidence": "confidence.close",
    "answerConfidence": "confidence.answer",
    "ready": "member.ready",
    "rename": "member.rename",
    "changeRole": "member.role",
    "remove": "member.remove",
    "estimate": "item.estimate",
    "stack": "item.stack",
    "setPlanning": "planning.set",
}


class Probed(Exception):
    """Raised by the stand-in at the first thing that is not a role or phase check."""


class Recorder:
    """A stand-in for `live.changes.Change` that writes down the op's role and phase checks."""

    def __init__(self) -> None:
        self.roles: list[frozenset[str]] = []
        self.phases: list[frozenset[str]] = []

    def require_role(self, roles: Any, message: str | None = None) -> None:
        self.roles.append(frozenset(roles))

    def require_phase(self, phases: Any, message: str | None = None) -> None:
        self.phases.append(frozenset(phases))

    def __getattr__(self, name: str) -> Any:
        raise Probed(name)


def probe(op: str) -> Recorder:
    spec = protocol.OPS[op]
    perform: Callable[..., Any] = spec.perform.__wrapped__  # type: ignore[attr-defined]  # the op under @operation
    recorder = Recorder()
    # Past its checks an op reads its fields and the database: the stand-in has neither, and
    # whatever that raises ends the probe (the checks come first in every operation).
    with contextlib.suppress(Exception):
        perform(recorder, **dict.fromkeys(spec.required))
    return recorder


@functools.cache
def server() -> dict[str, tuple[frozenset[str], frozenset[str]]]:
    """op -> (roles allowed, phases allowed), as the server's operations check them."""
    rules = {}
    for op in protocol.OPS:
        recorder = probe(op)
        assert recorder.roles, f"{op}: no role check was seen"
        roles = frozenset.intersection(*recorder.roles)
        phases = frozenset.intersection(frozenset(PHASES), *recorder.phases)
        rules[op] = (frozenset(str(role) for role in roles), frozenset(str(phase) for phase in phases))
    return rules


@functools.cache
def client() -> dict[str, Any]:
    """What rules.js allows, from tests/js/rules-cells.js: {"may": {op: {"role phase": bool}}, "offers": {…}}."""
    completed = subprocess.run(  # noqa: S603 (our own script)
        [NODE, str(CELLS_JS), json.dumps({"roles": ROLES, "phases": PHASES, "offers": OFFERS})],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def test_the_probe_reads_the_server_tables():
    """Every op checks one of the named tables, and the probe agrees with the ops as really sent."""
    for op in protocol.OPS:
        recorder = probe(op)
        for roles in recorder.roles:
            assert roles in ROLE_TABLES.values(), f"{op}: role check {sorted(roles)}"
        for phases in recorder.phases:
            assert phases in PHASE_TABLES.values(), f"{op}: phase check {sorted(phases)}"
    assert set(server()) == set(RULES)
    for op, (roles, phases) in server().items():
        assert (roles, phases) == (set(RULES[op][0]), set(RULES[op][1])), op


def test_rules_js_has_every_op_of_the_server():
    assert sorted(client()["may"]) == sorted(protocol.OPS)


@pytest.mark.parametrize("op", sorted(protocol.OPS))
def test_may_agrees_with_the_server_for_every_role_and_phase(op):
    got = client()["may"][op]
    roles, phases = server()[op]
    wrong = [
        f"{role} in {phase}: client says {got[f'{role} {phase}']}"
        for role in ROLES
        for phase in PHASES
        if got[f"{role} {phase}"] != (role in roles and phase in phases)
    ]
    assert not wrong, f"{op}: " + "; ".join(wrong)


def test_rules_for_offers_what_the_server_allows():
    """What the UI offers, for every role and phase, in the most favourable case (own item, owned,
    accepted; a confidence check open where it must be, closed where it must not)."""
    got = client()["offers"]
    wrong = []
    for key, op in OFFERS.items():
        roles, phases = server()[op]
        for role in ROLES:
            for phase in PHASES:
                if got[key][f"{role} {phase}"] is not (role in roles and phase in phases):
                    wrong.append(f"{key} ({op}) for {role} in {phase}: {got[key][f'{role} {phase}']}")
    assert not wrong, "; ".join(wrong)
