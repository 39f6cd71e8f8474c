"""What Rallypoint keeps about an account beyond Django's user: the name people see, and the guest
memberships an account made in the same browser takes over.

The display name (protocol §3, `display_name` at sign-up) is stored in Django's own
`User.first_name`, so that no table of our own or migration is needed; Rallypoint never uses
that field for anything else. Accounts made before it existed, or that left it blank, are
shown by their username.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from core import limits
from goals.members import memberships, through_link
from goals.models import Member


def display_name(user: AbstractBaseUser) -> str:
    """The name a leader's boards and exports show, and the join form offers."""
    chosen = (getattr(user, "first_name", "") or "").strip()
    return (chosen or user.get_username())[: limits.NAME_MAX]


# --- a guest becomes an account -------------------------------------------------------------------
#
# A guest's memberships live in their browser's session (goals.members). Signing up in that browser
# turns them into the new account's: each Member row gets `user` and loses its guest key, and
# everything that points at the member (items, claims, dots, progress, help, the log's actor)
# stays theirs, with the same member id. Nothing on the board changes (a member's `user` is in no
# payload), so this is an account write outside the change path (docs/architecture.md), like a
# return link's.


def guest_memberships(session: SessionBase | None) -> list[Member]:
    """The present guest memberships this browser holds, one per workshop, newest first: through its
    guest key, or a return link it followed (the one `goals.members.membership` would choose)."""
    found = memberships(user=None, session=session).present().filter(user__isnull=True).select_related("workshop")
    chosen: dict[str, Member] = {}
    for member in sorted(found, key=lambda member: through_link(member, user=None, session=session)):
        chosen.setdefault(member.workshop_id, member)
    return sorted(chosen.values(), key=lambda member: (member.joined_at, member.id), reverse=True)


def guest_name(session: SessionBase | None) -> str:
    """The name this guest was shown by last: the newest of their memberships', or ""."""
    held = guest_memberships(session)
    return held[0].name if held else ""


def memberships_adopt(*, user: AbstractBaseUser, session: SessionBase | None) -> list[Member]:
    """Make this browser's guest memberships the account's; the ones adopted.

    Call it in the transaction that creates the account. A workshop the account is already in
    keeps both members as they are (never two memberships for one account).
    """
    adopted = []
    with transaction.atomic():
        held = {member.pk: member for member in guest_memberships(session)}
        rows = Member.objects.select_for_update().filter(pk__in=list(held), user__isnull=True, removed_at__isnull=True)
        already = set(Member.objects.filter(user=user).values_list("workshop_id", flat=True))
        for member in rows:
            if member.workshop_id in already:
                continue
            Member.objects.filter(pk=member.pk).update(user=user, guest_key=None)
            already.add(member.workshop_id)
            adopted.append(held[member.pk])
    for member in adopted:
        member.user, member.guest_key = user, None  # type: ignore[assignment]
    return adopted
