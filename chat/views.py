"""The chat rooms API (protocol §9): thin; the work is chat.rooms', refusals are domain errors
answered by core.http as every /api/ refusal is."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache

from chat import rooms
from core.http import json_object, methods
from goals.access import api_facilitators_only
from goals.models import Member


@methods("GET", "POST")
@api_facilitators_only
@never_cache
def chat_rooms(request: HttpRequest, workshop_id: str) -> HttpResponse:
    if request.method == "GET":
        return JsonResponse({"chat": [rooms.room_json(room) for room in rooms.rooms_of(workshop_id)]})
    member: Member = request.member  # type: ignore[attr-defined]
    room = rooms.room_create(member=member, body=json_object(request))
    response = JsonResponse(rooms.room_json(room), status=201)
    response["Location"] = reverse("chat_room", args=[workshop_id, room.id])
    return response


@methods("DELETE")
@api_facilitators_only
def chat_room(request: HttpRequest, workshop_id: str, room_id: str) -> HttpResponse:
    rooms.room_delete(workshop_id=workshop_id, room_id=room_id)
    return HttpResponse(status=204)


@methods("POST")
@api_facilitators_only
def chat_room_test(request: HttpRequest, workshop_id: str, room_id: str) -> HttpResponse:
    post = rooms.room_test(workshop_id=workshop_id, room_id=room_id)
    return JsonResponse({"id": post.id, "status": post.status}, status=202)


@methods("GET")
@api_facilitators_only
@never_cache
def chat_room_posts(request: HttpRequest, workshop_id: str, room_id: str) -> HttpResponse:
    listed = rooms.post_list(workshop_id=workshop_id, room_id=room_id)
    return JsonResponse({"posts": [rooms.post_json(post) for post in listed]})
