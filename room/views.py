"""Pages that show a workshop's goal, people and board together, or make all three at once."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from core.errors import Invalid
from core.http import methods
from goals.forms import WorkshopForm
from goals.members import memberships
from goals.models import Member, Role
from planning.mine import commitments
from room.workshops import workshop_create


@methods("GET", "POST")
@login_required
def workshop_new(request: HttpRequest) -> HttpResponse:
    form = WorkshopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            workshop = workshop_create(user=request.user, **form.cleaned_data)
        except Invalid as error:
            form.add_error(error.detail["field"] if error.detail["field"] in form.fields else None, error.message)
        else:
            return redirect("board", workshop.id)
    return render(request, "goals/workshop_new.html", {"form": form})


@methods("GET", "HEAD")
def home(request: HttpRequest) -> HttpResponse:
    led: list[Member] = []
    joined: list[Member] = []
    mine = memberships(user=request.user, session=request.session).present().select_related("workshop")
    present = list(mine.order_by("-workshop__created_at"))
    for member in present:
        (led if member.role == Role.LEADER else joined).append(member)
    return render(
        request,
        "room/home.html",
        {"led": led, "joined": joined, "commitments": commitments(present, with_helpers=False)},
    )
