"""A receiver that says when to come back (429 or 503 with Retry-After) is tried then, not sooner,
and the rest of its backlog waits with it; a Retry-After never parks a delivery past the schedule's
longest wait. The schedule itself (protocol §9) is unchanged for every other failure."""

from __future__ import annotations

from datetime import timedelta
from email.utils import format_datetime

import pytest
from django.utils import timezone

from core import clock as core_clock
from jobs.worker import run_due_jobs
from outbound.attempts import RETRY_AFTER, RETRY_AFTER_MAX
from outbound.http import retry_after
from tests.planning.helpers import add_item
from webhooks.models import Delivery

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("120", 120),
        (" 7 ", 7),
        ("0", 0),
        (None, None),
        ("", None),
        ("soon", None),
        ("-5", None),
        ("1.5", None),
        ("١٢", None),
        ("Wed, 21 Oct 2015 07:28:00 -0000", None),
    ],
)
def test_a_retry_after_is_read_as_seconds_or_not_at_all(value, seconds):
    expected = None if seconds is None else timedelta(seconds=seconds)
    assert retry_after(value) == expected


def test_a_retry_after_date_is_a_wait_from_now_and_a_past_one_no_wait():
    soon = retry_after(format_datetime(timezone.now() + timedelta(seconds=90), usegmt=True))
    assert soon is not None
    assert timedelta(seconds=85) <= soon <= timedelta(seconds=90)
    assert retry_after(format_datetime(timezone.now() - timedelta(hours=1), usegmt=True)) == timedelta()


def test_a_429_with_retry_after_is_tried_then_and_holds_back_the_backlog(hooks, receiver, workshop, leader, clock):
    hook = hooks.create(receiver)
    receiver.script["/hook"] = [("wait", 429, "120"), 200]
    add_item(workshop, leader, title="One")
    add_item(workshop, leader, title="Two")
    run_due_jobs()
    assert receiver.requests["/hook"] == 1, "the rest of the backlog was sent into the rate limit"
    first = Delivery.objects.order_by("id").first()
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 429)
    wait = first.next_attempt_at - core_clock.now()
    assert timedelta(seconds=115) <= wait <= timedelta(seconds=121), wait

    clock(seconds=RETRY_AFTER[0].total_seconds() * 1.2)  # when the schedule alone would try again
    run_due_jobs()
    assert receiver.requests["/hook"] == 1
    clock(seconds=120)
    run_due_jobs()
    assert receiver.requests["/hook"] == 3
    assert {each["status"] for each in hooks.deliveries(hook)} == {"delivered"}
    assert receiver.forged == []


def test_a_retry_after_of_days_waits_no_longer_than_the_schedules_longest(hooks, receiver, workshop, leader):
    hooks.create(receiver)
    receiver.script["/hook"] = [("wait", 503, str(10 * 24 * 3600))]
    add_item(workshop, leader, title="One")
    run_due_jobs()
    (delivery,) = Delivery.objects.all()
    assert delivery.next_attempt_at - core_clock.now() <= RETRY_AFTER_MAX


def test_a_retry_after_on_a_500_is_not_read(hooks, receiver, workshop, leader):
    hooks.create(receiver)
    receiver.script["/hook"] = [("wait", 500, "3600")]
    add_item(workshop, leader, title="One")
    run_due_jobs()
    (delivery,) = Delivery.objects.all()
    assert delivery.next_attempt_at - core_clock.now() <= RETRY_AFTER[0] * 1.1
