"""Each delivery has effect once, whatever the workers do (issue 23, item 1): one job sends to an
endpoint at a time, a receiver that does not answer rests its endpoint instead of costing a
timeout per event, and a worker process killed in the middle of a send leaves the delivery to be
sent again, with the same webhook-id, and never a third time.

The last test runs a real `manage.py worker` process (tests.servers.JobWorker) and kills it with
SIGKILL while it waits on a receiver that hangs, as a crash or an OOM kill would."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django_tasks_db.models import DBTaskResult

from core import clock as core_clock
from jobs import tick
from jobs.log import read_log
from jobs.worker import run_due_jobs
from outbound.attempts import RETRY_AFTER
from tests.planning.helpers import add_item
from tests.servers import JobWorker
from webhooks.models import Delivery, Endpoint
from webhooks.sending import SEND_LEASE, send_due

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_job_that_finds_the_endpoint_taken_leaves_it_to_the_holder(hooks, receiver, workshop, leader, clock):
    hook = hooks.create(receiver)
    add_item(workshop, leader, title="One")
    DBTaskResult.objects.all().delete()
    read_log.call("webhooks", workshop.id, 0)
    Endpoint.objects.filter(pk=hook["id"]).update(sending_until=core_clock.now() + timedelta(seconds=30))
    assert send_due.call(hook["id"]) == 0
    assert receiver.requests["/hook"] == 0
    # A holder that died: its lease runs out, and the next job sends.
    clock(seconds=31)
    assert send_due.call(hook["id"]) == 1
    assert [each["body"]["type"] for each in receiver.received["/hook"]] == ["item.added"]
    assert Endpoint.objects.get(pk=hook["id"]).sending_until is None


def test_reading_a_busy_room_queues_one_send_per_endpoint_while_one_waits(hooks, receiver, workshop, leader):
    hook = hooks.create(receiver)
    for number in range(3):
        add_item(workshop, leader, title=f"Item {number}")
        read_log.call("webhooks", workshop.id, 0)
    waiting = DBTaskResult.objects.filter(task_path=send_due.module_path, status="READY")
    assert [row["args"] for row in waiting.values_list("args_kwargs", flat=True)] == [[hook["id"]]]
    run_due_jobs()
    assert len(receiver.received["/hook"]) == 3


def test_a_receiver_that_does_not_answer_rests_until_the_retry(hooks, receiver, workshop, leader, settings, clock):
    settings.WEBHOOKS_TIMEOUT_SECONDS = 0.3
    hook = hooks.create(receiver)
    receiver.script["/hook"] = ["hang", 200]
    add_item(workshop, leader, title="One")
    run_due_jobs()
    assert receiver.requests["/hook"] == 1
    add_item(workshop, leader, title="Two")
    add_item(workshop, leader, title="Three")
    run_due_jobs()
    tick.run_periodic()
    run_due_jobs()
    assert receiver.requests["/hook"] == 1, "a resting endpoint is not sent to before its retry"
    clock(seconds=RETRY_AFTER[0].total_seconds() * 1.11)
    tick.run_periodic()
    run_due_jobs()
    assert [each["body"]["data"]["event"]["item"]["title"] for each in receiver.received["/hook"]] == [
        "One",
        "Two",
        "Three",
    ]
    assert Endpoint.objects.get(pk=hook["id"]).resting_until is None


def test_a_worker_killed_mid_send_leaves_the_delivery_to_be_sent_again_once(hooks, receiver, workshop, leader, clock):
    hook = hooks.create(receiver)
    receiver.script["/hook"] = ["hang", 200]
    add_item(workshop, leader, title="One")
    worker = JobWorker({"WEBHOOKS_ALLOW_HTTP": "1", "WEBHOOKS_ALLOW_PRIVATE": "1"}, threads=1)
    with worker:
        deadline = time.monotonic() + 20
        while receiver.requests["/hook"] < 1:
            assert time.monotonic() < deadline, f"the worker never sent; it said:\n{worker.output()}"
            time.sleep(0.05)
        worker.kill()
    (delivery,) = Delivery.objects.filter(endpoint_id=hook["id"])
    # The dead worker still holds the endpoint; the attempt it was making was never recorded.
    assert (delivery.status, delivery.attempts) == ("pending", 0)
    assert Endpoint.objects.get(pk=hook["id"]).sending_until is not None
    # Before the lease runs out nothing sends it again: the dead worker might still be sending.
    tick.run_periodic()
    run_due_jobs()
    assert receiver.requests["/hook"] == 1
    clock(seconds=(SEND_LEASE + timedelta(seconds=1)).total_seconds())
    tick.run_periodic()
    run_due_jobs()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("delivered", 1)
    assert receiver.ids["/hook"] == [delivery.message_id, delivery.message_id]
    assert len(receiver.received["/hook"]) == 1
    # Nothing sends it a third time: not the tick, not a stray job, not a second worker.
    clock(hours=11)
    tick.run_periodic()
    send_due.enqueue(hook["id"])
    run_due_jobs()
    with JobWorker({"WEBHOOKS_ALLOW_HTTP": "1", "WEBHOOKS_ALLOW_PRIVATE": "1"}, threads=2):
        time.sleep(2)
    assert receiver.requests["/hook"] == 2


def test_two_workers_never_send_one_delivery_twice(hooks, receiver, workshop, leader):
    hook = hooks.create(receiver)
    for number in range(30):
        add_item(workshop, leader, title=f"Item {number}")
    env = {"WEBHOOKS_ALLOW_HTTP": "1", "WEBHOOKS_ALLOW_PRIVATE": "1"}
    with JobWorker(env, threads=3), JobWorker(env, threads=3):
        deadline = time.monotonic() + 30
        while len(receiver.received["/hook"]) < 30 and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1)
    ids = receiver.ids["/hook"]
    assert len(ids) == 30
    assert len(set(ids)) == 30
    assert Delivery.objects.filter(endpoint_id=hook["id"], status="delivered").count() == 30
