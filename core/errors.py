"""Domain errors: one class per protocol error code, raised by operations.

Every entry point (websocket, JSON API, Python callers) maps them the same way:
`error.code` is the protocol's code and `http_status` the one HTTP status.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    code: ClassVar[str] = "bad_request"
    status: ClassVar[int] = 400
    default_message: ClassVar[str] = "That request could not be understood."

    def __init__(self, message: str | None = None, **detail: Any) -> None:
        self.message = message or self.default_message
        self.detail = detail
        super().__init__(self.message)

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "detail": self.detail}


class BadRequest(DomainError):
    code = "bad_request"
    status = 400


class Invalid(DomainError):
    """A value out of range; `detail.field` names it."""

    code = "invalid"
    status = 400
    default_message = "That value is not allowed."

    def __init__(self, field: str, message: str | None = None, **detail: Any) -> None:
        super().__init__(message, field=field, **detail)


class Forbidden(DomainError):
    code = "forbidden"
    status = 403
    default_message = "Your role does not allow that."


class WrongPhase(DomainError):
    code = "phase"
    status = 409
    default_message = "That is not possible in this phase."


class NotFound(DomainError):
    code = "not_found"
    status = 404
    default_message = "There is no such thing in this workshop."


class Conflict(DomainError):
    code = "conflict"
    status = 409
    default_message = "Someone else changed this first."


class VoteBudget(DomainError):
    code = "vote_budget"
    status = 409
    default_message = "You have no dots left."


class UnownedItems(DomainError):
    code = "unowned_items"
    status = 409
    default_message = "Every accepted item needs an owner before the plan can be agreed."


class UnestimatedItems(DomainError):
    code = "unestimated_items"
    status = 409
    default_message = "Every accepted item needs an estimate before the plan can be agreed against its capacity."


class OverCapacity(DomainError):
    code = "over_capacity"
    status = 409
    default_message = "The accepted items need more hours than the capacity allows."


class LaneNotEmpty(DomainError):
    code = "lane_not_empty"
    status = 409
    default_message = "Move or delete the items in this lane first."


class LimitReached(DomainError):
    code = "limit"
    status = 409
    default_message = "This workshop is full."


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    default_message = "Too many changes at once; slow down a little."


def error_response(error: DomainError, *, ref: str | None = None) -> Any:
    """The HTTP form of a domain error: the protocol's code, message and detail."""
    from django.http import JsonResponse

    body = error.as_dict()
    if ref is not None:
        body["ref"] = ref
    return JsonResponse(body, status=error.status)
