"""Deliveries (protocol §9), end to end: ops on the board, the log reader, the send jobs, a real
receiver on loopback that verifies every signature, and time moved by core.clock."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from core import clock as core_clock
from goals.models import Role
from jobs import log, tick
from jobs.worker import run_due_jobs
from live.models import Event
from outbound.attempts import ATTEMPTS_MAX, LEASE, RETRY_AFTER
from tests.planning.helpers import add_item, send, set_phase
from webhooks.models import Delivery, Endpoint

pytestmark = pytest.mark.django_db(transaction=True)


def test_every_event_reaches_a_star_endpoint_once_in_seq_order_with_its_body(hooks, receiver, workshop, leader, join):
    add_item(workshop, leader, title="Before the webhook")
    hook = hooks.create(receiver)
    start = type(workshop).objects.get(pk=workshop.pk).seq
    mia = join(Role.MEMBER, "Mia")
    first = add_item(workshop, mia, title="Guided start")
    send(workshop, leader, "item.edit", item=first, version=1, title="Guided start, v2")
    set_phase(workshop, "vote")
    send(workshop, mia, "vote.cast", item=first)
    send(workshop, leader, "phase.set", phase="plan")
    send(workshop, leader, "confidence.open")
    send(workshop, mia, "confidence.answer", score=4)
    run_due_jobs()
    run_due_jobs()  # nothing is sent twice

    events = list(Event.objects.filter(workshop=workshop, seq__gt=start).select_related("actor").order_by("seq"))
    received = receiver.received["/hook"]
    assert [each["body"]["data"]["seq"] for each in received] == [event.seq for event in events]
    assert len({each["id"] for each in received}) == len(events)
    for each, event in zip(received, events, strict=True):
        assert each["body"] == {
            "type": event.name,
            "timestamp": event.created_at.isoformat(),
            "data": {
                "workshop": {
                    "id": workshop.id,
                    "title": workshop.title,
                    "url": f"https://rallypoint.example.org/w/{workshop.id}/",
                },
                "seq": event.seq,
                "actor": None
                if event.actor is None
                else {"id": event.actor.id, "name": event.actor.name, "role": event.actor.role},
                "event": event.data,
            },
        }
    assert {each["body"]["type"] for each in received} >= {"member.joined", "item.added", "vote.changed"}
    assert all(each["status"] == "delivered" for each in hooks.deliveries(hook))


def test_private_vote_and_confidence_data_never_reach_a_receiver(hooks, receiver, workshop, leader, join):
    hooks.create(receiver)
    mia = join(Role.MEMBER, "Mia")
    item = add_item(workshop, leader, title="Secret ballot")
    set_phase(workshop, "vote")
    send(workshop, mia, "vote.cast", item=item)
    send(workshop, mia, "vote.retract", item=item)
    send(workshop, leader, "phase.set", phase="plan")
    send(workshop, leader, "confidence.open")
    send(workshop, mia, "confidence.answer", score=2)
    run_due_jobs()
    private = [event.private for event in Event.objects.filter(workshop=workshop) if event.private]
    assert len(private) == 3
    received = receiver.received["/hook"]
    for each in received:
        if each["body"]["type"] == "vote.changed":
            assert set(each["body"]["data"]["event"]) == {"member", "used"}
        assert '"dots"' not in each["raw"]
        assert '"score"' not in each["raw"]
    assert [each["body"]["type"] for each in received].count("vote.changed") == 2


def test_an_endpoint_gets_only_the_events_it_subscribed_to(hooks, receiver, workshop, leader):
    hooks.create(receiver, "/items", events=["item.added", "lane.added"])
    hooks.create(receiver, "/pings", events=["ping"])
    item = add_item(workshop, leader, title="One")
    send(workshop, leader, "item.move", item=item, lane=workshop.lanes.last().id, index=0)
    send(workshop, leader, "lane.add", title="Someday")
    run_due_jobs()
    assert [each["body"]["type"] for each in receiver.received["/items"]] == ["item.added", "lane.added"]
    assert receiver.received["/pings"] == []
    assert not Delivery.objects.filter(endpoint__url__endswith="/pings").exists()


def test_a_500_is_retried_after_about_five_seconds_and_never_sent_again_after_a_2xx(
    hooks, receiver, workshop, leader, clock
):
    hook = hooks.create(receiver)
    receiver.script["/hook"] = [500, 200]
    add_item(workshop, leader, title="One")
    run_due_jobs()
    (pending,) = hooks.deliveries(hook)
    assert (pending["status"], pending["attempts"], pending["last_status_code"]) == ("pending", 1, 500)
    clock(seconds=RETRY_AFTER[0].total_seconds() * 0.8)
    run_due_jobs()
    assert receiver.requests["/hook"] == 1  # not yet
    clock(seconds=RETRY_AFTER[0].total_seconds() * 0.35)
    run_due_jobs()
    (delivered,) = hooks.deliveries(hook)
    assert (delivered["status"], delivered["attempts"], delivered["last_status_code"]) == ("delivered", 2, 200)
    assert delivered["next_attempt_at"] is None
    assert [each["id"] for each in receiver.received["/hook"]] == [pending["id"]]

    clock(hours=24)
    tick.run_periodic()
    run_due_jobs()
    assert receiver.requests["/hook"] == 2


def test_a_delivery_fails_after_its_last_attempt(hooks, receiver, workshop, leader, clock):
    hook = hooks.create(receiver)
    receiver.script["/hook"] = [503]
    add_item(workshop, leader, title="One")
    run_due_jobs()
    for delay in RETRY_AFTER:
        clock(seconds=delay.total_seconds() * 1.11)
        run_due_jobs()
    (failed,) = hooks.deliveries(hook)
    assert (failed["status"], failed["attempts"], failed["next_attempt_at"]) == ("failed", ATTEMPTS_MAX, None)
    assert receiver.requests["/hook"] == ATTEMPTS_MAX
    clock(hours=12)
    tick.run_periodic()
    run_due_jobs()
    assert receiver.requests["/hook"] == ATTEMPTS_MAX
    assert hooks.get().json()["webhooks"][0]["active"] is True  # under 24 hours of failures


def test_an_endpoint_failing_for_24_hours_is_deactivated_and_a_good_ping_brings_it_back(
    hooks, receiver, workshop, leader, clock
):
    hook = hooks.create(receiver)
    receiver.script["/hook"] = [500]
    add_item(workshop, leader, title="One")
    run_due_jobs()
    clock(hours=23)
    add_item(workshop, leader, title="Two")
    run_due_jobs()
    assert hooks.get().json()["webhooks"][0]["active"] is True
    clock(hours=1, seconds=1)
    add_item(workshop, leader, title="Three")
    run_due_jobs()
    (listed,) = hooks.get().json()["webhooks"]
    assert listed["active"] is False
    assert listed["deactivated_at"] is not None
    made = hooks.deliveries(hook)
    assert {each["status"] for each in made} == {"failed"}

    # Nothing more is made for it or sent to it.
    asked = receiver.requests["/hook"]
    add_item(workshop, leader, title="Four")
    clock(hours=12)
    tick.run_periodic()
    run_due_jobs()
    assert receiver.requests["/hook"] == asked
    assert len(hooks.deliveries(hook)) == len(made)

    receiver.script["/hook"] = [200]
    assert hooks.post(f"/{hook['id']}/test").status_code == 202
    run_due_jobs()
    (listed,) = hooks.get().json()["webhooks"]
    assert (listed["active"], listed["deactivated_at"]) == (True, None)
    assert Endpoint.objects.get().failing_since is None


def test_a_redirect_is_not_followed_and_counts_as_a_failure(hooks, receiver, workshop, leader):
    hook = hooks.create(receiver)
    receiver.secrets["/elsewhere"] = hook["secret"]
    receiver.script["/hook"] = [("redirect", "/elsewhere")]
    add_item(workshop, leader, title="One")
    run_due_jobs()
    (delivery,) = hooks.deliveries(hook)
    assert (delivery["status"], delivery["last_status_code"]) == ("pending", 302)
    assert receiver.requests["/elsewhere"] == 0


def test_a_hanging_receiver_fails_its_attempt_without_holding_up_another_endpoint(
    hooks, receiver, workshop, leader, settings
):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.5
    slow = hooks.create(receiver, "/slow")
    hooks.create(receiver, "/fast")
    receiver.script["/slow"] = ["hang"]
    add_item(workshop, leader, title="One")
    add_item(workshop, leader, title="Two")
    started = time.monotonic()
    run_due_jobs()
    elapsed = time.monotonic() - started
    assert [each["body"]["type"] for each in receiver.received["/fast"]] == ["item.added", "item.added"]
    # The slow one was tried once, timed out, and the rest of its backlog waits for the retry.
    assert receiver.requests["/slow"] == 1
    assert elapsed < 3
    deliveries = hooks.deliveries(slow)
    assert [(each["status"], each["attempts"]) for each in deliveries] == [("pending", 0), ("pending", 1)]
    assert Delivery.objects.filter(endpoint_id=slow["id"], attempts=1).get().last_error.startswith("No answer")


def test_the_same_webhook_id_on_every_retry(hooks, receiver, workshop, leader, clock):
    hooks.create(receiver)
    receiver.script["/hook"] = [500, 500, 200]
    add_item(workshop, leader, title="One")
    for delay in (timedelta(), *RETRY_AFTER[:2]):
        clock(seconds=delay.total_seconds() * 1.11)
        run_due_jobs()
    assert len(receiver.received["/hook"]) == 1
    (message_id,) = Delivery.objects.values_list("message_id", flat=True)
    assert receiver.ids["/hook"] == [message_id] * 3


def test_the_tick_sends_what_a_dead_worker_left_under_its_lease(hooks, receiver, workshop, leader, clock):
    hook = hooks.create(receiver)
    add_item(workshop, leader, title="One")
    # The delivery is made, then the worker that took it dies: the lease is held, the job gone.
    DBTaskResult.objects.all().delete()
    log.read_log.call("webhooks", workshop.id, 0)
    DBTaskResult.objects.all().delete()
    Delivery.objects.update(leased_until=core_clock.now() + LEASE, attempts=1)
    tick.run_periodic()
    run_due_jobs()
    assert receiver.received["/hook"] == []
    clock(seconds=LEASE.total_seconds() + 1)
    assert tick.run_periodic()["webhooks.sweep"] == 1
    assert tick.run_periodic()["webhooks.sweep"] == 0  # one job on its way is enough
    run_due_jobs()
    assert len(receiver.received["/hook"]) == 1
    assert hooks.deliveries(hook)[0]["status"] == "delivered"


def test_the_list_keeps_the_last_hundred(hooks, receiver, workshop, leader):
    hook = hooks.create(receiver, events=["item.added"])
    endpoint = Endpoint.objects.get()
    Delivery.objects.bulk_create(
        Delivery(
            endpoint=endpoint, message_id=f"msg_old{n}", type="item.added", seq=None, body="{}", status="delivered"
        )
        for n in range(105)
    )
    add_item(workshop, leader, title="Newest")
    run_due_jobs()
    listed = hooks.deliveries(hook)
    assert len(listed) == 100
    assert listed[0]["type"] == "item.added"
    assert listed[0]["seq"] is not None
    tick.run_periodic()
    assert Delivery.objects.count() == 100
    assert json.loads(Delivery.objects.order_by("-id").first().body)["type"] == "item.added"
