"""Chat rooms a workshop posts to, and each message posted there (protocol §9, "Chat").

The room's address is an incoming webhook URL: whoever holds it can post into the team's channel,
so it is kept sealed (outbound.secrets) and only a hint of it is ever shown back. A post is one
message for one room with one reason (`agreed:v3`, `blocked:item12@seq40`): made once when its
reason is read from the log, rendered in the room's format there and then, and sent by a job
(chat.sending) with the attempts and retries every outgoing message has (outbound.attempts).
"""

from __future__ import annotations

from django.db import models

from core import clock
from goals.models import Member, Workshop
from outbound.attempts import Attempted


class Kind(models.TextChoices):
    SLACK = "slack"
    MATTERMOST = "mattermost"
    TEAMS = "teams"
    DISCORD = "discord"


class Subject(models.TextChoices):
    """What a room may be told about."""

    AGREED = "agreed"
    BLOCKED = "blocked"
    CHECKIN = "checkin"
    STEP = "step"


class ChatRoom(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    url_sealed = models.TextField()
    # The URL's host and last 4 characters: enough to tell two rooms apart, not enough to post.
    url_hint = models.CharField(max_length=300)
    events = models.JSONField(default=list)
    # The workshop's seq when the room was added: it hears of what happens after, never before.
    since_seq = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.url_hint}"


class ChatPost(Attempted):
    room = models.ForeignKey(ChatRoom, on_delete=models.CASCADE, related_name="posts")
    reason = models.CharField(max_length=80)
    payload = models.JSONField()

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["room", "reason"], name="one_chat_post_per_reason")]

    def __str__(self) -> str:
        return f"{self.room_id}:{self.reason} {self.status}"
