"""The webhooks API (protocol §9): facilitators and the leader only. Thin: the work is
webhooks.endpoints'; refusals are domain errors, answered by core.http as every /api/ refusal is."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache

from core.http import json_object, methods
from goals.access import api_facilitators_only
from goals.models import Member
from webhooks import endpoints


@methods("GET", "POST")
@api_facilitators_only
@never_cache
def webhooks(request: HttpRequest, workshop_id: str) -> HttpResponse:
    if request.method == "GET":
        listed = endpoints.endpoint_list(workshop_id=workshop_id)
        return JsonResponse({"webhooks": [endpoints.endpoint_json(endpoint) for endpoint in listed]})
    member: Member = request.member  # type: ignore[attr-defined]
    endpoint, secret = endpoints.endpoint_create(member=member, fields=json_object(request))
    return JsonResponse({**endpoints.endpoint_json(endpoint), "secret": secret}, status=201)


@methods("DELETE")
@api_facilitators_only
def webhook(request: HttpRequest, workshop_id: str, hid: str) -> HttpResponse:
    endpoints.endpoint_delete(endpoint=endpoints.endpoint_find(workshop_id=workshop_id, endpoint_id=hid))
    return HttpResponse(status=204)


@methods("POST")
@api_facilitators_only
def webhook_test(request: HttpRequest, workshop_id: str, hid: str) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    endpoint = endpoints.endpoint_find(workshop_id=workshop_id, endpoint_id=hid)
    delivery = endpoints.ping(endpoint=endpoint, member=member)
    return JsonResponse(endpoints.delivery_json(delivery), status=202)


@methods("GET")
@api_facilitators_only
@never_cache
def webhook_deliveries(request: HttpRequest, workshop_id: str, hid: str) -> HttpResponse:
    endpoint = endpoints.endpoint_find(workshop_id=workshop_id, endpoint_id=hid)
    listed = endpoints.delivery_list(endpoint=endpoint)
    return JsonResponse({"deliveries": [endpoints.delivery_json(delivery) for delivery in listed]})


@methods("POST")
@api_facilitators_only
def webhook_retry(request: HttpRequest, workshop_id: str, hid: str, did: str) -> HttpResponse:
    endpoint = endpoints.endpoint_find(workshop_id=workshop_id, endpoint_id=hid)
    delivery = endpoints.delivery_retry(endpoint=endpoint, message_id=did)
    return JsonResponse(endpoints.delivery_json(delivery), status=202)
