"""What reaches a team's chat (protocol §9): the plan agreed, an item blocked, a check-in and the
agenda step that starts, each as one post per room subscribed to it, in the room's own format,
sent by a job to a real HTTP receiver that checks the payload as its service would."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from unittest import mock

import pytest
from django_tasks_db.models import DBTaskResult

from chat.models import ChatPost
from core import clock
from jobs import tick
from jobs.worker import run_due_jobs
from outbound.attempts import ATTEMPTS_MAX, Status
from tests.chat.conftest import KINDS, add_room
from tests.planning.helpers import add_item, agree, send

pytestmark = pytest.mark.django_db(transaction=True)

AGENDA = [
    {"title": "Warm up", "phase": "gather", "minutes": 5, "instructions": "Say hello, then one hope each."},
    {"title": "Pick the plan", "phase": "plan", "minutes": None, "instructions": ""},
]


def texts(value):
    """Every string in a payload."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for each in value.values():
            yield from texts(each)
    elif isinstance(value, list):
        for each in value:
            yield from texts(each)


def said(body) -> str:
    """What a payload says to a reader: its strings, markdown escapes and invisible joiners taken out."""
    return re.sub(r"\\(.)", r"\1", "\n".join(texts(body))).replace("\u2060", "")


@pytest.fixture
def rooms(workshop, leader_client, receivers):
    """One room of each service on the workshop, hearing of everything."""
    return {kind: add_room(leader_client, workshop, kind, receivers[kind].url) for kind in KINDS}


def test_each_event_posts_once_to_every_room_in_its_own_format(workshop, leader, member, rooms, receivers):
    send(workshop, leader, "agenda.set", agenda=AGENDA)
    send(workshop, leader, "agenda.step", index=0)
    first = add_item(workshop, member, title="Guided start", due="2026-12-05")
    second = add_item(workshop, leader, title="Halve the tickets")
    agree(workshop, leader, {first: member, second: leader})
    send(workshop, member, "item.progress", item=first, state="blocked", note="Waiting on legal")
    send(workshop, leader, "checkin.record", note="Week one")
    run_due_jobs()

    for kind, got in receivers.items():
        assert got.problems == [[]] * 4, (kind, got.problems)
        step, agreed, blocked, checkin = (said(body) for body in got.received)
        board = f"https://rallypoint.example.org/w/{workshop.id}/"
        expected = {
            step: ["Warm up", "Say hello, then one hope each", "5 min", "Pick the plan"],
            agreed: ["Plan v1 agreed", "Guided start", "Halve the tickets", "Mia", "5 Dec 2026", board],
            blocked: ["Blocked", "Guided start", "Mia", "Waiting on legal", f"{board}mine/"],
            checkin: ["Check-in #1", "Week one"],
        }
        for text, needles in expected.items():
            for needle in needles:
                assert needle in text, (kind, needle)
    assert ChatPost.objects.filter(status=Status.DELIVERED).count() == 16
    # Read again (a duplicate job, a second worker): nothing is posted twice.
    from jobs.log import read_log

    read_log.enqueue("chat", workshop.id, 0)
    run_due_jobs()
    assert sum(len(got.received) for got in receivers.values()) == 16


def test_the_check_in_counts_every_state(workshop, leader, member, rooms, receivers):
    items = [add_item(workshop, member, title=f"Item {n}") for n in range(3)]
    agree(workshop, leader, dict.fromkeys(items, member))
    send(workshop, member, "item.progress", item=items[0], state="done")
    send(workshop, member, "item.progress", item=items[1], state="at_risk")
    for got in receivers.values():
        got.received.clear()
        got.problems.clear()
    run_due_jobs()
    for got in receivers.values():
        got.received.clear()
        got.problems.clear()
    send(workshop, leader, "checkin.record")
    run_due_jobs()
    card = receivers["teams"].received[0]["attachments"][0]["content"]
    (facts,) = [element["facts"] for element in card["body"] if element["type"] == "FactSet"]
    assert {fact["title"]: fact["value"] for fact in facts} == {
        "On track": "0",
        "At risk": "1",
        "Blocked": "0",
        "Done": "1",
        "No report yet": "1",
    }
    slack = said(receivers["slack"].received[0])
    assert "No report yet" in slack


def test_rooms_hear_only_what_they_subscribed_to(workshop, leader, member, leader_client, receivers):
    blocked_only = add_room(leader_client, workshop, "slack", receivers["slack"].url, events=["blocked"])
    add_room(leader_client, workshop, "discord", receivers["discord"].url, events=["agreed", "checkin"])
    item = add_item(workshop, member, title="Guided start")
    agree(workshop, leader, {item: member})
    send(workshop, member, "item.progress", item=item, state="blocked")
    send(workshop, leader, "checkin.record")
    run_due_jobs()
    assert [post.reason for post in ChatPost.objects.filter(room_id=blocked_only["id"])] == [
        f"blocked:item{item}@seq{workshop.__class__.objects.get(pk=workshop.pk).seq - 1}"
    ]
    assert len(receivers["slack"].received) == 1
    assert [body["content"].split("**")[1] for body in receivers["discord"].received] == [
        "Plan v1 agreed:",
        "Check-in #1:",
    ]


def test_a_block_reported_again_is_no_news(workshop, leader, member, rooms, receivers):
    item = add_item(workshop, member, title="Guided start")
    agree(workshop, leader, {item: member})
    send(workshop, member, "item.progress", item=item, state="blocked", note="Legal")
    send(workshop, member, "item.progress", item=item, state="blocked", note="Still legal")
    send(workshop, leader, "item.progress", item=item, state="at_risk")
    send(workshop, member, "item.progress", item=item, state="blocked", note="Legal again")
    run_due_jobs()
    reasons = sorted(ChatPost.objects.filter(room_id=rooms["slack"]["id"]).values_list("reason", flat=True))
    assert len([reason for reason in reasons if reason.startswith("blocked:")]) == 2
    notes = [said(body) for body in receivers["mattermost"].received if "Blocked" in said(body)]
    assert ["Still legal" in note for note in notes] == [False, False]
    assert ["Legal again" in note for note in notes] == [False, True]


def test_a_room_hears_nothing_from_before_it_was_added(workshop, leader, member, leader_client, receivers):
    item = add_item(workshop, member, title="Guided start")
    agree(workshop, leader, {item: member})
    add_room(leader_client, workshop, "slack", receivers["slack"].url)
    send(workshop, member, "item.progress", item=item, state="blocked")
    run_due_jobs()
    assert [said(body).count("Plan v1 agreed") for body in receivers["slack"].received] == [0]


def agree_then_block(workshop, leader, member) -> tuple[datetime, list[ChatPost]]:
    """Two posts at one moment, the plan agreed then an item blocked, after the jobs' first try:
    that moment and the posts, in order."""
    item = add_item(workshop, member, title="Guided start")
    start = clock.now()
    with mock.patch("core.clock.now", return_value=start):
        agree(workshop, leader, {item: member})
        send(workshop, member, "item.progress", item=item, state="blocked")
        run_due_jobs()
    return start, list(ChatPost.objects.order_by("id"))


def test_a_failed_post_is_retried_on_the_webhooks_schedule_and_keeps_its_place(
    workshop, leader, member, leader_client, receivers
):
    got = receivers["slack"]
    add_room(leader_client, workshop, "slack", got.url)
    got.answers[:] = [503]
    start, (first, second) = agree_then_block(workshop, leader, member)
    assert (first.status, first.attempts, first.last_status_code) == (Status.PENDING, 1, 503)
    assert timedelta(seconds=4) <= first.next_attempt_at - start <= timedelta(seconds=6)
    # The post behind waits for it, so that the channel reads them in order.
    assert (second.attempts, second.next_attempt_at) == (0, first.next_attempt_at)
    assert len(got.received) == 1

    with mock.patch("core.clock.now", return_value=start + timedelta(seconds=3)):
        run_due_jobs()
    assert len(got.received) == 1, "not before its time"
    with mock.patch("core.clock.now", return_value=start + timedelta(seconds=7)):
        run_due_jobs()
    assert [said(body).split("\n")[0] for body in got.received[1:]] == [
        "Plan v1 agreed: " + workshop.title,
        "Blocked: Guided start",
    ]
    assert set(ChatPost.objects.values_list("status", flat=True)) == {Status.DELIVERED}
    # Delivered is delivered: another job sends nothing.
    with mock.patch("core.clock.now", return_value=start + timedelta(hours=1)):
        tick.run_periodic()
        run_due_jobs()
    assert len(got.received) == 3


def test_a_service_that_limits_posts_is_posted_to_again_when_it_says(
    workshop, leader, member, leader_client, receivers
):
    """Slack answers a channel that gets too many posts 429 with Retry-After: its posts wait that long."""
    got = receivers["slack"]
    add_room(leader_client, workshop, "slack", got.url)
    got.answers[:] = [429]
    got.retry_after = "30"
    start, (first, second) = agree_then_block(workshop, leader, member)
    assert (first.status, first.last_status_code, first.next_attempt_at) == (
        Status.PENDING,
        429,
        start + timedelta(seconds=30),
    )
    assert second.next_attempt_at == first.next_attempt_at, "the post behind keeps its place"
    with mock.patch("core.clock.now", return_value=start + timedelta(seconds=10)):
        run_due_jobs()
    assert len(got.received) == 1, "not before the service said"
    with mock.patch("core.clock.now", return_value=start + timedelta(seconds=31)):
        run_due_jobs()
    assert len(got.received) == 3
    assert set(ChatPost.objects.values_list("status", flat=True)) == {Status.DELIVERED}


def test_a_service_that_never_answers_well_fails_the_post_after_the_last_retry(
    workshop, leader, member, leader_client, receivers
):
    got = receivers["teams"]
    add_room(leader_client, workshop, "teams", got.url, events=["checkin"])
    got.answers[:] = [500] * 20
    item = add_item(workshop, member, title="Guided start")
    agree(workshop, leader, {item: member})
    now = clock.now()
    with mock.patch("core.clock.now", side_effect=lambda: now):
        send(workshop, leader, "checkin.record")
        run_due_jobs()
        for _ in range(ATTEMPTS_MAX + 2):
            now += timedelta(hours=11)
            run_due_jobs()
    post = ChatPost.objects.get()
    assert (post.status, post.attempts, post.next_attempt_at) == (Status.FAILED, ATTEMPTS_MAX, None)
    assert len(got.received) == ATTEMPTS_MAX


def test_the_tick_sends_what_a_lost_job_left(workshop, leader, member, leader_client, receivers):
    add_room(leader_client, workshop, "mattermost", receivers["mattermost"].url)
    item = add_item(workshop, member, title="Guided start")
    agree(workshop, leader, {item: member})
    from jobs.log import read_log

    # The read ran and made the post, but the process died before the send job ran.
    DBTaskResult.objects.all().delete()
    read_log.call("chat", workshop.id, 0)
    DBTaskResult.objects.all().delete()
    assert ChatPost.objects.filter(status=Status.PENDING).count() == 1
    assert receivers["mattermost"].received == []
    tick.run_periodic()
    run_due_jobs()
    assert receivers["mattermost"].received == [], "a post just made is its own job's, for a while"
    with mock.patch("core.clock.now", return_value=clock.now() + timedelta(minutes=2)):
        tick.run_periodic()
        run_due_jobs()
    assert len(receivers["mattermost"].received) == 1


HOSTILE = "<!channel> @everyone @here <script>alert(1)</script> *bold* _it_ ~s~ `code` [x](https://evil.example) # h"


def test_typed_text_reads_as_typed_and_pings_nobody(workshop, leader, member, rooms, receivers):
    item = add_item(workshop, member, title=HOSTILE)
    agree(workshop, leader, {item: member})
    send(workshop, member, "item.progress", item=item, state="blocked", note=HOSTILE)
    run_due_jobs()
    for got in receivers.values():
        assert got.problems == [[], []]
    slack = receivers["slack"].received[1]
    assert "<!channel>" not in slack["text"]
    assert "&lt;!channel&gt;" in slack["text"]
    for block in slack["blocks"]:
        for text in [block.get("text"), *block.get("fields", []), *block.get("elements", [])]:
            if text and HOSTILE in text["text"]:
                assert text["type"] == "plain_text"
                assert text["emoji"] is False
            if text and text["type"] == "mrkdwn":
                assert "channel" not in text["text"]
                assert "*bold*" not in text["text"]
    assert any(HOSTILE in (block.get("text") or {}).get("text", "") for block in slack["blocks"])

    mattermost = receivers["mattermost"].received[1]["text"]
    assert "@everyone" not in mattermost
    assert "@here" not in mattermost
    assert "<!channel>" not in mattermost
    assert "*bold*" not in mattermost
    assert "<script>" not in mattermost
    assert HOSTILE in re.sub(r"\\(.)", r"\1", mattermost.replace("\u2060", ""))

    card = receivers["teams"].received[1]["attachments"][0]["content"]

    def elements(items):
        for element in items:
            yield element
            yield from elements(element.get("items", []))

    for element in elements(card["body"]):
        if element["type"] == "TextBlock":
            assert "bold" not in element["text"]
        if element["type"] == "FactSet":
            assert "bold" not in said(element)
    runs = [run["text"] for element in elements(card["body"]) for run in element.get("inlines", [])]
    assert HOSTILE in runs

    discord = receivers["discord"].received[1]
    assert discord["allowed_mentions"] == {"parse": []}
    embed = discord["embeds"][0]
    assert "*bold*" not in embed["title"]
    assert "<!channel>" not in embed["description"]
    assert re.sub(r"\\(.)", r"\1", embed["title"]) == HOSTILE
    assert re.sub(r"\\(.)", r"\1", embed["description"]) == HOSTILE
