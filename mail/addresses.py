"""Whose mail goes where: setting, confirming and removing an address, and the kinds a member wants.

An account's address serves every membership of the account; a guest's belongs to one membership.
Setting an address (or changing it) leaves it unconfirmed and makes one confirmation mail; until
the link in it is followed and its button pressed, no other mail goes there (`confirmed_for`
only ever answers confirmed addresses). These are account writes outside the board's change path,
like a return link's (docs/architecture.md): nothing on the board changes.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q

from core import clock
from core.errors import Invalid
from goals.models import Member
from mail import tokens
from mail.models import CHOSEN, Address, Kind, Stop


def clean_email(value: object) -> str:
    email = value.strip() if isinstance(value, str) else ""
    try:
        validate_email(email)
    except ValidationError:
        raise Invalid("email", "Enter a valid email address.") from None
    if len(email) > 254:
        raise Invalid("email", "An email address is at most 254 characters.")
    return email


def address_of(*, user: AbstractBaseUser | None = None, member: Member | None = None) -> Address | None:
    if user is not None:
        return Address.objects.filter(user=user).first()
    return Address.objects.filter(member=member).first()


def address_set(*, email: str, user: AbstractBaseUser | None = None, member: Member | None = None) -> Address:
    """Set the account's (`user`) or guest's (`member`) address; a new or changed one needs confirming.

    Setting the address it already has changes nothing (a confirmed one stays confirmed; an
    unconfirmed one is not mailed again: that is `confirmation_resend`)."""
    from mail.sending import make_mail

    email = clean_email(email)
    owner = {"user": user} if user is not None else {"member": member}
    with transaction.atomic():
        address = Address.objects.select_for_update().filter(**owner).first()
        if address is not None and address.email == email:
            return address
        if address is None:
            address = Address(**owner)
        address.email = email
        address.confirmed_at = None
        _new_confirmation(address)
        address.save()
        make_mail(kind=Kind.CONFIRM, address=address, reason=address.confirm_nonce, context={"to": email})
    return address


def confirmation_resend(address: Address) -> None:
    """A new confirmation link for an unconfirmed address (the old one stops working)."""
    from mail.sending import make_mail

    with transaction.atomic():
        address = Address.objects.select_for_update().get(pk=address.pk)
        if address.confirmed_at is not None:
            return
        _new_confirmation(address)
        address.save(update_fields=["confirm_nonce", "confirm_hash"])
        make_mail(kind=Kind.CONFIRM, address=address, reason=address.confirm_nonce, context={"to": address.email})


def _new_confirmation(address: Address) -> None:
    address.confirm_nonce = tokens.new_nonce()
    address.confirm_hash = tokens.digest(tokens.derive(tokens.CONFIRM, address.confirm_nonce))


def address_remove(*, user: AbstractBaseUser | None = None, member: Member | None = None) -> None:
    owner = {"user": user} if user is not None else {"member": member}
    Address.objects.filter(**owner).delete()


def find_confirmation(token: object) -> Address | None:
    if not tokens.plausible(token):
        return None
    return Address.objects.filter(confirm_hash=tokens.digest(str(token))).first()


def address_confirm(token: object) -> Address | None:
    """Confirm the address this token was sent to; None for an unknown or used token."""
    if not tokens.plausible(token):
        return None
    with transaction.atomic():
        address = Address.objects.select_for_update().filter(confirm_hash=tokens.digest(str(token))).first()
        if address is None:
            return None
        address.confirmed_at = clock.now()
        address.confirm_hash = None
        address.confirm_nonce = ""
        address.save(update_fields=["confirmed_at", "confirm_hash", "confirm_nonce"])
    return address


def confirmed_for(members: Iterable[Member]) -> dict[int, str]:
    """The confirmed address of each of these members that has one: their account's, else their own."""
    members = list(members)
    users = {member.user_id for member in members if member.user_id is not None}
    rows = Address.objects.filter(confirmed_at__isnull=False).filter(
        Q(user_id__in=users) | Q(member_id__in=[member.id for member in members])
    )
    by_user: dict[int, str] = {}
    by_member: dict[int, str] = {}
    for address in rows:
        if address.user_id is not None:
            by_user[address.user_id] = address.email
        else:
            by_member[address.member_id] = address.email
    found: dict[int, str] = {}
    for member in members:
        email = by_user.get(member.user_id) or by_member.get(member.id)
        if email:
            found[member.id] = email
    return found


def stopped(member_ids: Iterable[int]) -> set[tuple[int, str]]:
    return set(Stop.objects.filter(member_id__in=list(member_ids)).values_list("member_id", "kind"))


def wanted(kind: str, members: Iterable[Member]) -> dict[int, str]:
    """The members who get this kind now: a confirmed address and the kind not stopped."""
    addresses = confirmed_for(members)
    off = {member_id for member_id, stopped_kind in stopped(addresses) if stopped_kind == kind}
    return {member_id: email for member_id, email in addresses.items() if member_id not in off}


def preferences(member: Member) -> dict[str, bool]:
    off = set(Stop.objects.filter(member=member).values_list("kind", flat=True))
    return {kind: kind not in off for kind in CHOSEN}


def preferences_set(member: Member, chosen: Iterable[str]) -> None:
    chosen = set(chosen)
    with transaction.atomic():
        for kind in CHOSEN:
            if kind in chosen:
                Stop.objects.filter(member=member, kind=kind).delete()
            else:
                Stop.objects.get_or_create(member=member, kind=kind)


def kind_stop(member_id: int, kind: str) -> None:
    Stop.objects.get_or_create(member_id=member_id, kind=kind)
