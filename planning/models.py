"""The board (lanes, items, votes, owners), its event log and the plan versions."""

from __future__ import annotations

from django.db import models

from goals.models import Member, Workshop


class ItemStatus(models.TextChoices):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DROPPED = "dropped"


class ProgressState(models.TextChoices):
    """How an accepted item of the agreed plan is going, as its owner last reported it."""

    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    BLOCKED = "blocked"
    DONE = "done"


class Lane(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="lanes")
    title = models.CharField(max_length=80)
    position = models.PositiveIntegerField()

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class Item(models.Model):
    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="items")
    lane = models.ForeignKey(Lane, on_delete=models.PROTECT, related_name="items")
    position = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    notes = models.TextField(blank=True, max_length=4000)
    due = models.DateField(null=True, blank=True)
    criterion = models.PositiveSmallIntegerField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ItemStatus.choices, default=ItemStatus.PROPOSED)
    author = models.ForeignKey(Member, on_delete=models.PROTECT, related_name="authored_items")
    # Bumped by content edits only, so that a move never makes an edit conflict.
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    # The latest progress report (protocol §7): "" until an owner reports. Columns of the item
    # rather than a table of reports, so that the snapshot reads them with the item.
    progress_state = models.CharField(
        max_length=10, choices=ProgressState.choices, blank=True, default="", db_default=""
    )
    progress_note = models.TextField(blank=True, default="", db_default="", max_length=500)
    progress_by = models.ForeignKey(Member, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    progress_at = models.DateTimeField(null=True, blank=True)
    # The planning game (protocol §10): hours, one of ESTIMATES, or null; and the card this one is
    # stacked under (always a head: a stack is one level deep, and sits together in its lane).
    estimate = models.PositiveSmallIntegerField(null=True, blank=True)
    stack = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["lane__position", "position", "id"]
        indexes = [models.Index(fields=["workshop", "lane", "position"])]

    def __str__(self) -> str:
        return self.title


class Vote(models.Model):
    """The dots one member put on one item."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="votes")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="votes")
    dots = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="one_vote_row_per_item_member")]

    def __str__(self) -> str:
        return f"{self.dots} on {self.item_id} by {self.member_id}"


class Ownership(models.Model):
    """A member who owns an item; `id` order is claim order."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="ownerships")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="ownerships")
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="one_ownership_per_item_member")]

    def __str__(self) -> str:
        return f"{self.member_id} owns {self.item_id}"


class HelpOffer(models.Model):
    """A member's "I can help" on an accepted item, with how they can help (`note`, may be empty);
    `id` order is the order they offered."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, related_name="help_offers")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="help_offers")
    offered_at = models.DateTimeField()
    note = models.TextField(blank=True, default="", db_default="", max_length=280)

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["item", "member"], name="one_help_offer_per_item_member")]

    def __str__(self) -> str:
        return f"{self.member_id} helps with {self.item_id}"


class CheckIn(models.Model):
    """A check-in on the agreed plan: the counts of its items' states, frozen when it was recorded."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="checkins")
    number = models.PositiveIntegerField()
    at = models.DateTimeField()
    by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    note = models.TextField(blank=True, default="", max_length=2000)
    counts = models.JSONField()

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["workshop", "number"], name="one_checkin_number")]

    def __str__(self) -> str:
        return f"{self.workshop_id} check-in {self.number}"


class ConfidenceCheck(models.Model):
    """A fist-of-five round; the newest one of a workshop is the one shown."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="confidence_checks")
    opened_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    histogram = models.JSONField(null=True, blank=True)
    mean = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"confidence check {self.pk} of {self.workshop_id}"


class ConfidenceAnswer(models.Model):
    confidence = models.ForeignKey(ConfidenceCheck, on_delete=models.CASCADE, related_name="answers")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    score = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["confidence", "member"], name="one_answer_per_check_member")]

    def __str__(self) -> str:
        return f"{self.score} from {self.member_id}"


class PlanVersion(models.Model):
    """An agreed plan, frozen as it stood; never changed after it is written."""

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="plan_versions")
    number = models.PositiveIntegerField()
    agreed_at = models.DateTimeField()
    agreed_by = models.ForeignKey(Member, null=True, on_delete=models.SET_NULL, related_name="+")
    content = models.JSONField()

    class Meta:
        ordering = ["number"]
        constraints = [models.UniqueConstraint(fields=["workshop", "number"], name="one_plan_version_number")]

    def __str__(self) -> str:
        return f"{self.workshop_id} v{self.number}"
