"""A template's validation (protocol §8): every bad field named by its path, unknown keys refused."""

from __future__ import annotations

import pytest

from frameworks.templates import builtin_templates
from frameworks.validation import TemplateInvalid, template_fields

GOOD = {
    "name": "Weekly plan",
    "lanes": ["Now", "Later"],
    "agenda": [{"title": "Write", "phase": "gather", "minutes": 10, "instructions": "Each on your own."}],
}


def refused(body):
    with pytest.raises(TemplateInvalid) as caught:
        template_fields(body)
    error = caught.value.as_dict()
    assert error["code"] == "invalid"
    assert error["detail"]["field"] == next(iter(error["detail"]["fields"]))
    return error["detail"]["fields"]


def test_a_minimal_template_takes_the_defaults():
    fields = template_fields({"name": " Weekly plan ", "lanes": ["Now"]})
    assert fields == {
        "name": "Weekly plan",
        "description": "",
        "client": None,
        "lanes": ["Now"],
        "votes_per_member": 5,
        "goal_prompts": {"why": "", "criteria": []},
        "agenda": [],
        "planning": {"estimates": False, "capacity_hours": None, "private_gather": False},
    }


def test_every_bad_field_is_named_in_order_with_the_first_in_field():
    fields = refused(
        {
            "name": "",
            "lanes": ["Now", "", "x" * 61],
            "votes_per_member": 21,
            "goal_prompts": {"why": "w" * 501, "criteria": ["ok", "c" * 201]},
            "agenda": [
                {"title": "Fine", "phase": "gather"},
                {"title": "", "phase": "dance", "minutes": 0, "instructions": "i" * 2001},
            ],
            "planning": {"estimates": "yes", "capacity_hours": 0, "private_gather": True},
        }
    )
    assert list(fields) == [
        "name",
        "lanes[1]",
        "lanes[2]",
        "votes_per_member",
        "goal_prompts.why",
        "goal_prompts.criteria[1]",
        "agenda[1].title",
        "agenda[1].phase",
        "agenda[1].minutes",
        "agenda[1].instructions",
        "planning.estimates",
        "planning.capacity_hours",
    ]


def test_unknown_keys_are_refused_each_named_at_every_level():
    fields = refused(
        {
            **GOOD,
            "colour": "red",
            "uses": 3,
            "goal_prompts": {"why": "", "hint": "x"},
            "agenda": [{**GOOD["agenda"][0], "owner": "me"}],
            "planning": {"estimates": True, "budget": 5},
        }
    )
    assert set(fields) == {"colour", "uses", "goal_prompts.hint", "agenda[0].owner", "planning.budget"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"lanes": ["Now"]}, "name"),
        ({"name": "x"}, "lanes"),
        ({"name": "x", "lanes": []}, "lanes"),
        ({"name": "x", "lanes": [f"L{n}" for n in range(21)]}, "lanes"),
        ({"name": "x", "lanes": "Now"}, "lanes"),
        ({"name": "x", "lanes": ["Now"], "agenda": [{"title": "s", "phase": "vote"}] * 31}, "agenda"),
        ({"name": "x", "lanes": ["Now"], "agenda": ["step"]}, "agenda[0]"),
        ({"name": "x", "lanes": ["Now"], "goal_prompts": {"criteria": ["c"] * 21}}, "goal_prompts.criteria"),
        ({"name": "x", "lanes": ["Now"], "votes_per_member": True}, "votes_per_member"),
        ({"name": "x", "lanes": ["Now"], "client": 3}, "client"),
        ({"name": "x", "lanes": ["Now"], "planning": None}, "planning"),
    ],
)
def test_each_kind_of_refusal_names_its_field(body, field):
    assert field in refused(body)


def test_id_and_builtin_are_ignored_so_an_export_imports_as_is():
    exported = {**builtin_templates()["builtin-okr"]}
    fields = template_fields(exported)
    assert {key: exported[key] for key in fields} == fields


def test_not_an_object_is_refused():
    with pytest.raises(TemplateInvalid):
        template_fields(["name"])
