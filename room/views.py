"""Pages that show a workshop's goal, people and board together, or make all three at once."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.http import methods
from goals.members import memberships
from goals.models import Member, Role
from planning.mine import commitments


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
