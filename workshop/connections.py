"""The workshop's connections page: where a facilitator sends the plan's news to chat rooms and
other tools (protocol §9).

The page brings together two apps that know nothing of each other (chat and webhooks), so it lives
here, above both. It is a frame: the lists and every change go through their JSON APIs
(static/js/connections.js), the same ones a script would use, so the page can do nothing the API
does not allow.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from chat.models import Kind, Subject
from core.http import methods
from goals.access import members_only
from goals.models import FACILITATING, Member
from webhooks.events import EVENT_NAMES

# How the page names them; a kind or subject added to chat without a label here shows its value.
KIND_LABELS = {"slack": "Slack", "mattermost": "Mattermost", "teams": "Microsoft Teams", "discord": "Discord"}
SUBJECT_LABELS = {
    "agreed": "The plan is agreed",
    "blocked": "An item turns blocked",
    "checkin": "A check-in is recorded",
    "step": "An agenda step starts",
}


@methods("GET")
@never_cache
@members_only(FACILITATING)
def connections(request: HttpRequest, workshop_id: str) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    context = {
        "workshop": member.workshop,
        "chat_kinds": [(kind, KIND_LABELS.get(kind, kind)) for kind in Kind.values],
        "chat_events": [(subject, SUBJECT_LABELS.get(subject, subject)) for subject in Subject.values],
        "event_names": list(EVENT_NAMES),
    }
    return render(request, "workshop/connections.html", context)
