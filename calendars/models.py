from __future__ import annotations

from django.db import models

from goals.models import Member


class CalendarFeed(models.Model):
    """A member's secret calendar feed (calendars.feeds): only the SHA-256 of its token is kept.

    One per member: making a new feed replaces the token, so the old URL stops answering.
    """

    member = models.OneToOneField(Member, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"calendar feed of member {self.member_id}"
