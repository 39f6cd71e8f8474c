"""What a template object is (protocol §8), checked so that EVERY bad field is named.

A template is written by hand in an editor or imported from a file, so one 400 says everything
that is wrong with it: `detail.fields` maps each bad path (`lanes[3]`, `agenda[2].minutes`,
`goal_prompts.colour`) to its message, and `detail.field` is the first of them, as for any other
`invalid`. Unknown keys are refused, each named. Steps and planning settings are checked by
`planning.agenda_steps`, the one validator of the agenda op and of workshop creation: each field
of a step is handed to it on its own, so that a step with two bad fields names both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Final

from core import limits
from core.errors import DomainError, Invalid
from core.validation import integer, text
from planning.agenda_steps import DEFAULT_PLANNING, PLANNING_KEYS, STEP_KEYS, agenda_step, planning_setting

NAME_MAX: Final = 80
DESCRIPTION_MAX: Final = 2000
LANES_MAX: Final = limits.MAX_LANES
# Shorter than a board's lane title (80): a template's lanes are headings chosen once, and must
# read on a phone's lane tab.
LANE_TITLE_MAX: Final = 60
PROMPT_WHY_MAX: Final = 500
PROMPT_CRITERIA_MAX: Final = limits.CRITERIA_MAX
PROMPT_CRITERION_MAX: Final = 200

TEMPLATE_KEYS: Final = (
    "id",
    "name",
    "description",
    "builtin",
    "client",
    "lanes",
    "votes_per_member",
    "goal_prompts",
    "agenda",
    "planning",
)
PROMPT_KEYS: Final = ("why", "criteria")
DEFAULT_VOTES: Final = 5
# A step's fields checked one at a time: the others are given values that pass.
_PASSING_STEP: Final = {"title": "step", "phase": "gather", "minutes": None, "instructions": ""}


class TemplateInvalid(Invalid):
    """A template with one or more bad fields: `detail.fields` names every one."""

    def __init__(self, fields: dict[str, str]) -> None:
        first = next(iter(fields))
        count = len(fields)
        message = fields[first] if count == 1 else f"{fields[first]} (and {count - 1} more)"
        super().__init__(first, message, fields=fields)


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, str] = {}

    def check(self, check: Callable[[], Any], path: str | None = None) -> Any:
        """The value `check` returns, or None after noting its refusal."""
        try:
            return check()
        except DomainError as error:
            self.fields.setdefault(error.detail.get("field") or path or "", error.message)
            return None

    def add(self, path: str, message: str) -> None:
        self.fields.setdefault(path, message)


def _unknown(errors: _Errors, value: dict[str, Any], known: tuple[str, ...] | frozenset[str], prefix: str) -> None:
    for key in value:
        if key not in known:
            errors.add(f"{prefix}{key}", f"`{prefix}{key}` is an unknown field.")


def _lanes(errors: _Errors, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(title, str) for title in value):
        errors.add("lanes", "`lanes` must be a list of lane titles.")
        return []
    if not 1 <= len(value) <= LANES_MAX:
        errors.add("lanes", f"A template has 1–{LANES_MAX} lanes.")
    return [
        errors.check(lambda t=title, i=index: text(t, f"lanes[{i}]", min_length=1, max_length=LANE_TITLE_MAX))
        for index, title in enumerate(value)
    ]


def _prompts(errors: _Errors, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        errors.add("goal_prompts", '`goal_prompts` must be an object: {"why", "criteria"}.')
        return {"why": "", "criteria": []}
    _unknown(errors, value, PROMPT_KEYS, "goal_prompts.")
    why = errors.check(lambda: text(value.get("why", ""), "goal_prompts.why", min_length=0, max_length=PROMPT_WHY_MAX))
    criteria = value.get("criteria", [])
    kept: list[str] = []
    if not isinstance(criteria, list):
        errors.add("goal_prompts.criteria", "`goal_prompts.criteria` must be a list of texts.")
    else:
        if len(criteria) > PROMPT_CRITERIA_MAX:
            errors.add("goal_prompts.criteria", f"At most {PROMPT_CRITERIA_MAX} criteria prompts.")
        for index, entry in enumerate(criteria):
            path = f"goal_prompts.criteria[{index}]"
            checked = errors.check(lambda e=entry, p=path: text(e, p, min_length=0, max_length=PROMPT_CRITERION_MAX))
            if checked:
                kept.append(checked)
    return {"why": why or "", "criteria": kept}


def _agenda(errors: _Errors, value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        errors.add("agenda", "`agenda` must be a list of steps.")
        return []
    if len(value) > limits.AGENDA_STEPS_MAX:
        errors.add("agenda", f"An agenda has at most {limits.AGENDA_STEPS_MAX} steps.")
    steps = []
    for index, step in enumerate(value):
        path = f"agenda[{index}]"
        if not isinstance(step, dict):
            errors.add(path, f"`{path}` must be a step: an object with title, phase, minutes and instructions.")
            continue
        _unknown(errors, step, STEP_KEYS, f"{path}.")
        checked = dict(_PASSING_STEP)
        for key in ("title", "phase", "minutes", "instructions"):
            if key not in step and key in ("minutes", "instructions"):
                continue
            one = errors.check(lambda k=key, s=step, p=path: agenda_step({**_PASSING_STEP, k: s.get(k)}, p))
            if one is not None:
                checked[key] = one[key]
        steps.append(checked)
    return steps


def _planning(errors: _Errors, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        errors.add("planning", "`planning` must be an object: {estimates, capacity_hours, private_gather}.")
        return dict(DEFAULT_PLANNING)
    _unknown(errors, value, frozenset(PLANNING_KEYS), "planning.")
    checked = dict(DEFAULT_PLANNING)
    for key in DEFAULT_PLANNING:
        if key in value:
            one = errors.check(lambda k=key: {k: planning_setting(k, value[k], f"planning.{k}")})
            if one is not None:
                checked[key] = one[key]
    return checked


def template_fields(body: Any, *, check_client: Callable[[Any], Any] | None = None) -> dict[str, Any]:
    """The template object `body`, checked and cleaned: the fields a Template row takes.

    `id` and `builtin` are accepted and ignored (an exported template imports as it is). `client`
    is handed to `check_client`, which returns the client or raises naming the field; without it,
    `client` must be null. Raises TemplateInvalid naming every bad field.
    """
    errors = _Errors()
    if not isinstance(body, dict):
        raise TemplateInvalid({"": "A template must be a JSON object."})
    _unknown(errors, body, TEMPLATE_KEYS, "")
    name = errors.check(lambda: text(body.get("name"), "name", min_length=1, max_length=NAME_MAX), "name")
    description = errors.check(
        lambda: text(body.get("description", ""), "description", min_length=0, max_length=DESCRIPTION_MAX)
    )
    client = None
    if body.get("client") is not None:
        if check_client is None:
            errors.add("client", "`client` must be null here.")
        else:
            client = errors.check(lambda: check_client(body["client"]), "client")
    lanes = _lanes(errors, body.get("lanes")) if "lanes" in body else errors.add("lanes", "`lanes` is required.")
    votes = errors.check(
        lambda: integer(
            body.get("votes_per_member", DEFAULT_VOTES),
            "votes_per_member",
            minimum=limits.VOTES_PER_MEMBER_MIN,
            maximum=limits.VOTES_PER_MEMBER_MAX,
        )
    )
    prompts = _prompts(errors, body.get("goal_prompts", {"why": "", "criteria": []}))
    agenda = _agenda(errors, body.get("agenda", []))
    planning = _planning(errors, body.get("planning", {}))
    if errors.fields:
        raise TemplateInvalid(_in_order(errors.fields))
    return {
        "name": name,
        "description": description,
        "client": client,
        "lanes": lanes,
        "votes_per_member": votes,
        "goal_prompts": prompts,
        "agenda": agenda,
        "planning": planning,
    }


def _in_order(fields: dict[str, str]) -> dict[str, str]:
    """Bad fields in the order of the template object, so that `detail.field` is the first one an
    editor shows from the top."""

    def rank(path: str) -> int:
        head = path.split(".")[0].split("[")[0]
        return TEMPLATE_KEYS.index(head) if head in TEMPLATE_KEYS else len(TEMPLATE_KEYS)

    return dict(sorted(fields.items(), key=lambda pair: rank(pair[0])))
