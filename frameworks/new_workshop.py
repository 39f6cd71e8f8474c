"""Starting a workshop over HTTP: the page that offers the library first, then the goal form with
the template's prompts beside its fields (`/workshops/new/`), and `POST /api/workshops` for
scripts (protocol §8). Thin: frameworks.starting does the work."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from clients.colleagues import shared_clients
from core.errors import BadRequest, DomainError, Invalid
from core.http import api_login_required, json_object, methods
from core.validation import UNSET
from frameworks.starting import chosen_template, workshop_start
from frameworks.templates import template_library, with_minutes
from goals.forms import WorkshopForm
from goals.invites import current_member_invite, invite_url

API_FIELDS = frozenset({"title", "why", "success_criteria", "votes_per_member", "template", "client"})


class StartForm(WorkshopForm):
    """The goal form, with the template chosen on the step before and a client to start it for."""

    template = forms.CharField(required=False, widget=forms.HiddenInput)
    client = forms.TypedChoiceField(label="For a client", required=False, coerce=str, empty_value="")

    def __init__(self, *args: Any, clients: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["client"].choices = [("", "No client"), *((str(c.id), c.name) for c in clients)]
        if not clients:
            del self.fields["client"]

    def clean_votes_per_member(self) -> int | None:
        """Left empty, the template's vote budget (or 5) applies: an explicit one wins."""
        return self.cleaned_data.get("votes_per_member")


@methods("GET", "POST")
@login_required
def workshop_new(request: HttpRequest) -> HttpResponse:
    """The library first (most used first), then the goal form; `?template=<id>` (or the form's
    `template`) starts from that template, whose goal prompts show beside the fields it guides."""
    data = request.POST if request.method == "POST" else None
    template_id = (data or request.GET).get("template") or ""
    template = chosen_template(request.user, template_id)
    clients = shared_clients(request.user)
    form = StartForm(data, clients=clients, initial={"template": template_id, "client": request.GET.get("client", "")})
    if template is not None and data is None:
        form.fields["votes_per_member"].initial = template["votes_per_member"]
    if data is not None and form.is_valid():
        try:
            workshop = workshop_start(user=request.user, **form.cleaned_data)
        except DomainError as error:
            field = (getattr(error, "detail", None) or {}).get("field")
            form.add_error(field if field in form.fields else None, error.message)
        else:
            return redirect("board", workshop.id)
    library = None if template is not None else with_minutes(template_library(request.user))
    return render(request, "frameworks/workshop_new.html", {"form": form, "template": template, "library": library})


@methods("POST")
@api_login_required
def workshops(request: HttpRequest) -> HttpResponse:
    body = json_object(request)
    unknown = sorted(set(body) - API_FIELDS)
    if unknown:
        raise Invalid(unknown[0], f"`{unknown[0]}` is not a field of a new workshop.")
    if "title" not in body:
        raise BadRequest("`title` is required.", field="title")
    workshop = workshop_start(
        user=request.user,
        title=body["title"],
        why=body.get("why", ""),
        success_criteria=body.get("success_criteria", ()),
        votes_per_member=body.get("votes_per_member", UNSET),
        template=body.get("template"),
        client=body.get("client"),
    )
    invite = current_member_invite(workshop)
    response = JsonResponse(
        {
            "id": workshop.id,
            "url": request.build_absolute_uri(reverse("board", args=[workshop.id])),
            "invite_url": invite_url(invite, request) if invite else None,
        },
        status=201,
    )
    response["Location"] = reverse("board", args=[workshop.id])
    return response
