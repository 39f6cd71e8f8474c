"""The leader's and the guest's pages: landing, accounts, new workshop, join, invites."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware.csrf import rotate_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache

from core.errors import DomainError, NotFound
from core.http import json_object, methods
from core.validation import known_fields
from goals import throttle
from goals.access import api_facilitators_only, api_members_only, removed_page
from goals.accounts import display_name, guest_memberships, memberships_adopt
from goals.forms import JoinForm, SignupForm
from goals.invites import (
    InviteState,
    find_invite,
    invite_create,
    invite_json,
    invite_qr_svg,
    invite_revoke,
    invite_state,
    invite_url,
)
from goals.members import (
    JoinRefused,
    guest_key,
    member_join,
    membership,
    removed_membership,
    through_link,
)
from goals.models import Invite, Member, Workshop
from goals.return_links import find_member, link_create, link_follow, link_qr, link_revoke, link_url
from live.sockets import close_session_sockets


class Logout(auth_views.LogoutView):
    """Logging out also closes the sockets opened with this session, on whichever process they are
    (live.sockets): they would otherwise go on showing the board to a browser that has left."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        session_key = request.session.session_key
        response = super().post(request, *args, **kwargs)
        close_session_sockets(session_key)
        return response


@methods("GET", "POST")
def signup(request: HttpRequest, form_class: type[SignupForm] = SignupForm) -> HttpResponse:
    """A new account, logged in. Made in a browser that holds guest memberships, it keeps them
    (goals.accounts.memberships_adopt), and its display name defaults to the guest's name.

    `form_class`: apps above this one add fields of their own (mail's `email`); its `save()` runs
    in the transaction that creates the account."""
    kept = [] if request.user.is_authenticated else guest_memberships(request.session)
    form = form_class(request.POST or None, default_name=kept[0].name if kept else "")
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            adopted = memberships_adopt(user=user, session=request.session) if kept else []
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        target = request.POST.get("next") or request.GET.get("next")
        if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
            return redirect(target)
        if adopted:
            # A guest who made an account: back to the workshops they kept.
            return redirect("home")
        # A new account is someone about to lead a workshop: straight to "Post a goal".
        return redirect("workshop_new")
    return render(request, "registration/signup.html", {"form": form, "kept": kept})


def _refused(request: HttpRequest, state: InviteState | None, workshop: Workshop | None = None) -> HttpResponse:
    status = 404 if state is None else 410
    return render(
        request, "goals/join_refused.html", {"state": state and state.value, "workshop": workshop}, status=status
    )


def _throttled(request: HttpRequest) -> HttpResponse:
    wait = throttle.seconds_left()
    response = render(request, "goals/throttled.html", {"seconds": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


@methods("GET", "POST")
def join(request: HttpRequest, token: str) -> HttpResponse:
    client = throttle.client_address(request)
    # A client over its budget of unknown links learns nothing more this minute, not even
    # whether a link it tries now is real.
    if throttle.exceeded(throttle.GUESSES, client) or not throttle.count(throttle.JOINS, client):
        return _throttled(request)
    invite = find_invite(token)
    if invite is None:
        if not throttle.count(throttle.GUESSES, client):
            return _throttled(request)
        return _refused(request, None)
    workshop = invite.workshop
    existing = membership(workshop.id, user=request.user, session=request.session)
    if existing is None:
        removed = removed_membership(workshop.id, user=request.user, session=request.session)
        if removed is not None:
            return removed_page(request, removed)
    elif request.method == "GET":
        return redirect("board", workshop.id)
    state = invite_state(invite)
    if existing is None and state is not InviteState.VALID:
        return _refused(request, state, workshop)
    if not request.user.is_authenticated:
        # The guest key goes into the session with the page, so that a form posted twice at once
        # (a double click) carries one key and makes one member.
        guest_key(request.session, create=True)
    initial = {"display_name": display_name(request.user)} if request.user.is_authenticated else {}
    form = JoinForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            member_join(token=token, name=form.cleaned_data["display_name"], user=request.user, session=request.session)
        except JoinRefused as refused:
            return _refused(request, refused.state, workshop)
        except DomainError as error:
            form.add_error("display_name" if error.code == "invalid" else None, error.message)
        else:
            return redirect("board", workshop.id)
    status = 400 if form.errors else 200
    return render(request, "goals/join.html", {"form": form, "workshop": workshop, "invite": invite}, status=status)


def login_locked_out(
    request: HttpRequest, response: HttpResponse | None, credentials: dict[str, Any] | None
) -> HttpResponse:
    """django-axes' answer (AXES_LOCKOUT_CALLABLE) to a login refused after too many failures."""
    wait = settings.AXES_COOLOFF_TIME
    page = render(
        request,
        "registration/locked_out.html",
        {"minutes": round(wait.total_seconds() / 60), "failures": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
    page["Retry-After"] = str(int(wait.total_seconds()))
    return page


@methods("GET", "POST")
@api_facilitators_only
def invites(request: HttpRequest, workshop_id: str) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    if request.method == "GET":
        listed = Invite.objects.filter(workshop_id=workshop_id, revoked_at__isnull=True)
        return JsonResponse([invite_json(invite, request) for invite in listed], safe=False)
    body = json_object(request)
    known_fields(body, {"role", "expires_in_hours", "max_uses"})
    invite = invite_create(
        workshop=member.workshop,
        created_by=member,
        role=body.get("role", "member"),
        expires_in_hours=body.get("expires_in_hours"),
        max_uses=body.get("max_uses"),
    )
    response = JsonResponse(invite_json(invite, request), status=201)
    response["Location"] = reverse("invite", args=[workshop_id, invite_json(invite)["token"]])
    return response


@methods("DELETE")
@api_facilitators_only
def invite(request: HttpRequest, workshop_id: str, token: str) -> HttpResponse:
    member: Member = request.member  # type: ignore[attr-defined]
    if not invite_revoke(workshop=member.workshop, token=token):
        raise NotFound("There is no such invite.")
    return HttpResponse(status=204)


@methods("GET")
@api_facilitators_only
def invite_qr(request: HttpRequest, workshop_id: str, token: str) -> HttpResponse:
    """The QR code of an invite's link (the `url` of the invites API), for a room to scan."""
    invite = find_invite(token)
    if invite is None or invite.workshop_id != workshop_id or invite.revoked_at is not None:
        raise NotFound("There is no such invite.")
    response = HttpResponse(invite_qr_svg(invite_url(invite, request)), content_type="image/svg+xml")
    # The code is the link: as secret as the link itself.
    response["Cache-Control"] = "private, no-store"
    return response


@methods("POST", "DELETE")
@api_members_only
@never_cache
def my_link(request: HttpRequest, workshop_id: str) -> HttpResponse:
    """The member's personal return link (goals.return_links): make a new one (201), or revoke it (204)."""
    member: Member = request.member  # type: ignore[attr-defined]
    if request.method == "DELETE":
        link_revoke(member=member, session=request.session)
        return HttpResponse(status=204)
    token = link_create(member=member, session=request.session)
    url = link_url(token, request)
    return JsonResponse({"url": url, "qr": link_qr(url)}, status=201)


@methods("GET")
@never_cache
def return_link(request: HttpRequest, token: str) -> HttpResponse:
    """Follow a return link: this browser becomes the link's member and lands on the board.

    A browser that is already someone in that workshop by its own account or guest key stays who
    it is: a link adds a way in, it does not swap one person for another.
    """
    client = throttle.client_address(request)
    if throttle.exceeded(throttle.GUESSES, client):
        return _throttled(request)
    member = find_member(token)
    if member is None:
        if not throttle.count(throttle.GUESSES, client):
            return _throttled(request)
        return render(request, "goals/return_link_unknown.html", status=404)
    if member.removed_at is not None:
        return removed_page(request, member)
    sign_in_through_link(
        request,
        member,
        lambda: link_follow(member=member, digest=member.return_link_hash or "", session=request.session),
    )
    return redirect("board", member.workshop_id)


def sign_in_through_link(request: HttpRequest, member: Member, follow: Callable[[], None]) -> None:
    """Make this browser `member` through a link it was given (a return link, a mailed sign-in):
    `follow` records the link in the session. A browser that is already a member of that workshop
    in its own right stays who it is; one that is there through another link becomes `member`."""
    current = membership(member.workshop_id, user=request.user, session=request.session)
    if current is None or (
        current.id != member.id and through_link(current, user=request.user, session=request.session)
    ):
        # A new session key, as a login makes: a key planted in this browser before is worth nothing.
        request.session.cycle_key()
        rotate_token(request)
        follow()
