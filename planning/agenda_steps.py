"""What an agenda and the planning settings are (protocol §8 and §10), checked one way for every
caller: the `agenda.set` op, a template's validation, a workshop started from a template.

Each bad field is named with its path (`agenda[2].minutes`), so that a template's 400 can name
every one of them and an op's `invalid` names the first.
"""

from __future__ import annotations

from typing import Any

from core import limits
from core.errors import BadRequest, Invalid
from core.validation import boolean, integer, text
from goals.models import Phase

STEP_KEYS = frozenset({"title", "phase", "minutes", "instructions"})
PLANNING_KEYS = frozenset({"estimates", "capacity_hours", "private_gather"})
DEFAULT_PLANNING: dict[str, Any] = {"estimates": False, "capacity_hours": None, "private_gather": False}


def _object(value: Any, field: str, keys: frozenset[str]) -> dict[str, Any]:
    """`value` as an object with no key but `keys`: an unknown key is named, not ignored."""
    if not isinstance(value, dict):
        raise BadRequest(f"`{field}` must be an object.", field=field)
    unknown = sorted(set(value) - keys)
    if unknown:
        raise Invalid(f"{field}.{unknown[0]}", f"`{field}` has an unknown key: {unknown[0]}.")
    return value


def agenda_step(value: Any, field: str) -> dict[str, Any]:
    value = _object(value, field, STEP_KEYS)
    phase = value.get("phase")
    if phase not in Phase.values:
        raise Invalid(f"{field}.phase", f"`{field}.phase` must be one of {', '.join(Phase.values)}.")
    minutes = value.get("minutes")
    return {
        "title": text(value.get("title"), f"{field}.title", min_length=1, max_length=limits.STEP_TITLE_MAX),
        "phase": phase,
        "minutes": None
        if minutes is None
        else integer(minutes, f"{field}.minutes", minimum=limits.STEP_MINUTES_MIN, maximum=limits.STEP_MINUTES_MAX),
        "instructions": text(
            value.get("instructions", ""),
            f"{field}.instructions",
            min_length=0,
            max_length=limits.STEP_INSTRUCTIONS_MAX,
        ),
    }


def agenda_steps(value: Any, field: str = "agenda") -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise BadRequest(f"`{field}` must be a list of steps.", field=field)
    if len(value) > limits.AGENDA_STEPS_MAX:
        raise Invalid(field, f"An agenda has at most {limits.AGENDA_STEPS_MAX} steps.")
    return [agenda_step(step, f"{field}[{index}]") for index, step in enumerate(value)]


def planning_setting(key: str, value: Any, field: str) -> Any:
    """One planning setting, checked; `field` names it in a refusal (`capacity_hours` for the op,
    `planning.capacity_hours` in a template)."""
    if key == "capacity_hours":
        if value is None:
            return None
        return integer(value, field, minimum=limits.CAPACITY_HOURS_MIN, maximum=limits.CAPACITY_HOURS_MAX)
    return boolean(value, field)


def planning_settings(value: Any, field: str = "planning") -> dict[str, Any]:
    value = _object(value, field, PLANNING_KEYS)
    return {
        key: planning_setting(key, value.get(key, default), f"{field}.{key}")
        for key, default in DEFAULT_PLANNING.items()
    }
