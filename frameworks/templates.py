"""Templates: reading them (selectors) and changing them (services), for the API and the pages.

A template is the account's, not a workshop's: nothing here writes a board, so these are plain
writes, not ops of the change path (docs/decisions.md, issue 22). Who may see a template: its
owner, and every colleague of its client; a built-in, anyone logged in. Anyone else is told it
does not exist (404), never that it is not theirs.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from clients.models import Client
from core.errors import Forbidden, Invalid, NotFound
from core.validation import integer
from frameworks.models import BuiltinUse, Template
from frameworks.validation import LANE_TITLE_MAX, template_fields
from goals.models import Workshop
from live.changes import Change
from planning.agenda_steps import DEFAULT_PLANNING
from planning.models import Lane
from planning.privacy import planning_of

BUILTIN_PREFIX = "builtin-"


# --- built-ins ----------------------------------------------------------------------------------


@cache
def builtin_templates() -> dict[str, dict[str, Any]]:
    """The built-in templates by id, in file-name order, each as its template object.

    Read once per process (callers get copies) from frameworks/builtins/*.json (package data);
    each file is checked by the same validator as a template sent to the API, so a bad file fails
    at first use and in tests/frameworks/test_builtins.py, not halfway through a workshop.
    """
    found: dict[str, dict[str, Any]] = {}
    folder = resources.files("frameworks") / "builtins"
    for entry in sorted(folder.iterdir(), key=lambda path: path.name):
        if not entry.name.endswith(".json"):
            continue
        data = json.loads(entry.read_text(encoding="utf-8"))
        template_id = data.get("id")
        if not isinstance(template_id, str) or not template_id.startswith(BUILTIN_PREFIX):
            raise ValueError(f"{entry.name}: a built-in's id starts with {BUILTIN_PREFIX!r}")
        fields = template_fields(data)
        found[template_id] = {"id": template_id, "builtin": True, **fields}
    return found


def builtin_uses() -> dict[str, int]:
    return dict(BuiltinUse.objects.values_list("template_id", "uses"))


# --- reading ------------------------------------------------------------------------------------


def template_json(template: Template) -> dict[str, Any]:
    """The template object of protocol §8: exactly its keys, so that it imports as it is."""
    return {
        "id": template.id,
        "name": template.name,
        "description": template.description,
        "builtin": False,
        "client": template.client_id,
        "lanes": list(template.lanes),
        "votes_per_member": template.votes_per_member,
        "goal_prompts": {
            "why": template.goal_prompts.get("why", ""),
            "criteria": list(template.goal_prompts.get("criteria", [])),
        },
        "agenda": list(template.agenda),
        "planning": {**DEFAULT_PLANNING, **template.planning},
    }


def visible_templates(user: AbstractBaseUser) -> QuerySet[Template]:
    """The account's own templates and those of the clients it shares."""
    shared = Client.objects.filter(colleagues=user).values("id")
    return Template.objects.filter(Q(owner=user) | Q(client__in=shared)).select_related("client")


def template_library(user: AbstractBaseUser) -> list[dict[str, Any]]:
    """Every template the account may use, most used first (built-ins before its own on a tie),
    each with `uses` beside it (not a field of the template object: the pages show it)."""
    uses = builtin_uses()
    listed = [(uses.get(tid, 0), 0, copy.deepcopy(template)) for tid, template in builtin_templates().items()]
    listed += [(row.uses, 1, template_json(row)) for row in visible_templates(user)]
    listed.sort(key=lambda entry: (-entry[0], entry[1]))
    return [template for _, _, template in listed]


def with_minutes(listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The pages' previews: each template with `minutes`, its agenda's time boxes added up."""
    for entry in listed:
        entry["minutes"] = sum(step["minutes"] or 0 for step in entry["agenda"])
    return listed


def find_template(user: AbstractBaseUser, template_id: str) -> Template | dict[str, Any]:
    """A built-in (its object) or a row the account may see; NotFound otherwise."""
    builtin = builtin_templates().get(template_id)
    if builtin is not None:
        return copy.deepcopy(builtin)
    template = visible_templates(user).filter(pk=template_id).first()
    if template is None:
        raise NotFound("There is no such template.")
    return template


def as_json(template: Template | dict[str, Any]) -> dict[str, Any]:
    return template if isinstance(template, dict) else template_json(template)


def shared_client(user: AbstractBaseUser) -> Any:
    """The check of a template's `client`: a client the account shares, or `invalid` naming it
    (a field of the body, not the resource addressed: 400, not 404)."""

    def check(value: Any) -> Client:
        client_id = integer(value, "client")
        client = Client.objects.filter(pk=client_id, colleagues=user).first()
        if client is None:
            raise Invalid("client", "`client` is not a client you share.")
        return client

    return check


# --- changing -----------------------------------------------------------------------------------


def template_create(*, user: AbstractBaseUser, body: Any) -> Template:
    fields = template_fields(body, check_client=shared_client(user))
    return Template.objects.create(owner=user, **fields)


def _writable(template: Template | dict[str, Any]) -> Template:
    if isinstance(template, dict):
        raise Forbidden("A built-in template cannot be changed or deleted; copy it instead.")
    return template


def template_replace(*, user: AbstractBaseUser, template: Template | dict[str, Any], body: Any) -> Template:
    row = _writable(template)
    fields = template_fields(body, check_client=shared_client(user))
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    return row


def template_delete(*, template: Template | dict[str, Any]) -> None:
    _writable(template).delete()


def template_from_workshop(*, user: AbstractBaseUser, workshop: Workshop, name: Any, description: Any = "") -> Template:
    """A template of the workshop's way of working: its lanes in board order, vote budget, agenda
    and planning settings. Never its items, goal text or people. The goal prompts are empty: a
    workshop holds its goal, not the prompts that helped to write it."""
    lanes = Lane.objects.filter(workshop=workshop).order_by("position", "id").values_list("title", flat=True)
    body = {
        "name": name,
        "description": description,
        "lanes": [title[:LANE_TITLE_MAX].strip() for title in lanes],
        "votes_per_member": workshop.votes_per_member,
        "goal_prompts": {"why": "", "criteria": []},
        "agenda": list(workshop.agenda or []),
        "planning": planning_of(workshop),
    }
    return Template.objects.create(owner=user, **template_fields(body))


def template_used(change: Change, template_id: str) -> None:
    """Count one workshop started from the template (for "most used first"), written by the
    change that creates the workshop (the write rule: nothing else writes while it runs)."""
    if template_id in builtin_templates():
        change.write(
            "INSERT INTO frameworks_builtinuse (template_id, uses) VALUES (%s, 1) "
            "ON CONFLICT (template_id) DO UPDATE SET uses = frameworks_builtinuse.uses + 1",
            [template_id],
        )
    else:
        change.write("UPDATE frameworks_template SET uses = uses + 1 WHERE id = %s", [template_id])
