"""Sending (protocol §9): a job per mail, retried when the server is down, never sent twice; the
one-click unsubscribe of RFC 8058; the kinds a member chooses on their page; EMAIL_URL."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from django.test import Client

from jobs import tick
from jobs.log import read_log
from mail.models import Mail, Stop
from mail.sending import send_mail
from outbound.attempts import Status
from tests.mail.conftest import at, browser_of, confirmed, drain, later, parts
from tests.planning.helpers import add_item, agree, send

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def plan(workshop, leader, member):
    """Mia owns an item and has a confirmed address; the plan is not agreed yet."""
    confirmed(member, "mia@example.org")
    return add_item(workshop, member, title="Write the welcome mail")


def test_a_mail_is_retried_when_the_server_is_down_and_sent_once_it_is_back(smtp, workshop, leader, member, plan):
    smtp.stop()
    agree(workshop, leader, {plan: member})
    drain()
    row = Mail.objects.get(kind="commitments")
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert row.last_error
    first_id = row.message_id
    drain()  # not due yet: nothing is tried
    assert Mail.objects.get(pk=row.pk).attempts == 1
    smtp.start()
    with at(later(seconds=10)):
        drain()
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_status_code) == (Status.DELIVERED, 2, 250)
    (message,) = smtp.to("mia@example.org")
    assert message["Message-ID"] == first_id
    with at(later(hours=30)):
        tick.run_periodic()
        drain()
    assert len(smtp.received) == 1


def test_two_jobs_for_one_mail_send_it_once(smtp, workshop, leader, member, plan):
    agree(workshop, leader, {plan: member})
    read_log.call("mail", workshop.id, 0)
    row_id = Mail.objects.get(kind="commitments").pk
    for _ in range(3):
        send_mail.enqueue(row_id)
    drain()
    drain()
    assert len(smtp.to("mia@example.org")) == 1
    assert send_mail.call(row_id) == "not due"
    with at(later(minutes=5)):
        tick.run_periodic()  # the sweep finds nothing lost
        drain()
    assert len(smtp.to("mia@example.org")) == 1


def test_a_worker_holding_the_lease_keeps_another_off(smtp, workshop, leader, member, plan):
    from outbound.attempts import claim

    agree(workshop, leader, {plan: member})
    read_log.call("mail", workshop.id, 0)
    row_id = Mail.objects.get(kind="commitments").pk
    assert claim(Mail, row_id)  # a worker that died mid-send
    drain()
    assert smtp.received == []
    with at(later(minutes=3)):  # the lease ran out: the tick's sweep queues it again
        tick.run_periodic()
        drain()
    assert len(smtp.to("mia@example.org")) == 1


def test_a_one_click_post_without_signing_in_stops_exactly_that_kind(smtp, workshop, leader, member, plan, join):
    helper = join(name="Hal")
    confirmed(helper, "hal@example.org")
    other = add_item(workshop, leader, title="Book the room")
    agree(workshop, leader, {plan: member, other: leader})
    send(workshop, member, "item.progress", item=plan, state="blocked", note="Stuck")
    drain()
    (commitments,) = smtp.to("mia@example.org")
    (rally,) = smtp.to("hal@example.org")
    url = rally["List-Unsubscribe"].strip()[1:-1]
    path = url.removeprefix("https://rallypoint.example.org")
    assert url.startswith("https://")
    assert path in parts(rally)[0]
    assert path in parts(rally)[1]
    assert Client().get(path).status_code == 200
    assert not Stop.objects.exists(), "a GET stops nothing"
    client = Client(enforce_csrf_checks=True)
    response = client.post(path, "List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 200
    assert list(Stop.objects.values_list("member_id", "kind")) == [(helper.id, "rally")]
    assert client.post(path).status_code == 200  # again: still stopped, once
    assert Stop.objects.count() == 1
    send(workshop, member, "item.progress", item=plan, state="on_track")
    send(workshop, member, "item.progress", item=plan, state="blocked", note="Stuck again")
    drain()
    assert len(smtp.to("hal@example.org")) == 1
    # Mia's commitments link stops her commitments, not her reminders.
    own = commitments["List-Unsubscribe"].strip()[1:-1].removeprefix("https://rallypoint.example.org")
    Client().post(own)
    assert set(Stop.objects.filter(member=member).values_list("kind", flat=True)) == {"commitments"}
    assert Client().post("/mail/unsubscribe/forged:token/").status_code == 404


def test_the_mine_page_chooses_the_kinds(smtp, workshop, leader, member, plan, join):
    helper = join(name="Hal")
    confirmed(helper, "hal@example.org")
    browser = browser_of(helper)
    page = browser.get(f"/w/{workshop.id}/mine/").content.decode()
    for kind in ("commitments", "reminders", "rally"):
        assert f'value="{kind}" checked' in page
    assert 'value="digest"' not in page, "a member gets no digest, so is not offered one"
    response = browser.post(f"/w/{workshop.id}/mine/mail/", {"action": "kinds", "kinds": ["commitments", "reminders"]})
    assert response.status_code == 303
    assert response["Location"] == f"/w/{workshop.id}/mine/"
    page = browser.get(f"/w/{workshop.id}/mine/").content.decode()
    assert 'value="rally">' in page
    assert 'value="rally" checked' not in page
    agree(workshop, leader, {plan: member})
    send(workshop, member, "item.progress", item=plan, state="blocked")
    drain()
    assert smtp.to("hal@example.org") == []
    browser.post(f"/w/{workshop.id}/mine/mail/", {"action": "kinds", "kinds": ["rally"]})
    send(workshop, member, "item.progress", item=plan, state="on_track")
    send(workshop, member, "item.progress", item=plan, state="blocked")
    drain()
    assert len(smtp.to("hal@example.org")) == 1
    assert Client().post(f"/w/{workshop.id}/mine/mail/", {"action": "kinds"}).status_code == 404


def test_a_kind_stopped_after_the_mail_was_made_is_not_sent(smtp, workshop, leader, member, plan):
    smtp.stop()
    agree(workshop, leader, {plan: member})
    drain()
    Stop.objects.create(member=member, kind="commitments")
    smtp.start()
    with at(later(seconds=10)):
        drain()
    assert smtp.received == []
    assert Mail.objects.get().status == Status.FAILED


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp+tls://user:pass@mail.example.org:587",
            {"EMAIL_HOST": "mail.example.org", "EMAIL_PORT": 587, "EMAIL_USE_TLS": True, "EMAIL_HOST_USER": "user"},
        ),
        (
            "smtps://mail.example.org:465",
            {"EMAIL_HOST": "mail.example.org", "EMAIL_PORT": 465, "EMAIL_USE_SSL": True, "EMAIL_USE_TLS": False},
        ),
        ("smtp://relay:25", {"EMAIL_HOST": "relay", "EMAIL_PORT": 25, "EMAIL_USE_TLS": False, "EMAIL_USE_SSL": False}),
        ("console://", {"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}),
    ],
)
def test_email_url_configures_the_backend(url, expected):
    """The settings module as a process started with EMAIL_URL sees it."""
    names = sorted(expected)
    script = f"import json, workshop.settings as s; print(json.dumps({{k: getattr(s, k, False) for k in {names!r}}}))"
    env = {**os.environ, "EMAIL_URL": url, "SECRET_KEY": "x" * 50}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    command = [sys.executable, "-c", script]
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)  # noqa: S603 (our own script)
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == expected
    if url != "console://":
        assert found.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend").endswith("smtp.EmailBackend")


def test_two_workers_racing_for_one_mail_send_it_once(smtp, workshop, leader, member, plan):
    import threading

    from django.db import connection

    agree(workshop, leader, {plan: member})
    read_log.call("mail", workshop.id, 0)
    row_id = Mail.objects.get(kind="commitments").pk
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def work() -> None:
        try:
            start.wait()
            outcomes.append(send_mail.call(row_id))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["not due", "not due", "not due", "sent"]
    assert len(smtp.to("mia@example.org")) == 1


def test_a_worker_killed_while_the_mail_server_holds_the_message_leaves_it_to_be_sent_once(
    smtp, workshop, leader, member, plan
):
    """A real `manage.py worker` is killed (SIGKILL) mid-send, while the SMTP server sits on the
    message: the server never accepted it, the lease runs out, and it is sent once, with the
    same Message-ID; nothing sends it again."""
    import asyncio
    import threading
    import time

    from tests.servers import JobWorker

    holding = threading.Event()
    collect = smtp.collector.handle_DATA

    async def hold_the_first(server, session, envelope):
        if not holding.is_set():
            holding.set()
            await asyncio.sleep(30)
            return "451 Try again later"
        return await collect(server, session, envelope)

    smtp.collector.handle_DATA = hold_the_first
    agree(workshop, leader, {plan: member})
    read_log.call("mail", workshop.id, 0)
    row = Mail.objects.get(kind="commitments")
    with JobWorker(
        {"EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}", "SITE_URL": "https://rallypoint.example.org"}
    ) as worker:
        assert holding.wait(20), f"the worker never reached the mail server; it said:\n{worker.output()}"
        worker.kill()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.PENDING, 1)
    assert smtp.received == []
    with at(later(minutes=3)):
        tick.run_periodic()
        drain()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.DELIVERED, 2)
    (message,) = smtp.to("mia@example.org")
    assert message["Message-ID"] == row.message_id
    with at(later(days=2)):
        tick.run_periodic()
        drain()
    time.sleep(0.2)
    assert len(smtp.received) == 1
