"""Type and range checks shared by every operation.

A value of the wrong JSON type is `bad_request`; a value of the right type
but out of range is `invalid` naming the field. Text is stripped first, so a
title of spaces counts as empty.
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from datetime import date
from typing import Any, Final

from core import limits
from core.errors import BadRequest, Invalid


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final = _Unset()


def _storable(value: str, field: str) -> None:
    """PostgreSQL stores neither NUL nor a lone surrogate (which is no Unicode text at all)."""
    if "\x00" in value:
        raise Invalid(field, f"`{field}` may not contain NUL characters.")
    try:
        value.encode()
    except UnicodeEncodeError:
        raise Invalid(field, f"`{field}` must be valid Unicode text.") from None


def text(value: Any, field: str, *, min_length: int, max_length: int) -> str:
    if not isinstance(value, str):
        raise BadRequest(f"`{field}` must be a string.", field=field)
    value = value.strip()
    _storable(value, field)
    if not min_length <= len(value) <= max_length:
        if min_length and not value:
            raise Invalid(field, f"`{field}` may not be empty.")
        raise Invalid(field, f"`{field}` must be {min_length}–{max_length} characters.")
    return value


# A number typed as text (a form field, a query string) is ASCII digits with an optional minus,
# nothing else: str.isdigit() also takes "²" and "①", which int() refuses, and int() takes "٣"
# (Arabic-Indic three), " 5", "+5" and "1_000". 18 digits always fit a 64-bit integer; int() is
# never handed the thousands of digits it would refuse (or take its time over).
TYPED_INTEGER: Final = re.compile(r"-?[0-9]{1,18}")
TYPED_DIGITS_MAX: Final = 18


def integer(
    value: Any,
    field: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    from_text: bool = False,
) -> int:
    """A whole number from outside: every op, view and form reads its numbers here, one way.

    From JSON, an integer, or a number with no fraction (`5.0`, `1e3`), as JSON Schema's
    "integer" (the OpenAPI description's type) takes it; never `true` or `false`, nor a string.
    With `from_text` (form fields, query strings), a string of ASCII digits only (TYPED_INTEGER).
    A wrong type or shape is `bad_request`; a number out of range is `invalid`.
    """
    if from_text:
        number = _typed(value, field)
    elif isinstance(value, bool):
        raise BadRequest(f"`{field}` must be an integer.", field=field)
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    else:
        raise BadRequest(f"`{field}` must be an integer.", field=field)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        raise Invalid(field, _range_message(field, minimum, maximum))
    return number


def _typed(value: Any, field: str) -> int:
    if not isinstance(value, str) or not TYPED_INTEGER.fullmatch(value):
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
            raise Invalid(field, f"`{field}` has more than {TYPED_DIGITS_MAX} digits.")
        raise BadRequest(f"`{field}` must be a whole number in the digits 0–9.", field=field)
    return int(value)


def _range_message(field: str, minimum: int | None, maximum: int | None) -> str:
    if maximum is None:
        return f"`{field}` must be at least {minimum}."
    if minimum is None:
        return f"`{field}` must be at most {maximum}."
    return f"`{field}` must be between {minimum} and {maximum}."


def identifier(value: Any, field: str) -> int:
    """An id from the snapshot; one that cannot exist is simply not found later."""
    return integer(value, field)


def boolean(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise BadRequest(f"`{field}` must be true or false.", field=field)
    return value


def optional_date(value: Any, field: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise BadRequest(f"`{field}` must be an ISO date string or null.", field=field)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(field, f"`{field}` must be a date like 2026-12-31.") from None


def choice(value: Any, field: str, choices: set[str] | frozenset[str]) -> str:
    if not isinstance(value, str):
        raise BadRequest(f"`{field}` must be a string.", field=field)
    if value not in choices:
        raise Invalid(field, f"`{field}` must be one of {', '.join(sorted(choices))}.")
    return value


def criteria_list(value: Any, field: str = "success_criteria") -> list[str]:
    """Success criteria: non-empty lines, at most CRITERIA_MAX of them, each of at most CRITERION_MAX characters."""
    if not isinstance(value, list) or not all(isinstance(entry, str) for entry in value):
        raise BadRequest(f"`{field}` must be a list of strings.", field=field)
    cleaned = [entry.strip() for entry in value if entry.strip()]
    for entry in cleaned:
        _storable(entry, field)
    if len(cleaned) > limits.CRITERIA_MAX:
        raise Invalid(field, f"At most {limits.CRITERIA_MAX} success criteria.")
    if any(len(entry) > limits.CRITERION_MAX for entry in cleaned):
        raise Invalid(field, f"Each success criterion is at most {limits.CRITERION_MAX} characters.")
    return cleaned


def known_fields(body: dict[str, Any], allowed: Collection[str], *, required: Sequence[str] = ()) -> None:
    """Refuse a JSON object with a field the endpoint does not take (the first, alphabetically) or
    without one it needs (the first in `required`'s order), naming it (`bad_request`)."""
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise BadRequest(f"Unknown field {unknown[0]}.", field=unknown[0])
    for name in required:
        if name not in body:
            raise BadRequest(f"`{name}` is required.", field=name)
