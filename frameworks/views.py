"""Templates over HTTP: the JSON API of protocol §8 and the library's pages. Thin: the work is in
frameworks.templates; refusals are raised and answered by core.http."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse

from clients.models import Client
from core.errors import BadRequest, Forbidden
from core.http import api_login_required, json_body, methods
from core.validation import known_fields
from frameworks.templates import (
    as_json,
    find_template,
    template_create,
    template_delete,
    template_from_workshop,
    template_json,
    template_library,
    template_replace,
    with_minutes,
)
from frameworks.validation import (
    DESCRIPTION_MAX,
    LANE_TITLE_MAX,
    LANES_MAX,
    NAME_MAX,
    PROMPT_CRITERIA_MAX,
    PROMPT_CRITERION_MAX,
    PROMPT_WHY_MAX,
)
from goals.access import api_facilitators_only
from goals.models import Member


def _created(template: Any) -> JsonResponse:
    response = JsonResponse(template_json(template), status=201)
    response["Location"] = reverse("template", args=[template.id])
    return response


@methods("GET", "POST")
@api_login_required
def templates(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return JsonResponse({"templates": template_library(request.user)})
    return _created(template_create(user=request.user, body=json_body(request)))


@methods("GET", "PUT", "DELETE")
@api_login_required
def template(request: HttpRequest, tid: str) -> HttpResponse:
    found = find_template(request.user, tid)
    if request.method == "GET":
        return JsonResponse(as_json(found))
    if request.method == "PUT":
        return JsonResponse(template_json(template_replace(user=request.user, template=found, body=json_body(request))))
    template_delete(template=found)
    return HttpResponse(status=204)


@methods("POST")
@api_facilitators_only
def workshop_template(request: HttpRequest, workshop_id: str) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    if not request.user.is_authenticated:
        raise Forbidden("Templates belong to accounts: log in or create one to keep this workshop's way of working.")
    body = json_body(request)
    if not isinstance(body, dict):
        raise BadRequest("The body must be a JSON object.")
    known_fields(body, {"name", "description"})
    created = template_from_workshop(
        user=request.user, workshop=member.workshop, name=body.get("name"), description=body.get("description", "")
    )
    return _created(created)


# --- pages --------------------------------------------------------------------------------------

LIMITS = {
    "name": NAME_MAX,
    "description": DESCRIPTION_MAX,
    "lanes": LANES_MAX,
    "lane": LANE_TITLE_MAX,
    "why": PROMPT_WHY_MAX,
    "criteria": PROMPT_CRITERIA_MAX,
    "criterion": PROMPT_CRITERION_MAX,
}


@methods("GET", "HEAD")
@login_required
def library(request: HttpRequest) -> HttpResponse:
    listed = with_minutes(template_library(request.user))
    clients = dict(Client.objects.filter(colleagues=request.user).values_list("id", "name"))
    for entry in listed:
        entry["client_name"] = clients.get(entry["client"], "")
    return render(request, "frameworks/library.html", {"templates": listed})


@methods("GET", "HEAD")
@login_required
def editor(request: HttpRequest, tid: str | None = None) -> HttpResponse:
    if tid is None:
        current = None
    else:
        found = find_template(request.user, tid)
        if isinstance(found, dict):
            raise Forbidden("A built-in template cannot be changed: copy it, then edit the copy.")
        current = template_json(found)
    clients = list(Client.objects.filter(colleagues=request.user).values("id", "name"))
    return render(
        request,
        "frameworks/editor.html",
        {"template": current, "clients": clients, "limits": LIMITS, "phases": ["gather", "vote", "plan", "agreed"]},
    )
