"""The answer to a request refused by Django's CSRF check (CSRF_FAILURE_VIEW).

The check runs in the middleware, before the view and its method check: without this view, a
method the URL never takes answered 403 when it came without a token, and 405 with one. Here the
405 comes first, whatever the token (core.http). Otherwise the JSON API answers its own refusal
object (`forbidden`, 403, the reason in `detail.csrf`), and pages answer the "form expired" page.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.views.csrf import csrf_failure as page

from core.errors import Forbidden, error_response
from core.http import allowed_methods, is_api


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    match = request.resolver_match
    allowed = allowed_methods(match.func) if match is not None else None
    if allowed is not None and request.method not in allowed:
        return HttpResponseNotAllowed(sorted(allowed))
    if is_api(request):
        message = "This request needs the CSRF token: send the csrftoken cookie's value in the X-CSRFToken header."
        return error_response(Forbidden(message, csrf=reason))
    return page(request, reason=reason)
