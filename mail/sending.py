"""Making a mail for a reason, and sending it once: the job, its retries and the tick's sweep.

`make_mail` records the (member, kind, reason) row and queues its job in the caller's transaction:
a reason read twice (a tick run twice, two workers) meets the unique key and makes nothing, and a
row whose job was lost is found by `sweep` on the tick. The job claims an attempt
(outbound.attempts), renders the row (mail.render) and hands it to Django's backend (EMAIL_URL);
a refusal or a server that does not answer is retried on attempts' schedule, with the same
Message-ID, and a mail the server took (250) is never sent again.

Whether the member still wants it is asked again when it is sent: an address removed or a kind
stopped in between sends nothing (the row is closed as failed, saying why).
"""

from __future__ import annotations

import logging
import smtplib
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction

from core import clock
from goals.models import Member
from jobs.tasks import task
from mail import render, tokens
from mail.addresses import wanted
from mail.models import Address, Kind, Mail
from outbound.attempts import Status, claim, due, record

logger = logging.getLogger(__name__)

# A row due this long without being sent lost its job (the process died after the commit): the
# sweep queues it again. Shorter waits are jobs that are queued and about to run.
LOST_AFTER = timedelta(minutes=1)
SWEEP_BATCH = 500


def message_id() -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"<{uuid.uuid4().hex}@{host}>"


def make_mail(
    *, kind: str, reason: str, context: dict[str, Any], member: Member | None = None, address: Address | None = None
) -> Mail | None:
    """The mail for this reason, queued; None if the reason already has one."""
    nonce = tokens.new_nonce()
    if member is None and address is not None and address.member_id is not None:
        member = address.member  # a guest's confirmation: the workshop's row, exported and erased with it
    guest_signin = kind == Kind.COMMITMENTS and member is not None and member.user_id is None
    mail = Mail(
        kind=kind,
        member=member,
        address=address,
        reason=reason,
        context=context,
        message_id=message_id(),
        nonce=nonce,
        signin_hash=tokens.digest(tokens.derive(tokens.SIGNIN, nonce)) if guest_signin else None,
        next_attempt_at=clock.now(),
        created_at=clock.now(),
    )
    try:
        with transaction.atomic():
            mail.save(force_insert=True)
    except IntegrityError:
        return None
    send_mail.enqueue(mail.pk)
    return mail


def recipient(mail: Mail) -> str | None:
    """Where the mail goes now, or None if nobody wants it any more."""
    if mail.kind == Kind.CONFIRM:
        address = mail.address
        if address is None or address.confirmed_at is not None or address.confirm_nonce != mail.reason:
            return None  # confirmed already, or a newer link was asked for
        return address.email
    if mail.member is None or mail.member.removed_at is not None:
        return None
    return wanted(mail.kind, [mail.member]).get(mail.member.id)


@task()
def send_mail(mail_id: int) -> str:
    if not claim(Mail, mail_id):
        return "not due"
    mail = Mail.objects.select_related("member__workshop", "address").get(pk=mail_id)
    to = recipient(mail)
    if to is None:
        Mail.objects.filter(pk=mail_id).update(
            status=Status.FAILED, leased_until=None, next_attempt_at=None, last_error="No longer wanted"
        )
        return "skipped"
    message = render.message(mail, to)
    try:
        message.send(fail_silently=False)
    except smtplib.SMTPResponseException as error:
        row = record(Mail, mail_id, ok=False, status_code=error.smtp_code, error=str(error.smtp_error)[:300])
    except smtplib.SMTPRecipientsRefused as error:
        codes = [code for code, _ in error.recipients.values()]
        row = record(Mail, mail_id, ok=False, status_code=codes[0] if codes else None, error="Recipient refused")
    except (smtplib.SMTPException, OSError) as error:
        row = record(Mail, mail_id, ok=False, status_code=None, error=f"{type(error).__name__}: {error}")
    else:
        record(Mail, mail_id, ok=True, status_code=250)
        return "sent"
    if row.status == Status.PENDING and row.next_attempt_at is not None:
        send_mail.using(run_after=row.next_attempt_at).enqueue(mail_id)
    logger.info("Mail %s not sent (attempt %s): %s", mail_id, row.attempts, row.last_error)
    return "retry" if row.status == Status.PENDING else "failed"


def sweep() -> int:
    """Queue the rows whose job was lost (due for a while, nobody holding them)."""
    now = clock.now()
    lost = list(
        Mail.objects.filter(due(now), next_attempt_at__lte=now - LOST_AFTER)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for mail_id in lost:
        send_mail.enqueue(mail_id)
    return len(lost)
