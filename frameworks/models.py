"""A facilitator's framework kept as a template (protocol §8).

The built-in templates are not rows: they are the JSON files of `frameworks/builtins/`, read by
`frameworks.builtins`, so that what ships is what is served and a new release changes them without
a data migration. Only how often each built-in was used is stored (BuiltinUse), to order the
library "most used first".
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

from clients.models import Client


def new_template_id() -> str:
    # 16 random characters of [A-Za-z0-9_-] (96 bits), like a workshop's id: not guessable, not
    # sequential, and never of the form "builtin-…" (a built-in's stable id) since token_urlsafe
    # of 12 bytes is exactly 16 characters.
    return secrets.token_urlsafe(12)


class Template(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_template_id, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="templates")
    # Shared with every colleague of the client. A client that goes takes its templates with it
    # from its colleagues' view, but not from their owner: the owner keeps them, unshared.
    client = models.ForeignKey(Client, on_delete=models.SET_NULL, null=True, blank=True, related_name="templates")
    name = models.CharField(max_length=80)
    description = models.TextField(blank=True)
    lanes = models.JSONField(default=list)
    votes_per_member = models.PositiveSmallIntegerField(default=5)
    goal_prompts = models.JSONField(default=dict)
    agenda = models.JSONField(default=list, blank=True)
    planning = models.JSONField(default=dict, blank=True)
    # Workshops started from it: the library shows the most used first.
    uses = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-uses", "name", "id"]

    def __str__(self) -> str:
        return self.name


class BuiltinUse(models.Model):
    """How many workshops started from a built-in template (which lives in a file, not a row)."""

    template_id = models.CharField(primary_key=True, max_length=32)
    uses = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.template_id}: {self.uses}"
