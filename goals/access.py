"""Who may see a workshop over HTTP.

Non-members get 404 for every workshop URL, so that a workshop's existence is
not leaked; members whose role does not allow the request get 403. People who
were removed know the workshop exists: its pages tell them they were removed
(410), while the JSON API keeps answering them as any non-member (404).

The refusal pages are rendered here rather than raised (Http404,
PermissionDenied): with DEBUG on, Django answers Http404 with its technical
page, and it logs PermissionDenied with a traceback, while an outsider opening
a board link is the product's normal use, not a developer's mistake.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.errors import Forbidden, NotFound
from goals.members import membership, removed_membership
from goals.models import FACILITATING, Member


def members_only(
    roles: frozenset[str] | None = None, *, api: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Resolve `request.member` for `workshop_id`; outsider_page for outsiders, 403 for other roles.

    With `api`, the refusal is the protocol's JSON error instead of a page.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, workshop_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
            member = membership(workshop_id, user=request.user, session=request.session)
            if member is None:
                if api:
                    raise NotFound("There is no such workshop.")
                return outsider_page(request, workshop_id)
            if roles is not None and member.role not in roles:
                if api:
                    raise Forbidden()
                return forbidden_page(request)
            request.member = member  # type: ignore[attr-defined]
            return view(request, workshop_id, *args, **kwargs)

        return wrapped

    return decorate


def outsider_page(request: HttpRequest, workshop_id: str) -> HttpResponse:
    """What a visitor who is not a member of the workshop sees instead of its page."""
    removed = removed_membership(workshop_id, user=request.user, session=request.session)
    if removed is not None:
        return removed_page(request, removed)
    return render(request, "404.html", status=404)


def forbidden_page(request: HttpRequest, message: str = "") -> HttpResponse:
    """403 as a page, not PermissionDenied: Django logs that with a traceback, and a member
    following a link their role does not open is normal use, not a fault."""
    return render(request, "403.html", {"exception": message}, status=403)


def removed_page(request: HttpRequest, removed: Member) -> HttpResponse:
    """410: the workshop is still there, but no longer for this person, whatever link they follow."""
    return render(request, "goals/removed.html", {"workshop": removed.workshop}, status=410)


facilitators_only = members_only(FACILITATING)
api_members_only = members_only(api=True)
api_facilitators_only = members_only(FACILITATING, api=True)
