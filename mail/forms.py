"""The mail fields of the sign-up and account settings forms."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.models import AbstractBaseUser

from goals.forms import SignupForm
from mail.addresses import address_set

EMAIL_HELP = "Optional. We send a link to confirm it; nothing else goes there until you do."


class EmailSignupForm(SignupForm):
    """goals' sign-up with protocol §3's optional `email`: saved unconfirmed, with a confirmation mail."""

    email = forms.EmailField(label="Email", max_length=254, required=False, help_text=EMAIL_HELP)
    field_order = ["username", "display_name", "email", "password1", "password2"]

    def save(self, commit: bool = True) -> Any:
        user = super().save(commit=commit)
        if commit and self.cleaned_data.get("email"):
            address_set(user=user, email=self.cleaned_data["email"])
        return user


class AddressForm(forms.Form):
    email = forms.EmailField(label="Email", max_length=254, required=False, help_text=EMAIL_HELP)

    def apply(self, user: AbstractBaseUser) -> None:
        address_set(user=user, email=self.cleaned_data["email"])
