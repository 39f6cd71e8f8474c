"""The storyboard page and the state API."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import ensure_csrf_cookie

from core.http import methods
from goals.access import api_members_only, members_only
from goals.invites import current_member_invite, invite_url
from goals.models import FACILITATING, PARTICIPATING, Member
from planning.duplicates import duplicates_seen_by
from planning.snapshot import build_snapshot


@methods("GET")
@ensure_csrf_cookie
@members_only()
def board(request: HttpRequest, workshop_id: str) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    snapshot = build_snapshot(workshop_id, member.id)
    invite_link = ""
    if member.role in FACILITATING:
        invite = current_member_invite(member.workshop)
        invite_link = invite_url(invite, request) if invite else ""
    names = {entry["id"]: entry["name"] for entry in snapshot["members"]}
    lanes = [
        {
            **lane,
            "items": [
                # A face-down card (protocol §10) has no owners to name, only its author.
                {
                    **item,
                    "owner_names": [names.get(owner, "?") for owner in item.get("owners", [])],
                    "author_name": names.get(item["author"], "someone who left"),
                }
                for item in snapshot["items"]
                if item["lane"] == lane["id"]
            ],
        }
        for lane in snapshot["lanes"]
    ]
    return render(
        request,
        "planning/board.html",
        {
            "snapshot": snapshot,
            "lanes": lanes,
            "member": member,
            "invite_url": invite_link,
            "criteria": snapshot["workshop"]["success_criteria"],
        },
    )


@methods("GET")
@never_cache
@api_members_only
def state(request: HttpRequest, workshop_id: str) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    return JsonResponse(build_snapshot(workshop_id, member.id), json_dumps_params={"ensure_ascii": False})


@methods("GET")
@never_cache
@members_only(PARTICIPATING, api=True)
def duplicates(request: HttpRequest, workshop_id: str) -> HttpResponse:
    """Likely duplicates among the cards the member could stack (planning.duplicates); observers,
    who stack nothing, are refused as `item.stack` refuses them."""
    member: Member = request.member  # type: ignore[attr-defined]
    return JsonResponse({"duplicates": duplicates_seen_by(member)})
