"""A consultant's clients (protocol §8): who shares each one, and which workshops are its.

The link from a workshop to its client lives here, not on the workshop: `goals`, below this app,
knows nothing of clients.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from goals.models import Workshop


class Client(models.Model):
    name = models.CharField(max_length=80)
    # Every account that shares it, its creator included.
    colleagues = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="clients")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name


class ClientWorkshop(models.Model):
    """A workshop's client: at most one."""

    workshop = models.OneToOneField(Workshop, on_delete=models.CASCADE, related_name="client_link")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="workshop_links")

    def __str__(self) -> str:
        return f"{self.workshop_id} of {self.client_id}"


class Facilitation(models.Model):
    """A membership of a client's workshop that the client gave a colleague (clients.colleagues).

    Kept so that it can be taken back when the colleague leaves the client or the workshop leaves
    it: `role_before` is the role they held before ("" when they were not a member), which they
    get back. A colleague who was already the leader or a facilitator has none.
    """

    workshop = models.ForeignKey(Workshop, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="facilitations")
    role_before = models.CharField(max_length=12, blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workshop", "user"], name="one_facilitation_per_user")]

    def __str__(self) -> str:
        return f"{self.user_id} facilitates {self.workshop_id} for {self.client_id}"
