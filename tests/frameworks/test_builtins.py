"""The built-in templates (protocol §8): at least four frameworks, each valid and complete."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import frameworks
from frameworks.templates import builtin_templates
from frameworks.validation import template_fields

FILES = sorted((Path(frameworks.__file__).parent / "builtins").glob("*.json"))


def test_the_four_frameworks_ship():
    assert set(builtin_templates()) >= {
        "builtin-storyboard",
        "builtin-scrum-sprint",
        "builtin-okr",
        "builtin-kickoff-premortem",
    }


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.stem)
def test_each_file_validates_unchanged(path):
    """Valid under the API's own validator, and already in its cleaned form: what the file says is
    what is served."""
    data = json.loads(path.read_text(encoding="utf-8"))
    fields = template_fields(data)
    assert {key: data[key] for key in fields} == fields
    assert data["builtin"] is True
    assert data["client"] is None


@pytest.mark.parametrize("template", builtin_templates().values(), ids=lambda template: template["id"])
def test_each_is_a_whole_session_with_real_instructions(template):
    agenda = template["agenda"]
    assert {step["phase"] for step in agenda} == {"gather", "vote", "plan", "agreed"}
    assert all(step["minutes"] and len(step["instructions"]) >= 150 for step in agenda)
    phases = [step["phase"] for step in agenda]
    assert phases == sorted(phases, key=["gather", "vote", "plan", "agreed"].index), "steps in phase order"
    assert template["goal_prompts"]["why"]
    assert template["goal_prompts"]["criteria"]
    assert len(template["description"]) >= 100


def test_the_planning_game_estimates_against_a_capacity():
    planning = builtin_templates()["builtin-storyboard"]["planning"]
    assert planning["estimates"] is True
    assert planning["capacity_hours"]
