"""The calendar panel of My commitments (`/w/<id>/mine/`, planning.mine.add_panel).

"Add your due dates to your calendar": a button makes the feed (POST `/w/<id>/mine/calendar/`,
calendars.views.mine_calendar), which redirects back (303) to the page, and the page then shows
the new URL once, with a Copy button (the page's own script, static/js/mine.js) and a
`webcal://` link that phones and desktop calendar apps open as a subscription. "Turn off"
revokes it.

Between the POST and the page, the new URL waits in the session, sealed (outbound.secrets, a key
derived from SECRET_KEY): a copy of the session table does not give it away, and it is dropped
from the session when the page shows it.
"""

from __future__ import annotations

from cryptography.fernet import InvalidToken
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from calendars.feeds import has_feed, webcal_url
from goals.models import Member, Role
from outbound.secrets import seal, unseal

# The session key of the feed URLs made and not shown yet: {workshop id: sealed URL}.
NEW_FEEDS = "calendars_new_feed"


def remember_new_feed(request: HttpRequest, member: Member, url: str) -> None:
    waiting = dict(request.session.get(NEW_FEEDS) or {})
    waiting[member.workshop_id] = seal(url)
    request.session[NEW_FEEDS] = waiting


def _take_new_feed(request: HttpRequest, member: Member) -> str:
    """The URL made for this workshop by the POST before, once; "" when there is none."""
    waiting = dict(request.session.get(NEW_FEEDS) or {})
    sealed = waiting.pop(member.workshop_id, None)
    if sealed is None:
        return ""
    if waiting:
        request.session[NEW_FEEDS] = waiting
    else:
        del request.session[NEW_FEEDS]
    try:
        return unseal(sealed) if isinstance(sealed, str) else ""
    except InvalidToken:
        return ""  # sealed under a SECRET_KEY since retired


def calendar_panel(request: HttpRequest, member: Member) -> SafeString | None:
    """The panel's HTML; observers, who own nothing, see it only to turn off a feed they have."""
    new_url = _take_new_feed(request, member)
    exists = bool(new_url) or has_feed(member)
    if member.role == Role.OBSERVER and not exists:
        return None
    context = {
        "workshop": member.workshop,
        "new_url": new_url,
        "webcal_url": webcal_url(new_url) if new_url else "",
        "has_feed": exists,
    }
    return render_to_string("calendars/panel.html", context, request=request)
