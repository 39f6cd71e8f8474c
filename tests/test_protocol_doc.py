"""docs/protocol.md says what the code does: its tables against the code, both ways.

Each fact is read from the code where it is made, not from a list kept beside it: the ops and
their fields from `room.protocol.OPS`; event names and their data keys from every
`.emit("name", {...})` call in any app package (by `ast`, so an event sent from a
module nobody thought of still counts); error codes from every `DomainError` subclass once all
their modules are imported; close codes from every `close(...)` / `_close(...)` call, resolved to
the constants they name; frame types from the dicts the server encodes or returns; URLs from
`workshop/urls.py`; limits from the constants the doc's limits table names. A row the code does
not have fails as surely as a fact the doc does not have.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pytest

import core.limits
from core.errors import DomainError
from live.close_codes import SERVER_CLOSE_CODES
from room.protocol import OPS

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "protocol.md"
PACKAGES = ("core", "live", "goals", "planning", "room", "workshop")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD")


# --- the doc's tables ---------------------------------------------------------------------------


def cells(line: str) -> list[str]:
    return [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip())[1:-1]]


def parse_tables(text: str) -> list[list[dict[str, str]]]:
    """Every Markdown table of the text, as rows keyed by the header's cells."""
    lines = text.splitlines()
    tables = []
    index = 0
    while index < len(lines) - 1:
        if lines[index].startswith("|") and re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", lines[index + 1].strip()):
            header = cells(lines[index])
            rows = []
            index += 2
            while index < len(lines) and lines[index].startswith("|"):
                rows.append(dict(zip(header, cells(lines[index]), strict=True)))
                index += 1
            tables.append(rows)
        else:
            index += 1
    return tables


def rows_of(first_column: str, text: str | None = None) -> list[dict[str, str]]:
    """The rows of every table whose first column is `first_column` (the op table is in §4 and §7)."""
    found = [row for table in parse_tables(DOC.read_text() if text is None else text) for row in table]
    return [row for row in found if next(iter(row)) == first_column]


def ticked(cell: str) -> list[str]:
    return re.findall(r"`([^`]+)`", cell)


def keyed(first_column: str, text: str | None = None) -> dict[str, dict[str, str]]:
    """Rows by their one backticked name in the first column; a name documented twice fails."""
    rows = rows_of(first_column, text)
    names = []
    for row in rows:
        found = ticked(row[first_column])
        assert len(found) == 1, f"a {first_column} row names one {first_column}: {row[first_column]!r}"
        names.append(found[0])
    twice = [name for name, count in Counter(names).items() if count > 1]
    assert not twice, f"documented twice: {twice}"
    return dict(zip(names, rows, strict=True))


# --- the code -----------------------------------------------------------------------------------


def source_files() -> list[Path]:
    return sorted(
        path for package in PACKAGES for path in (ROOT / package).rglob("*.py") if "migrations" not in path.parts
    )


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


@dataclass
class Emits:
    """Every event the code emits, with the data keys of each place it is emitted from."""

    sites: dict[str, list[frozenset[str] | None]] = field(default_factory=lambda: defaultdict(list))

    def keys(self, name: str) -> tuple[frozenset[str], bool]:
        """The keys known for the event, and whether every site's keys are known."""
        known = [keys for keys in self.sites[name] if keys is not None]
        return frozenset().union(*known), len(known) == len(self.sites[name])


def dict_keys(node: ast.expr) -> frozenset[str] | None:
    if isinstance(node, ast.Dict) and all(isinstance(key, ast.Constant) for key in node.keys):
        return frozenset(key.value for key in node.keys)  # type: ignore[union-attr]
    return None


def keys_of_local(function: ast.AST, name: str) -> frozenset[str] | None:
    """The keys a local dict is built from: `data = {...}` and `data |= {...}` in the function."""
    keys: set[str] = set()
    for node in ast.walk(function):
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        named = any(isinstance(target, ast.Name) and target.id == name for target in targets)
        value = node.value if named and isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)) else None
        if value is not None:
            found = dict_keys(value)
            if found is None:
                return None
            keys |= found
    return frozenset(keys) if keys else None


class Reader(ast.NodeVisitor):
    """One module's emits, close codes and encoded frame types, with the function each is in."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.module = importlib.import_module(module_name(path))
        self.functions: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.emits: list[tuple[str, frozenset[str] | None]] = []
        self.close_codes: set[int] = set()
        self.frame_types: set[str] = set()
        self.visit(ast.parse(path.read_text(), str(path)))

    def where(self, node: ast.AST) -> str:
        return f"{self.path.relative_to(ROOT)}:{node.lineno}"  # type: ignore[attr-defined]

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.functions.append(node)
        self.generic_visit(node)
        self.functions.pop()

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Call(self, node: ast.Call) -> None:
        called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
        if isinstance(node.func, ast.Attribute) and called == "emit":
            self.emit(node)
        if called in {"close", "_close"}:
            self.close(node)
        if called == "encode" and node.args:
            self.frame(node.args[0])
        self.generic_visit(node)

    def visit_Return(self, node: ast.Return) -> None:
        for value in node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]:
            if value is not None:
                self.frame(value)
        self.generic_visit(node)

    def emit(self, node: ast.Call) -> None:
        first = node.args[0] if node.args else None
        literal = isinstance(first, ast.Constant) and isinstance(first.value, str)
        assert literal, f"{self.where(node)}: an event's name is a string literal, so that the doc can be checked"
        assert isinstance(first, ast.Constant)
        data = node.args[1] if len(node.args) > 1 else None
        keys = None
        if data is not None:
            keys = dict_keys(data)
            if keys is None and isinstance(data, ast.Name) and self.functions:
                keys = keys_of_local(self.functions[-1], data.id)
        self.emits.append((first.value, keys))

    def close(self, node: ast.Call) -> None:
        code = next((keyword.value for keyword in node.keywords if keyword.arg == "code"), None)
        if code is None and node.args:
            code = node.args[0]
        if code is None:
            return  # a file, a cursor, or a socket closed with the default 1000
        if isinstance(code, ast.Constant) and isinstance(code.value, int):
            self.close_codes.add(code.value)
            return
        if isinstance(code, ast.Name) and isinstance(getattr(self.module, code.id, None), int):
            self.close_codes.add(getattr(self.module, code.id))
            return
        function = self.functions[-1] if self.functions else None
        parameters = {arg.arg for arg in (*function.args.args, *function.args.kwonlyargs)} if function else set()
        passed_on = isinstance(code, ast.Name) and code.id in parameters
        assert passed_on, (
            f"{self.where(node)}: a close code is a literal or a module constant, so that the doc can be checked"
        )
        # A helper passing its caller's code on (`_close(self, code)`): its callers name the code.

    def frame(self, node: ast.expr) -> None:
        if not isinstance(node, ast.Dict):
            return
        for key, value in zip(node.keys, node.values, strict=True):
            # Dotted types are channel-layer messages between processes, not frames for a client.
            typed = isinstance(key, ast.Constant) and key.value == "type" and isinstance(value, ast.Constant)
            if typed and "." not in value.value:
                self.frame_types.add(value.value)


@cache
def readers() -> list[Reader]:
    return [Reader(path) for path in source_files()]


def code_emits() -> Emits:
    emits = Emits()
    for reader in readers():
        for name, keys in reader.emits:
            emits.sites[name].append(keys)
    return emits


def code_close_codes() -> set[int]:
    return set().union(*(reader.close_codes for reader in readers()))


def code_frame_types() -> set[str]:
    return set().union(*(reader.frame_types for reader in readers()))


def code_errors() -> dict[str, int]:
    """Every error code and its HTTP status, from DomainError's subclasses wherever they are defined."""
    for package in PACKAGES:
        for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
            if ".migrations" not in info.name:
                importlib.import_module(info.name)
    errors: dict[str, int] = {}
    waiting = [DomainError]
    while waiting:
        cls = waiting.pop()
        assert errors.get(cls.code, cls.status) == cls.status, f"{cls.code} has two HTTP statuses"
        errors[cls.code] = cls.status
        waiting.extend(cls.__subclasses__())
    return errors


def code_paths() -> set[str]:
    from workshop.urls import urlpatterns

    names = {"workshop_id": "id", "extension": "ext"}
    return {
        "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: f"<{names.get(m[1], m[1])}>", str(pattern.pattern))
        for pattern in urlpatterns
    }


def mismatch(documented: set, actual: set) -> str:
    missing, extra = sorted(actual - documented), sorted(documented - actual)
    return f"in the code, not the doc: {missing}; in the doc, not the code: {extra}"


# --- the checks ---------------------------------------------------------------------------------


def test_every_op_and_its_fields():
    ops = keyed("op")
    assert set(ops) == set(OPS), mismatch(set(ops), set(OPS))
    for name, spec in OPS.items():
        row = ops[name]
        assert set(ticked(row["required fields"])) == set(spec.required), name
        assert set(ticked(row["optional fields"])) == set(spec.optional), name


def test_every_event_and_its_data():
    events = keyed("event")
    emits = code_emits()
    assert set(events) == set(emits.sites), mismatch(set(events), set(emits.sites))
    for name, row in events.items():
        keys, complete = emits.keys(name)
        documented = set(ticked(row["data"]))
        if complete:
            assert documented == keys, f"{name}: {mismatch(documented, keys)}"
        else:
            assert documented >= keys, f"{name}: {mismatch(documented, keys)}"


def test_the_ops_and_events_tables_name_each_other_rightly():
    events = keyed("event")
    for name, row in keyed("op").items():
        assert ticked(row["events"]), f"{name} names its events"
        assert set(ticked(row["events"])) <= set(events), name
    for name, row in events.items():
        causes = ticked(row["caused by"])
        assert causes, f"{name} names what causes it"
        for cause in causes:
            assert cause in OPS or cause.split(" ")[0] in HTTP_METHODS, f"{name}: {cause} is no op or request"


def test_every_error_code_and_its_http_status():
    documented = {name: row["HTTP status"] for name, row in keyed("error code").items()}
    errors = code_errors()
    assert set(documented) == set(errors), mismatch(set(documented), set(errors))
    for code, status in errors.items():
        assert documented[code] == str(status), code


def test_every_close_code():
    documented = {int(name) for name in keyed("close code")}
    sent = code_close_codes()
    assert documented == sent, mismatch(documented, sent)
    # Daphne sends codes under 3000 only when live.close_codes lets them through.
    assert {code for code in sent if code < 3000} == SERVER_CLOSE_CODES


def test_every_frame_type_the_server_sends():
    documented = set(keyed("frame type"))
    sent = code_frame_types()
    assert documented == sent, mismatch(documented, sent)


def test_every_url():
    documented = set()
    for row in rows_of("method"):
        (path,) = ticked(row["path"])
        documented.add(path)
        assert all(method in HTTP_METHODS for method in ticked(row["method"])[0].split(", ")), row["method"]
    assert documented == code_paths(), mismatch(documented, code_paths())


def value_of(constant: str) -> float:
    module, _, name = constant.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_the_limits_are_the_codes():
    rows = rows_of("limit")
    named = set()
    for row in rows:
        (constant,) = ticked(row["constant"])
        number = re.match(r"[0-9][0-9,]*", row["value"])
        assert number, row
        assert int(number[0].replace(",", "")) == value_of(constant), f"{row['limit']}: {constant}"
        named.add(constant)
    in_limits = {f"core.limits.{name}" for name in vars(core.limits) if name.isupper()}
    assert in_limits <= named, f"limits not in the doc: {sorted(in_limits - named)}"


# --- the checks can fail ------------------------------------------------------------------------

TABLE = """
| op | required fields | optional fields | who | phases | events | notes |
| --- | --- | --- | --- | --- | --- | --- |
| `item.add` | `lane`, `title` (1–200) | `notes` | member | gather | `item.added` | `x` \\| y |
| `item.add` | `lane` | – | member | gather | `item.added` | |
"""


def test_the_table_reader_reads_cells_and_refuses_a_name_documented_twice():
    (first, _) = rows_of("op", TABLE)
    assert ticked(first["required fields"]) == ["lane", "title"]
    assert first["notes"] == "`x` \\| y"
    with pytest.raises(AssertionError, match="documented twice"):
        keyed("op", TABLE)


def test_the_code_readers_find_what_they_look_for():
    """The readers above are not vacuous: they find what is known to be there."""
    emits = code_emits()
    assert emits.keys("item.moved") == ({"item", "lane", "index"}, True)
    # Built in a local variable, then widened when agreeing.
    assert emits.keys("phase.changed") == ({"phase", "plan_version", "agreed_at"}, True)
    assert {4403, 4404, 4429, 1009, 1011} <= code_close_codes()
    assert {"snapshot", "replay", "event", "ack", "error", "presence"} <= code_frame_types()
    assert code_errors()["rate_limited"] == 429
