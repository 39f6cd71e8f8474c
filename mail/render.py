"""A mail row as the message a person reads: subject, plain text, HTML, and the list headers.

Both parts come from Django templates under templates/mail/email/ (`<kind>.txt`, `<kind>.html`). The
plain text is rendered with autoescaping off, so what people typed reads as they typed it; the
HTML part escapes it. Every link is absolute on SITE_URL.

Every mail of the four kinds carries RFC 2369's `List-Unsubscribe` (an https URL on SITE_URL in
production) and RFC 8058's `List-Unsubscribe-Post`: a mail client's one-click POST stops that kind
for that member. A confirmation is not list mail (it answers what the person just did): it has none.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template import Context, Template
from django.template.loader import get_template
from django.urls import reverse

from mail import tokens
from mail.models import Kind, Mail

SUBJECTS = {
    Kind.CONFIRM: "Confirm your email address for Rallypoint",
    Kind.COMMITMENTS: "Your part of the plan: {{ workshop_title }} (version {{ version }})",
    Kind.REMINDERS: "{% if when == 'before' %}Due {{ due_label }}{% else %}Was due yesterday{% endif %}: {{ title }}",
    Kind.RALLY: "Blocked: {{ title }} · can you help?",
    Kind.DIGEST: "Weekly digest: {{ workshop_title }}",
}
KIND_NAMES = {
    Kind.COMMITMENTS: "commitments",
    Kind.REMINDERS: "reminders",
    Kind.RALLY: "calls to help",
    Kind.DIGEST: "weekly digests",
}


def absolute(path: str) -> str:
    return settings.SITE_URL + path


def unsubscribe_url(member_id: int, kind: str) -> str:
    return absolute(reverse("mail_unsubscribe", args=[tokens.unsubscribe_token(member_id, kind)]))


def links(mail: Mail) -> dict[str, str]:
    if mail.kind == Kind.CONFIRM:
        return {"confirm_url": absolute(reverse("mail_confirm", args=[tokens.derive(tokens.CONFIRM, mail.reason)]))}
    member = mail.member
    assert member is not None
    found = {
        "board_url": absolute(reverse("board", args=[member.workshop_id])),
        "mine_url": absolute(reverse("mine", args=[member.workshop_id])),
        "unsubscribe_url": unsubscribe_url(member.id, mail.kind),
    }
    if mail.signin_hash:
        found["signin_url"] = absolute(reverse("mail_signin", args=[tokens.derive(tokens.SIGNIN, mail.nonce)]))
    if mail.kind == Kind.RALLY:
        found["help_url"] = absolute(reverse("mail_help", args=[member.workshop_id, mail.context["item"]]))
    return found


def _dates(value: Any) -> Any:
    """ISO dates in the stored context as dates, for the templates' date filter."""
    if isinstance(value, dict):
        return {key: _dates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_dates(item) for item in value]
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def context_of(mail: Mail) -> dict[str, Any]:
    context = _dates(dict(mail.context))
    context |= links(mail)
    context["kind"] = mail.kind
    context["kind_name"] = KIND_NAMES.get(mail.kind, "")
    context["site_url"] = settings.SITE_URL
    return context


def subject(mail: Mail, context: dict[str, Any]) -> str:
    text = Template("{% autoescape off %}" + SUBJECTS[Kind(mail.kind)] + "{% endautoescape %}")
    return " ".join(text.render(Context(context)).split())[:200]


def message(mail: Mail, to: str) -> EmailMultiAlternatives:
    context = context_of(mail)
    text = get_template(f"mail/email/{mail.kind}.txt").render(context)
    html = get_template(f"mail/email/{mail.kind}.html").render(context)
    headers = {"Message-ID": mail.message_id, "Auto-Submitted": "auto-generated"}
    if mail.kind != Kind.CONFIRM:
        headers["List-Unsubscribe"] = f"<{context['unsubscribe_url']}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    email = EmailMultiAlternatives(
        subject=subject(mail, context), body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to], headers=headers
    )
    email.attach_alternative(html, "text/html")
    return email
