"""Where a domain error raised by an HTTP view becomes its answer, for every view at once.

The websocket consumer answers a refused op with an `error` frame; over HTTP the JSON API answers
with the same error object (`core.errors.error_response`), and a page with the page for its status.
Views raise, and only views that show the message inside their own form catch.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.errors import DomainError, error_response

API_PREFIX = "/api/"
PAGES = {403: "403.html", 404: "404.html"}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


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
