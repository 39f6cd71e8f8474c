"""The mail card on "My commitments" (planning.mine.add_panel): where mail goes, and which kinds."""

from __future__ import annotations

from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from goals.models import FACILITATING, Member, Role
from mail.addresses import address_of, preferences
from mail.models import Kind

# The kinds each role can get: observers get none (they own nothing and are not called to help).
KINDS_OF = {
    Role.LEADER: (Kind.COMMITMENTS, Kind.REMINDERS, Kind.RALLY, Kind.DIGEST),
    Role.FACILITATOR: (Kind.COMMITMENTS, Kind.REMINDERS, Kind.RALLY, Kind.DIGEST),
    Role.MEMBER: (Kind.COMMITMENTS, Kind.REMINDERS, Kind.RALLY),
    Role.OBSERVER: (),
}


def mail_panel(request: HttpRequest, member: Member) -> SafeString | None:
    account = member.user_id is not None
    address = address_of(user=member.user) if account else address_of(member=member)
    chosen = preferences(member)
    kinds = [(kind, Kind(kind).label, chosen[kind]) for kind in KINDS_OF[Role(member.role)]]
    context = {
        "member": member,
        "address": address,
        "account": account,
        "own_account": account and request.user.is_authenticated and request.user.pk == member.user_id,
        "kinds": kinds,
        "facilitating": member.role in FACILITATING,
    }
    return mark_safe(render_to_string("mail/panel.html", context, request=request))  # noqa: S308 (a template's output)
