"""A guest's sign-in link in their commitments mail (protocol §9: "like the return link of §7,
without replacing the one they hold").

Each commitments mail to a guest carries a link of its own, `/mail/in/<token>/`: 256 bits derived
from the mail row's nonce (mail.tokens), its SHA-256 on the row. It is not the member's return link
(goals.return_links keeps one per member, and a new one cuts off the browsers of the old): making
or following it leaves `Member.return_link_hash` alone, so the link the guest holds goes on
working, and revoking that one does not cut off a browser that came in through a mail.

It opens for SIGNIN_DAYS after the mail was made, for a present member. The browser that follows
it records [workshop, member, mail] in its session (`MAIL_LINKS`), and goals.members counts the
member through `session_way` for as long as the mail row exists and the member is present.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Q

from core import clock
from mail import tokens
from mail.models import Kind, Mail

MAIL_LINKS = "rallypoint_mail_links"
# A plan's commitments are worth a link for about a month; a later mail brings a new one.
SIGNIN_DAYS = 30
MAX_LINKS_PER_SESSION = 20


def find_signin(token: object) -> Mail | None:
    """The commitments mail whose link this is, if it still opens; None otherwise."""
    if not tokens.plausible(token):
        return None
    mail = (
        Mail.objects.filter(signin_hash=tokens.digest(str(token)), kind=Kind.COMMITMENTS)
        .select_related("member__workshop")
        .first()
    )
    if mail is None or mail.member is None or mail.created_at < clock.now() - timedelta(days=SIGNIN_DAYS):
        return None
    return mail


def _entries(session: SessionBase | None) -> list[tuple[str, int, int]]:
    if session is None:
        return []
    found = []
    for entry in session.get(MAIL_LINKS, []) or []:
        if isinstance(entry, list) and len(entry) == 3 and [type(part) for part in entry] == [str, int, int]:
            found.append((entry[0], entry[1], entry[2]))
    return found


def remember(session: SessionBase, mail: Mail) -> None:
    assert mail.member is not None
    kept = [list(entry) for entry in _entries(session) if entry[0] != mail.member.workshop_id]
    session[MAIL_LINKS] = [*kept, [mail.member.workshop_id, mail.member.id, mail.pk]][-MAX_LINKS_PER_SESSION:]


def session_way(session: SessionBase | None) -> Q | None:
    query = None
    for workshop_id, member_id, mail_id in _entries(session):
        mails = Mail.objects.filter(pk=mail_id, member_id=member_id, kind=Kind.COMMITMENTS).values("member_id")
        condition = Q(pk=member_id, workshop_id=workshop_id, pk__in=mails)
        query = condition if query is None else query | condition
    return query
