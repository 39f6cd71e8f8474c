"""The mail pages: sign-up with an address, account settings, confirming, unsubscribing, a guest's
sign-in link, offering help on a blocked item, and the preferences posted from "My commitments".

Every link a mail carries opens a page whose button does the deed: a GET changes nothing, so mail
scanners that open links confirm, unsubscribe and offer nothing. The one exception is the sign-in
link, which signs the browser in on GET as the return link does (goals.views.return_link).
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from core.errors import DomainError, Invalid
from core.http import methods
from goals import throttle
from goals import views as goals_views
from goals.access import members_only, removed_page
from goals.models import Member
from mail import addresses, signin, tokens
from mail.forms import AddressForm, EmailSignupForm
from mail.models import CHOSEN
from mail.render import KIND_NAMES
from planning.mine import STATE_LABELS
from planning.models import HelpOffer, Item, ItemStatus, Ownership
from planning.progress import item_help


@methods("GET", "POST")
def signup(request: HttpRequest) -> HttpResponse:
    return goals_views.signup(request, form_class=EmailSignupForm)


def _see_other(*target: object) -> HttpResponse:
    response = redirect(*target)
    response.status_code = 303
    return response


@methods("GET", "POST")
@never_cache
@login_required
def account_settings(request: HttpRequest) -> HttpResponse:
    """`/accounts/settings/`: the account's address (set, change, remove, send the link again)."""
    address = addresses.address_of(user=request.user)  # type: ignore[arg-type]
    form = AddressForm(request.POST or None, initial={"email": address.email if address else ""})
    if request.method == "POST":
        action = request.POST.get("action", "save")
        if action == "resend" and address is not None:
            addresses.confirmation_resend(address)
            messages.info(request, f"We sent a new confirmation link to {address.email}.")
            return _see_other("account_settings")
        if form.is_valid():
            if form.cleaned_data["email"]:
                form.apply(request.user)  # type: ignore[arg-type]
                messages.info(request, "Saved. Unconfirmed addresses get a confirmation link and nothing else.")
            else:
                addresses.address_remove(user=request.user)  # type: ignore[arg-type]
                messages.info(request, "Your address is removed: no mail goes out to you.")
            return _see_other("account_settings")
    status = 400 if form.errors else 200
    return render(request, "mail/account_settings.html", {"form": form, "address": address}, status=status)


@methods("GET", "POST")
@never_cache
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a page with a button; POST: the address is confirmed. No sign-in needed."""
    address = addresses.find_confirmation(token)
    if address is None:
        return render(request, "mail/link_unknown.html", {"what": "confirmation"}, status=404)
    if request.method == "POST":
        addresses.address_confirm(token)
        return render(request, "mail/confirmed.html", {"email": address.email})
    return render(request, "mail/confirm.html", {"email": address.email})


@methods("GET", "POST")
@never_cache
@csrf_exempt  # RFC 8058: a mail client's one-click POST carries no CSRF token; the token is the secret.
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = tokens.read_unsubscribe(token)
    if found is None or found[1] not in CHOSEN or not Member.objects.filter(pk=found[0]).exists():
        return render(request, "mail/link_unknown.html", {"what": "unsubscribe"}, status=404)
    member_id, kind = found
    context = {"kind_name": KIND_NAMES[kind], "kind": kind}
    if request.method == "POST":
        addresses.kind_stop(member_id, kind)
        return render(request, "mail/unsubscribed.html", context)
    return render(request, "mail/unsubscribe.html", context)


@methods("GET")
@never_cache
def signin_link(request: HttpRequest, token: str) -> HttpResponse:
    """A guest's link from their commitments mail: this browser becomes them, to their commitments."""
    client = throttle.client_address(request)
    if throttle.exceeded(throttle.GUESSES, client):
        return render(request, "goals/throttled.html", {"seconds": throttle.seconds_left()}, status=429)
    mail = signin.find_signin(token)
    if mail is None:
        throttle.count(throttle.GUESSES, client)
        return render(request, "mail/link_unknown.html", {"what": "sign-in"}, status=404)
    member = mail.member
    assert member is not None
    if member.removed_at is not None:
        return removed_page(request, member)
    goals_views.sign_in_through_link(request, member, lambda: signin.remember(request.session, mail))
    return redirect("mine", member.workshop_id)


@methods("GET", "POST")
@never_cache
@members_only()
def help_offer(request: HttpRequest, workshop_id: str, item_id: int) -> HttpResponse:
    """`/w/<id>/help/<item>/`, the rally mail's link: GET shows the item and a button; POST offers
    help (with an optional note) through planning's `item.help` op."""
    member: Member = request.member  # type: ignore[attr-defined]
    item = Item.objects.filter(pk=item_id, workshop_id=workshop_id, status=ItemStatus.ACCEPTED).first()
    if item is None:
        return render(request, "404.html", status=404)
    error = ""
    status = 200
    if request.method == "POST":
        offer = request.POST.get("offer", "yes") != "no"
        try:
            item_help(
                workshop_id=workshop_id,
                actor_id=member.id,
                ref=uuid.uuid4().hex,
                item=item.id,
                offer=offer,
                note=request.POST.get("note", ""),
            )
        except DomainError as refused:
            error, status = refused.message, 403 if refused.code == "forbidden" else 400
            if isinstance(refused, Invalid) and refused.detail.get("field") == "note":
                error = "A note on how you can help is at most 280 characters."
        else:
            messages.success(request, "Thank you: the owners can see your offer." if offer else "Offer withdrawn.")
            return _see_other("mail_help", workshop_id, item.id)
    owners = Member.objects.filter(pk__in=Ownership.objects.filter(item=item).values("member_id")).order_by("id")
    offers = list(HelpOffer.objects.filter(item=item).select_related("member").order_by("id"))
    context = {
        "workshop": member.workshop,
        "member": member,
        "item": item,
        "state_label": STATE_LABELS.get(item.progress_state, "No progress yet"),
        "owners": [owner.name for owner in owners],
        "offers": offers,
        "mine": next((offer for offer in offers if offer.member_id == member.id), None),
        "can_help": member.role != "observer" and member.id not in {owner.id for owner in owners},
        "error": error,
    }
    return render(request, "mail/help.html", context, status=status)


@methods("POST")
@never_cache
@members_only()
def mine_mail(request: HttpRequest, workshop_id: str) -> HttpResponse:
    """The mail card of "My commitments" posts here: the guest's address, and the kinds wanted."""
    member: Member = request.member  # type: ignore[attr-defined]
    action = request.POST.get("action", "")
    if action == "kinds":
        addresses.preferences_set(member, [kind for kind in request.POST.getlist("kinds") if kind in CHOSEN])
        messages.success(request, "Your mail choices are saved.")
        return _see_other("mine", workshop_id)
    if member.user_id is not None:
        # An account's address serves all its memberships: it is changed where the account is.
        return _see_other("account_settings")
    if action == "address":
        try:
            addresses.address_set(member=member, email=request.POST.get("email", ""))
        except Invalid as refused:
            messages.error(request, refused.message)
        else:
            messages.info(request, "We sent you a link to confirm your address. Nothing else goes there until you do.")
    elif action == "remove":
        addresses.address_remove(member=member)
        messages.info(request, "Your address is removed: no mail goes out to you.")
    elif action == "resend":
        address = addresses.address_of(member=member)
        if address is not None:
            addresses.confirmation_resend(address)
            messages.info(request, f"We sent a new confirmation link to {address.email}.")
    return _see_other("mine", workshop_id)
