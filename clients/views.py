"""The clients API, the portfolio page, its JSON and its CSV (protocol §8). Thin: the writes are
clients.colleagues', the read clients.portfolio's; refusals are domain errors, answered by
core.http as every /api/ refusal is."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from clients import colleagues
from clients.portfolio import NO_CLIENT, portfolio, portfolio_csv
from core.http import api_login_required, json_object, methods
from core.validation import known_fields
from goals.access import api_members_only
from goals.models import Member, Role


def required_fields(request: HttpRequest, fields: set[str]) -> dict[str, Any]:
    """The request's JSON object with exactly `fields`: an unknown or a missing one is refused, named."""
    body = json_object(request)
    known_fields(body, fields, required=sorted(fields))
    return body


@methods("GET", "POST")
@api_login_required
@never_cache
def clients(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return JsonResponse(
            {"clients": [colleagues.client_json(each) for each in colleagues.shared_clients(request.user)]}
        )
    body = required_fields(request, {"name"})
    client = colleagues.client_create(user=request.user, name=body["name"])
    return JsonResponse(colleagues.client_json(client), status=201)


@methods("POST")
@api_login_required
def client_colleagues(request: HttpRequest, client_id: str) -> HttpResponse:
    body = required_fields(request, {"username"})
    client = colleagues.colleague_add(user=request.user, client_id=client_id, username=body["username"])
    return JsonResponse(colleagues.client_json(client), status=201)


@methods("DELETE")
@api_login_required
def client_colleague(request: HttpRequest, client_id: str, username: str) -> HttpResponse:
    colleagues.colleague_remove(user=request.user, client_id=client_id, username=username)
    return HttpResponse(status=204)


@methods("PUT")
@api_members_only
def workshop_client(request: HttpRequest, workshop_id: str) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    body = required_fields(request, {"client"})
    chosen = colleagues.workshop_client_set(workshop_id=workshop_id, member=member, client_id=body["client"])
    return JsonResponse({"client": chosen})


@methods("GET")
@api_login_required
@never_cache
def portfolio_json(request: HttpRequest) -> HttpResponse:
    return JsonResponse(portfolio(request.user))


@methods("GET")
@login_required
@never_cache
def portfolio_download(request: HttpRequest) -> HttpResponse:
    body = portfolio_csv(portfolio(request.user), request.build_absolute_uri("/").rstrip("/"))
    response = HttpResponse("\ufeff" + body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="portfolio.csv"'
    return response


@methods("GET", "HEAD")
@login_required
@ensure_csrf_cookie
@never_cache
def portfolio_page(request: HttpRequest) -> HttpResponse:
    shared = colleagues.shared_clients(request.user)
    led = set(
        Member.objects.filter(user=request.user, role=Role.LEADER, removed_at__isnull=True).values_list(
            "workshop_id", flat=True
        )
    )
    data = portfolio(request.user)
    for group in data["clients"]:
        for workshop in group["workshops"]:
            workshop["led"] = workshop["id"] in led
            workshop["segments"] = [
                (state, workshop["progress"][state])
                for state in ("done", "on_track", "at_risk", "blocked", "none")
                if workshop["progress"][state]
            ]
    return render(
        request,
        "clients/portfolio.html",
        {
            "groups": data["clients"],
            "clients": [colleagues.client_json(each) for each in shared],
            "no_client": NO_CLIENT,
            "me": request.user.get_username(),
        },
    )
