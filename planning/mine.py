"""My commitments: a member's own part of the agreed plan, and reporting on it from a phone (the
home page lists them across workshops: room.views.home).

`GET /w/<id>/mine/` lists the accepted items the member owns, once a plan has been agreed (a
reopened plan still lists them, without the progress buttons: progress is for `agreed` only).
Reporting posts back to the same URL and goes through `planning.progress.item_progress`, the
same op a socket's `item.progress` frame runs; a refusal is said on the page, a success
redirects back (303), so reloading never reports twice.

Observers get the page too, with nothing to report on: they own nothing, and the page is also
where anyone makes their personal return link (goals.return_links).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import segno
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.safestring import SafeString
from django.views.decorators.cache import never_cache

from core import limits
from core.errors import DomainError, Forbidden
from core.http import methods
from core.validation import integer
from goals.access import members_only
from goals.invites import QR_QUIET_ZONE
from goals.members import through_link
from goals.models import Member, Phase, Workshop
from goals.return_links import link_create, link_revoke, link_url
from planning.models import HelpOffer, Item, ItemStatus, Ownership, ProgressState
from planning.progress import item_progress

STATE_LABELS = {
    ProgressState.ON_TRACK: "On track",
    ProgressState.AT_RISK: "At risk",
    ProgressState.BLOCKED: "Blocked",
    ProgressState.DONE: "Done",
}
# What a refused report says to the person, by error code and field; the op's message otherwise.
REFUSALS = {
    ("invalid", "state"): "Pick how it is going: on track, at risk, blocked or done.",
    ("invalid", "note"): f"A note is at most {limits.PROGRESS_NOTE_MAX} characters.",
    ("invalid", "item"): "That item is no longer an accepted part of the plan.",
    ("not_found", None): "There is no such item in this workshop.",
    ("bad_request", None): "Choose one of your items and how it is going.",
}


# Sections that apps above the board add to this page (mail preferences, the calendar feed), in
# the order they were added: each renders its own HTML for the member, or None to show nothing,
# and handles its forms at URLs of its own that redirect back here.
MinePanel = Callable[[HttpRequest, Member], SafeString | None]
_panels: list[MinePanel] = []


def add_panel(panel: MinePanel) -> None:
    if panel not in _panels:
        _panels.append(panel)


@dataclass
class Commitment:
    """One accepted item a member owns, as the page and the landing list show it."""

    id: int
    title: str
    lane: str
    due: date | None
    state: str
    note: str
    by: str
    at: datetime | None
    workshop_id: str
    workshop_title: str
    helpers: list[str] = field(default_factory=list)  # names, each with how they can help in brackets

    @property
    def state_label(self) -> str:
        return STATE_LABELS.get(self.state, "No progress yet")

    @property
    def overdue(self) -> bool:
        return self.due is not None and self.state != ProgressState.DONE and self.due < timezone.localdate()


def commitments(members: Iterable[Member], *, with_helpers: bool = True) -> list[Commitment]:
    """The accepted items these members own in workshops whose plan has been agreed at least once.

    Two queries whatever the number of workshops and items (one without helpers): the landing
    page lists them across every workshop.
    """
    member_ids = [member.id for member in members]
    if not member_ids:
        return []
    items = (
        Item.objects.filter(
            status=ItemStatus.ACCEPTED,
            workshop__plan_version__gte=1,
            id__in=Ownership.objects.filter(member_id__in=member_ids).values("item_id"),
        )
        .select_related("workshop", "lane", "progress_by")
        .order_by("due", "workshop__created_at", "lane__position", "position", "id")
    )
    found = [
        Commitment(
            id=item.id,
            title=item.title,
            lane=item.lane.title,
            due=item.due,
            state=item.progress_state,
            note=item.progress_note,
            by=item.progress_by.name if item.progress_by else "",
            at=item.progress_at,
            workshop_id=item.workshop_id,
            workshop_title=item.workshop.title,
        )
        for item in items
    ]
    # Undated items after the dated ones, whatever the database's order for nulls.
    found.sort(key=lambda commitment: commitment.due is None)
    if with_helpers and found:
        by_item = {commitment.id: commitment for commitment in found}
        offers = HelpOffer.objects.filter(item_id__in=by_item).select_related("member").order_by("id")
        for offer in offers:
            by_item[offer.item_id].helpers.append(
                f"{offer.member.name} ({offer.note})" if offer.note else offer.member.name
            )
    return found


def _page(
    request: HttpRequest,
    member: Member,
    *,
    status: int = 200,
    error: str = "",
    failed: dict[str, str] | None = None,
    new_link: str = "",
) -> HttpResponse:
    workshop: Workshop = member.workshop
    context: dict[str, Any] = {
        "workshop": workshop,
        "member": member,
        "commitments": commitments([member]),
        "agreed": workshop.phase == Phase.AGREED,
        "ever_agreed": workshop.plan_version >= 1,
        "can_report": workshop.phase == Phase.AGREED and member.role != "observer",
        "states": list(STATE_LABELS.items()),
        "note_max": limits.PROGRESS_NOTE_MAX,
        "error": error,
        "failed": failed or {},
        "has_link": bool(member.return_link_hash),
        "through_link": through_link(member, user=request.user, session=request.session),
        "new_link": new_link,
        "new_link_qr": _qr_svg(new_link) if new_link else "",
        "panels": [html for panel in _panels if (html := panel(request, member))],
    }
    response = render(request, "planning/mine.html", context, status=status)
    if new_link:
        # The page carries a secret: nothing on the way may keep it.
        response["Cache-Control"] = "private, no-store"
    return response


def _qr_svg(url: str) -> str:
    """The link as an inline SVG QR code (no URL of its own, so nothing can cache or log it)."""
    return segno.make_qr(url, error="m").svg_inline(dark="#000", light="#fff", border=QR_QUIET_ZONE, omitsize=True)


def _refusal(error: DomainError) -> str:
    field_name = error.detail.get("field") if error.code == "invalid" else None
    return REFUSALS.get((error.code, field_name), error.message)


@methods("GET", "POST")
@never_cache
@members_only()
def mine(request: HttpRequest, workshop_id: str) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    if request.method == "GET":
        return _page(request, member)
    item, state, note = request.POST.get("item", ""), request.POST.get("state", ""), request.POST.get("note", "")
    failed = {"item": item, "note": note}
    try:
        item_id = integer(item, "item", minimum=1, from_text=True)
    except DomainError:
        return _page(request, member, status=400, error=REFUSALS[("bad_request", None)], failed=failed)
    try:
        item_progress(
            workshop_id=workshop_id, actor_id=member.id, ref=uuid.uuid4().hex, item=item_id, state=state, note=note
        )
    except DomainError as error:
        status = 403 if isinstance(error, Forbidden) else 400
        return _page(request, member, status=status, error=_refusal(error), failed=failed)
    messages.success(request, f"Saved: {STATE_LABELS[state]}.")
    return _see_other("mine", workshop_id)


def _see_other(*target: str) -> HttpResponse:
    """303: after a POST, the browser GETs the page, and a reload does not post again."""
    response = redirect(*target)
    response.status_code = 303
    return response


@methods("POST")
@never_cache
@members_only()
def mine_link(request: HttpRequest, workshop_id: str) -> HttpResponse:
    """The page's "Open this on your phone" card: make (or replace) or revoke the return link.

    A new link is shown in the answer to the POST itself, never behind a GET URL of its own.
    """
    member: Member = request.member  # type: ignore[attr-defined]
    if request.POST.get("action") == "revoke":
        cut_off = through_link(member, user=request.user, session=request.session)
        link_revoke(member=member, session=request.session)
        if cut_off:
            # This browser came in through that link: it is no longer the member here.
            return _see_other("home")
        messages.info(request, "Your return link is revoked: it no longer opens this workshop anywhere.")
        return _see_other("mine", workshop_id)
    token = link_create(member=member, session=request.session)
    return _page(request, member, new_link=link_url(token, request))
