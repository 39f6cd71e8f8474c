"""`core.validation.integer`: the one way a number from outside is read, by every op, view and form.

From JSON (websocket ops, the JSON API) a number with no fraction is an integer, as JSON Schema's
"integer" (the OpenAPI description's type) says; typed as text (form fields, query strings), only
ASCII digits are a number: `str.isdigit()` takes "²" and "①", which `int()` then refuses (a 500),
and `int()` takes "٣" (Arabic-Indic three), "+5", " 5" and "1_000".
"""

from __future__ import annotations

import json

import pytest

from core.errors import BadRequest, Invalid
from core.validation import integer

# Text that is no number in ASCII digits, whatever str.isdigit(), str.isdecimal() or int() say.
NOT_TYPED_NUMBERS = [
    "",
    "-",
    "²",
    "¹",
    "①",
    "٣",  # Arabic-Indic three: int() reads 3
    "３",  # fullwidth three
    "1e3",
    "5.0",
    "1_000",
    "+5",
    " 5",
    "5\n",
    "0x10",
    "five",
    "\x00",
]


@pytest.mark.parametrize("sent", ["5", "5.0", "5e0", "0.5e1", "500E-2"])
def test_json_whole_numbers_are_integers(sent):
    assert integer(json.loads(sent), "seconds") == 5
    assert type(integer(json.loads(sent), "seconds")) is int


@pytest.mark.parametrize("value", [-0.0, 0.0, 0])
def test_zero_of_any_sign_is_zero(value):
    assert integer(value, "index") == 0


def test_1e3_in_json_is_a_thousand():
    assert integer(1e3, "max_uses", minimum=1, maximum=10000) == 1000


@pytest.mark.parametrize(
    "value", [True, False, 5.5, 0.1, float("nan"), float("inf"), float("-inf"), "5", "5.0", "²", None, [5]]
)
def test_anything_else_from_json_is_a_bad_request(value):
    with pytest.raises(BadRequest) as caught:
        integer(value, "seconds")
    assert caught.value.detail == {"field": "seconds"}


@pytest.mark.parametrize("value", [10**30, 1e300, -(10**30), 2**63])
def test_huge_numbers_are_out_of_range_where_there_is_a_range(value):
    with pytest.raises(Invalid) as caught:
        integer(value, "seconds", minimum=10, maximum=7200)
    assert caught.value.detail == {"field": "seconds"}


@pytest.mark.parametrize(("text", "number"), [("0", 0), ("-0", 0), ("7", 7), ("007", 7), ("-12", -12)])
def test_ascii_digits_typed_as_text_are_a_number(text, number):
    assert integer(text, "item", from_text=True) == number


@pytest.mark.parametrize("text", NOT_TYPED_NUMBERS)
def test_anything_else_typed_as_text_is_a_bad_request(text):
    with pytest.raises(BadRequest) as caught:
        integer(text, "item", from_text=True)
    assert caught.value.detail == {"field": "item"}


@pytest.mark.parametrize("value", [5, 5.0, None, b"5"])
def test_text_means_a_string(value):
    with pytest.raises(BadRequest):
        integer(value, "item", from_text=True)


@pytest.mark.parametrize("text", ["9" * 19, "1" + "0" * 5000, "-" + "9" * 40])
def test_more_digits_than_any_64_bit_number_are_out_of_range_and_never_reach_int(text):
    with pytest.raises(Invalid) as caught:
        integer(text, "item", from_text=True)
    assert caught.value.detail == {"field": "item"}


def test_ranges_say_what_is_allowed():
    with pytest.raises(Invalid, match="between 1 and 20"):
        integer(21, "votes_per_member", minimum=1, maximum=20)
    with pytest.raises(Invalid, match="at least 0"):
        integer(-1, "criterion", minimum=0)
    with pytest.raises(Invalid, match="at most 3"):
        integer("4", "n", maximum=3, from_text=True)
