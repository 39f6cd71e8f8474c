"""What Rallypoint keeps about an account beyond Django's user: the name people see.

The display name (protocol §3, `display_name` at sign-up) is stored in Django's own
`User.first_name`, so that no table of our own or migration is needed; Rallypoint never uses
that field for anything else. Accounts made before it existed, or that left it blank, are
shown by their username.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from core import limits


def display_name(user: AbstractBaseUser) -> str:
    """The name a leader's boards and exports show, and the join form offers."""
    chosen = (getattr(user, "first_name", "") or "").strip()
    return (chosen or user.get_username())[: limits.NAME_MAX]
