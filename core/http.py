"""How a view's refusals reach an HTTP client, said once for every view.

A domain error raised by a view becomes its answer here (`DomainErrorMiddleware`): the JSON API
answers with the same error object the websocket sends (`core.errors.error_response`), a page
with the page for its status. Views raise; only views that show the message inside their own
form catch.

`methods` is Django's `require_http_methods` (405 with `Allow` for any other method) that also
keeps the list on the view. `functools.wraps`, which every decorator here and in Django uses,
copies it to the decorators outside, so the view a URL resolves to still says what it takes.
That lets a refusal made before any view runs, the CSRF middleware's, answer 405 instead of 403
for a method the URL never takes (workshop.csrf): what is wrong with the request comes first.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from core.errors import BadRequest, DomainError, Forbidden, error_response

API_PREFIX = "/api/"
PATH_ID = re.compile(r"[0-9]{1,18}")
PAGES = {403: "403.html", 404: "404.html"}

V = TypeVar("V", bound=Callable[..., Any])


def is_api(request: HttpRequest) -> bool:
    """Whether the request is for the JSON API (by its path within the app, whatever the prefix
    the app is served under)."""
    return request.path_info.startswith(API_PREFIX)


class DomainErrorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        if is_api(request):
            return error_response(exception)
        template = PAGES.get(exception.status, "403.html")
        return render(request, template, {"exception": exception.message}, status=exception.status)


def methods(*allowed: str) -> Callable[[V], V]:
    def decorate(view: V) -> V:
        checked = require_http_methods(list(allowed))(view)
        checked.allowed_methods = frozenset(allowed)  # type: ignore[attr-defined]
        return checked  # type: ignore[no-any-return]

    return decorate


def allowed_methods(view: Callable[..., Any]) -> frozenset[str] | None:
    """The methods a resolved view answers: those of `methods`, or a class-based view's handlers
    (as its own 405 lists them); None for a view that does not say, which takes any."""
    view_class = getattr(view, "view_class", None)
    if view_class is not None:
        handlers = {name for name in view_class.http_method_names if hasattr(view_class, name)}
        if "get" in handlers and "head" in view_class.http_method_names:
            handlers.add("head")  # View.setup answers HEAD with `get`
        return frozenset(name.upper() for name in handlers)
    return getattr(view, "allowed_methods", None)


def json_body(request: HttpRequest) -> Any:
    """The request's JSON (an empty body is `{}`); anything else is `bad_request`, nesting past the
    parser's limit too (json.loads raises RecursionError for it, not ValueError)."""
    try:
        return json.loads(request.body or b"{}")
    except (ValueError, RecursionError):
        raise BadRequest("The body must be JSON.") from None


def path_id(value: str) -> int | None:
    """A row's id from a URL's path: ASCII digits only, as validation.TYPED_INTEGER reads numbers
    (int() also takes "٣", "+3", " 3" and "3_0"; str.isdigit() takes "²", which int() refuses);
    None for anything else, which names no row."""
    if not isinstance(value, str) or not PATH_ID.fullmatch(value):
        return None
    return int(value)


def json_object(request: HttpRequest) -> dict[str, Any]:
    body = json_body(request)
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    return body


def api_login_required(view: V) -> V:
    """The JSON API's answer to nobody logged in: 403 `forbidden` as its JSON, never the login page
    (a script has no use for it)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            raise Forbidden("Log in first.")
        return view(request, *args, **kwargs)

    return wrapped  # type: ignore[return-value]
