"""Workshops, the goal they rally around, the people in them and how they get in.

The log of every change to a workshop, its op receipts and its open sockets are the live engine's
(live.models), which knows these models only through settings.LIVE_WORKSHOP_MODEL and
LIVE_MEMBER_MODEL."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models


def new_workshop_id() -> str:
    """16 URL-safe characters (96 random bits): opaque, never sequential."""
    return secrets.token_urlsafe(12)


class Phase(models.TextChoices):
    GATHER = "gather"
    VOTE = "vote"
    PLAN = "plan"
    AGREED = "agreed"


class Role(models.TextChoices):
    LEADER = "leader"
    FACILITATOR = "facilitator"
    MEMBER = "member"
    OBSERVER = "observer"


# Who may steer the workshop, and who takes part in it (observers only watch).
FACILITATING = frozenset({Role.LEADER, Role.FACILITATOR})
PARTICIPATING = frozenset({Role.LEADER, Role.FACILITATOR, Role.MEMBER})
# Everyone in a workshop, observers too: for what is about oneself, not the board (one's name).
EVERYONE = frozenset(Role)


class Workshop(models.Model):
    id = models.CharField(primary_key=True, max_length=32, default=new_workshop_id, editable=False)
    title = models.CharField(max_length=200)
    why = models.TextField(blank=True, max_length=2000)
    success_criteria = models.JSONField(default=list, blank=True)
    votes_per_member = models.PositiveSmallIntegerField(default=5)
    phase = models.CharField(max_length=10, choices=Phase.choices, default=Phase.GATHER)
    timer_ends_at = models.DateTimeField(null=True, blank=True)
    plan_version = models.PositiveIntegerField(default=0)
    agreed_at = models.DateTimeField(null=True, blank=True)
    # The item a facilitator is walking the room through (planning.walk), or null. A plain id, not a
    # foreign key: items are deleted in SQL under this row's lock, and the op that deletes the focused
    # item clears this in the same commit (a foreign key's SET_NULL is the ORM's, which that SQL
    # bypasses, and goals, which planning builds on, would hold a key into planning's tables).
    focus_item_id = models.BigIntegerField(null=True, blank=True)
    # The session's steps (protocol §8: title, phase, minutes, instructions) and the current one's index.
    agenda = models.JSONField(default=list, blank=True)
    agenda_step = models.PositiveSmallIntegerField(null=True, blank=True)
    # The planning game's settings (protocol §10): estimates, capacity_hours, private_gather.
    planning = models.JSONField(default=dict, blank=True)
    # The seq of the last event appended; bumped under the row lock.
    seq = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class MemberQuerySet(models.QuerySet["Member"]):
    def present(self) -> MemberQuerySet:
        return self.filter(removed_at__isnull=True)


class Member(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="members")
    # A member is either a user or a guest, whose session holds `guest_key`.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    guest_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001 (null: not a guest)
    name = models.CharField(max_length=40)
    role = models.CharField(max_length=12, choices=Role.choices)
    ready = models.BooleanField(default=False)
    joined_at = models.DateTimeField(auto_now_add=True)
    removed_at = models.DateTimeField(null=True, blank=True)
    # The SHA-256 of the member's personal return link (goals.return_links), or null: one per member.
    return_link_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "user"], name="one_membership_per_user"),
            models.UniqueConstraint(fields=["workshop", "guest_key"], name="one_membership_per_guest"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})"


class Invite(models.Model):
    """An invite link. Only a hash of its token is looked up; see goals.invites."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="invites")
    role = models.CharField(max_length=12, choices=[(Role.MEMBER, "member"), (Role.OBSERVER, "observer")])
    nonce = models.CharField(max_length=64, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    max_uses = models.PositiveIntegerField(null=True, blank=True)
    uses = models.PositiveIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.role} invite to {self.workshop_id}"
