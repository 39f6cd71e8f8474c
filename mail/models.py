"""Mail addresses, the kinds a member has stopped, and every mail made (protocol §9, Email).

An `Address` belongs to an account (it serves all the account's memberships) or to a guest's
membership. Its confirmation token is never stored: only its SHA-256, and a random nonce from
which the token is derived with the SECRET_KEY (mail.tokens), so that the job sending the mail,
and a retry of it, can write the same link, while the database alone opens nothing.

A `Mail` is one message for one reason: a (member, kind, reason) row made when the reason is read
(the log, the tick), sent by a job (mail.sending). The unique key makes a reason read twice one
mail; `outbound.attempts` makes a mail sent once.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from core import clock
from goals.models import Member
from outbound.attempts import Attempted


class Kind(models.TextChoices):
    COMMITMENTS = "commitments", "Your commitments, when a plan is agreed"
    REMINDERS = "reminders", "Reminders before and after your items are due"
    RALLY = "rally", "When an item is blocked, a call to help"
    DIGEST = "digest", "A weekly digest (facilitators and the leader)"
    # A confirmation of an address: the only mail an unconfirmed address gets; no member's choice.
    CONFIRM = "confirm", "Confirming your address"


# The kinds a member chooses on their "My commitments" page, all on by default.
CHOSEN = (Kind.COMMITMENTS, Kind.REMINDERS, Kind.RALLY, Kind.DIGEST)


class Address(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="mail_address"
    )
    member = models.OneToOneField(Member, null=True, blank=True, on_delete=models.CASCADE, related_name="mail_address")
    email = models.EmailField(max_length=254)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # The pending confirmation: the nonce its token is derived from, and the token's SHA-256.
    confirm_nonce = models.CharField(max_length=64, blank=True, default="")
    confirm_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(user__isnull=False, member__isnull=True) | Q(user__isnull=True, member__isnull=False),
                name="address_of_an_account_or_a_guest",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} ({'confirmed' if self.confirmed_at else 'unconfirmed'})"


class Stop(models.Model):
    """A kind of mail a member does not want (unsubscribed, or unticked on their page)."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["member", "kind"], name="one_stop_per_member_kind")]

    def __str__(self) -> str:
        return f"{self.member_id} stops {self.kind}"


class Mail(Attempted):
    kind = models.CharField(max_length=12, choices=Kind.choices)
    # Whom it is for: a member (the four kinds), or an address being confirmed.
    member = models.ForeignKey(Member, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    address = models.ForeignKey(Address, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    # Why it is sent: "v2" (the plan version agreed), "item12:2026-12-20:before", "item12:seq40",
    # "2026-W50"; for a confirmation, its nonce.
    reason = models.CharField(max_length=100)
    # What the mail says, as it was when its reason was read: a retry sends the same message.
    context = models.JSONField(default=dict)
    message_id = models.CharField(max_length=200, unique=True)
    # The nonce a guest's sign-in link in a commitments mail is derived from, and that link's SHA-256.
    nonce = models.CharField(max_length=64)
    signin_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["member", "kind", "reason"], condition=Q(member__isnull=False), name="one_mail_per_reason"
            ),
            models.UniqueConstraint(
                fields=["address", "reason"], condition=Q(address__isnull=False), name="one_confirmation_per_nonce"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.reason} to {self.member_id or self.address_id}"
