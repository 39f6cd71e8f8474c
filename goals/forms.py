"""Forms of the leader's and the guest's pages (protocol §3 field names)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.core.exceptions import ValidationError

from core import limits
from core.errors import DomainError
from core.validation import integer


class WholeNumberField(forms.IntegerField):
    """Django's IntegerField reading the number as every entry point does (core.validation.integer):
    its own int() takes "٣" (Arabic-Indic three), "5.0" and "1_000"; here only ASCII digits count.
    Its range checks and number input stay as they are."""

    def to_python(self, value: Any) -> int | None:
        if value in self.empty_values:
            return None
        try:
            return integer(str(value), "value", from_text=True)
        except DomainError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class WorkshopForm(forms.Form):
    title = forms.CharField(label="Goal", max_length=limits.TITLE_MAX, help_text="What the team will rally around.")
    why = forms.CharField(
        label="Why it matters", max_length=limits.WHY_MAX, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    success_criteria = forms.CharField(
        label="How success will be measured",
        required=False,
        help_text="One criterion per line, at most 20.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    votes_per_member = WholeNumberField(
        label="Dots per person",
        min_value=limits.VOTES_PER_MEMBER_MIN,
        max_value=limits.VOTES_PER_MEMBER_MAX,
        initial=5,
        required=False,
    )

    def clean_success_criteria(self) -> list[str]:
        """One criterion per line; their number and length are checked by workshop_create."""
        return self.cleaned_data["success_criteria"].splitlines()

    def clean_votes_per_member(self) -> int:
        value = self.cleaned_data.get("votes_per_member")
        return 5 if value is None else value


class JoinForm(forms.Form):
    display_name = forms.CharField(label="Your name", max_length=limits.NAME_MAX)


class SignupForm(UserCreationForm):
    """Django's sign-up plus the optional display name (stored as `first_name`, goals.accounts)."""

    display_name = forms.CharField(
        label="Your name",
        max_length=limits.NAME_MAX,
        required=False,
        help_text="How you appear on boards and in exported plans. Leave it empty to use your username.",
    )
    field_order = ["username", "display_name", "password1", "password2"]

    def __init__(self, *args: Any, default_name: str = "", **kwargs: Any) -> None:
        """`default_name`: a guest's name, which the account keeps when the field is left empty."""
        super().__init__(*args, **kwargs)
        self.default_name = default_name
        if default_name:
            field = self.fields["display_name"]
            field.initial = default_name
            field.help_text = "How you appear on boards and in exported plans. Leave it empty to keep your name."

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # Set before the password is validated (in _post_clean), so that a password too close
        # to the display name is refused as one too close to the username is.
        self.instance.first_name = cleaned.get("display_name") or self.default_name
        return cleaned
