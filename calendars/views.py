"""The calendar feed over HTTP: the JSON API, the feed itself, and the My commitments panel's form.

- `POST /api/w/<id>/me/calendar` (any member) → 201 `{"url"}`, a new secret feed URL replacing
  the old one; `DELETE` → 204, revoked (also when there is none).
- `GET /calendar/<token>.ics` (anyone holding the URL; calendar apps have no session) → the feed,
  `text/calendar`; 404 for an unknown or revoked token and for a removed member's feed.
- `POST /w/<id>/mine/calendar/` (members) → 303 back to `/w/<id>/mine/`: the panel's buttons.
"""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.views.decorators.cache import never_cache

from calendars.feeds import feed_create, feed_revoke, feed_url, find_feed_member
from calendars.ics import member_calendar
from calendars.panel import remember_new_feed
from core.http import methods
from goals.access import api_members_only, members_only
from goals.models import Member


@methods("POST", "DELETE")
@api_members_only
@never_cache
def my_calendar(request: HttpRequest, workshop_id: str) -> HttpResponse:
    """The member's calendar feed (calendars.feeds): make a new one (201), or revoke it (204)."""
    member: Member = request.member  # type: ignore[attr-defined]
    if request.method == "DELETE":
        feed_revoke(member=member)
        return HttpResponse(status=204)
    token = feed_create(member=member)
    return JsonResponse({"url": feed_url(token)}, status=201)


@methods("GET", "HEAD")
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """The feed a calendar app subscribes to. No session: the URL is the secret.

    The ETag is the body's digest, so an app polling every hour gets 304 when nothing changed.
    """
    member = find_feed_member(token)
    if member is None:
        response = HttpResponse("No such calendar feed.\n", status=404, content_type="text/plain; charset=utf-8")
        response["Cache-Control"] = "private, no-store"
        return response
    body = member_calendar(member)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    conditional = get_conditional_response(request, etag=etag)
    response = conditional or HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["ETag"] = etag
    # The URL is a secret: a shared cache must not keep it; the member's own client may, briefly.
    response["Cache-Control"] = "private, max-age=0, must-revalidate"
    response["X-Robots-Tag"] = "noindex, nofollow"
    if conditional is None:
        response["Content-Disposition"] = f'inline; filename="rallypoint-{member.workshop_id}.ics"'
    return response


@methods("POST")
@never_cache
@members_only()
def mine_calendar(request: HttpRequest, workshop_id: str) -> HttpResponse:
    """The My commitments panel's buttons: `action` `create` makes (or replaces) the feed, and the
    page shows its URL once; `revoke` turns it off. Both answer 303 back to the page."""
    member: Member = request.member  # type: ignore[attr-defined]
    if request.POST.get("action") == "revoke":
        feed_revoke(member=member)
        messages.info(request, "Your calendar feed is turned off: calendars subscribed to it get nothing more.")
    else:
        remember_new_feed(request, member, feed_url(feed_create(member=member)))
    response = redirect(reverse("mine", args=[workshop_id]) + "#calendar")
    response.status_code = 303
    return response
