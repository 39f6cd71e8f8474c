"""Who may see a workshop over HTTP.

Non-members get 404 for every workshop URL, so that a workshop's existence is
not leaked; members whose role does not allow the request get 403.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from goals.members import membership
from planning.changes import FACILITATING
from planning.errors import Forbidden, NotFound, error_response


def members_only(
    roles: frozenset[str] | None = None, *, api: bool = False
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Resolve `request.member` for `workshop_id`; 404 for outsiders, 403 for other roles.

    With `api`, the refusal is the contract's JSON error instead of a page.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, workshop_id: str, *args: Any, **kwargs: Any) -> HttpResponse:
            member = membership(workshop_id, user=request.user, session=request.session)
            if member is None:
                if api:
                    return error_response(NotFound("There is no such workshop."))
                raise Http404("No such workshop.")
            if roles is not None and member.role not in roles:
                if api:
                    return error_response(Forbidden())
                raise PermissionDenied("Your role does not allow this.")
            request.member = member  # type: ignore[attr-defined]
            return view(request, workshop_id, *args, **kwargs)

        return wrapped

    return decorate


facilitators_only = members_only(FACILITATING)
api_members_only = members_only(api=True)
api_facilitators_only = members_only(FACILITATING, api=True)
