"""The HTTP methods a view answers, said once where the view is defined and readable from outside it.

`methods` is Django's `require_http_methods` (405 with `Allow` for any other method) that also
keeps the list on the view. `functools.wraps`, which every decorator here and in Django uses,
copies it to the decorators outside, so the view a URL resolves to still says what it takes.
That lets a refusal made before any view runs, the CSRF middleware's, answer 405 instead of 403
for a method the URL never takes (workshop.csrf): what is wrong with the request comes first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.views.decorators.http import require_http_methods

V = TypeVar("V", bound=Callable[..., Any])


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
