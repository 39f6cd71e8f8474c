"""Starting a workshop, from a template or blank, for one of the account's clients or none
(protocol §8): the page's form and `POST /api/workshops` both come here.

The template gives the new workshop its lanes, vote budget, agenda and planning settings; a field
given explicitly wins. The workshop, its client link, the colleagues' memberships and the
template's use count are written by the one change that creates the workshop.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser

from clients.colleagues import client_for_new_workshop, shared_client
from core.errors import BadRequest
from core.validation import UNSET
from frameworks.templates import as_json, find_template, template_used
from goals.models import Workshop
from live.changes import Change
from planning.lanes import DEFAULT_LANES
from room.workshops import workshop_create


def chosen_template(user: AbstractBaseUser, template_id: Any) -> dict[str, Any] | None:
    """The template object asked for, or None for a blank start; another account's is not found."""
    if template_id in (None, ""):
        return None
    if not isinstance(template_id, str):
        raise BadRequest("`template` must be a template's id.", field="template")
    return as_json(find_template(user, template_id))


def workshop_start(
    *,
    user: AbstractBaseUser,
    title: Any,
    why: Any = "",
    success_criteria: Any = (),
    votes_per_member: Any = UNSET,
    template: Any = None,
    client: Any = None,
) -> Workshop:
    source = chosen_template(user, template)
    partner = None if client in (None, "") else shared_client(user, client)
    if votes_per_member is UNSET or votes_per_member is None:
        votes_per_member = source["votes_per_member"] if source else 5

    def also(change: Change) -> None:
        if source is not None:
            template_used(change, source["id"])
        if partner is not None:
            client_for_new_workshop(change, partner)

    return workshop_create(
        user=user,
        title=title,
        why=why,
        success_criteria=success_criteria,
        votes_per_member=votes_per_member,
        lanes=source["lanes"] if source else DEFAULT_LANES,
        agenda=source["agenda"] if source else (),
        planning=source["planning"] if source else None,
        also=also,
    )
