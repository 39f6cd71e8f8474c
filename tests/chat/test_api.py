"""`GET,POST /api/w/<id>/chat`, `DELETE …/chat/<cid>`, `POST …/chat/<cid>/test` (protocol §9) and
`GET …/chat/<cid>/posts` (docs/integrations.md): rooms are added, listed and removed by
facilitators; a refusal names its field and stores nothing; the URL is a secret, stored sealed and
never shown back."""

from __future__ import annotations

import ipaddress

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from chat.models import ChatPost, ChatRoom
from chat.sending import send_room
from core import clock
from jobs.worker import run_due_jobs
from live.models import LogCursor
from outbound import guard
from tests.chat.conftest import add_room

SLACK_URL = "https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/abcdefghijklmnopqrstWXYZ"


def fake_dns(host: str, port: int) -> list[str]:
    """An address is itself, `intranet` is a private one, and any other name a public one."""
    try:
        return [str(ipaddress.ip_address(host))]
    except ValueError:
        return ["10.1.2.3"] if host == "intranet" else ["93.184.216.34"]


@pytest.fixture
def public_dns(monkeypatch):
    """Names resolve without asking real DNS."""
    monkeypatch.setattr(guard, "resolver", fake_dns)


pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("public_dns")]


def test_a_facilitator_adds_lists_and_removes_a_room(workshop, leader_client):
    created = add_room(leader_client, workshop, "slack", SLACK_URL, events=["step", "blocked"])
    assert set(created) == {"id", "kind", "events", "url_hint"}
    assert created["kind"] == "slack"
    assert created["events"] == ["blocked", "step"]
    assert created["url_hint"] == "hooks.slack.com…WXYZ"
    listed = leader_client.get(f"/api/w/{workshop.id}/chat")
    assert listed.status_code == 200
    assert listed.json() == {"chat": [created]}
    assert LogCursor.objects.filter(reader="chat", workshop=workshop).exists()

    removed = leader_client.delete(f"/api/w/{workshop.id}/chat/{created['id']}")
    assert removed.status_code == 204
    assert leader_client.get(f"/api/w/{workshop.id}/chat").json() == {"chat": []}
    # The last room gone, the reader stops reading this workshop.
    assert not LogCursor.objects.filter(reader="chat", workshop=workshop).exists()
    assert leader_client.delete(f"/api/w/{workshop.id}/chat/{created['id']}").status_code == 404


def test_events_default_to_all_four(workshop, leader_client):
    created = add_room(leader_client, workshop, "teams", "https://example.webhook.office.com/workflows/abc/1234")
    assert created["events"] == ["agreed", "blocked", "checkin", "step"]


def test_the_url_is_never_shown_back_nor_stored_plain(workshop, leader_client):
    created = add_room(leader_client, workshop, "slack", SLACK_URL)
    secret = "abcdefghijklmnopqrst"
    for response in (leader_client.get(f"/api/w/{workshop.id}/chat"),):
        assert secret not in response.content.decode()
    assert secret not in str(created)
    with connection.cursor() as cursor:
        cursor.execute("SELECT url_sealed, url_hint FROM chat_chatroom WHERE id = %s", [created["id"]])
        sealed, hint = cursor.fetchone()
    assert secret not in sealed
    assert "hooks.slack.com" not in sealed
    assert secret not in hint


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"kind": "irc", "url": SLACK_URL}, "kind", "invalid"),
        ({"kind": 3, "url": SLACK_URL}, "kind", "bad_request"),
        ({"url": SLACK_URL}, "kind", "bad_request"),
        ({"kind": "slack"}, "url", "bad_request"),
        ({"kind": "slack", "url": "http://hooks.slack.com/services/x"}, "url", "invalid"),
        ({"kind": "slack", "url": "https://intranet/hooks/x"}, "url", "invalid"),
        ({"kind": "slack", "url": "https://10.0.0.5/hooks/x"}, "url", "invalid"),
        ({"kind": "slack", "url": "https://169.254.169.254/latest"}, "url", "invalid"),
        ({"kind": "slack", "url": "not a url"}, "url", "invalid"),
        ({"kind": "slack", "url": SLACK_URL, "events": ["agreed", "lunch"]}, "events", "invalid"),
        ({"kind": "slack", "url": SLACK_URL, "events": []}, "events", "invalid"),
        ({"kind": "slack", "url": SLACK_URL, "events": "agreed"}, "events", "bad_request"),
        ({"kind": "slack", "url": SLACK_URL, "channel": "#general"}, "channel", "bad_request"),
    ],
)
def test_a_refusal_names_its_field_and_stores_nothing(workshop, leader_client, body, field, code):
    response = leader_client.post(f"/api/w/{workshop.id}/chat", body, content_type="application/json")
    assert response.status_code == 400
    error = response.json()
    assert set(error) == {"code", "message", "detail"}
    assert error["code"] == code
    assert error["detail"]["field"] == field
    assert not ChatRoom.objects.exists()
    assert not LogCursor.objects.filter(reader="chat").exists()


def test_a_body_that_is_no_object_is_refused(workshop, leader_client):
    response = leader_client.post(f"/api/w/{workshop.id}/chat", "[1]", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_members_are_refused_and_outsiders_told_nothing(workshop, guest):
    member_client, _ = guest()
    assert member_client.get(f"/api/w/{workshop.id}/chat").status_code == 403
    refused = member_client.post(
        f"/api/w/{workshop.id}/chat", {"kind": "slack", "url": SLACK_URL}, content_type="application/json"
    )
    assert refused.status_code == 403
    assert not ChatRoom.objects.exists()


def test_another_workshops_room_is_not_found(workshop, other_workshop, leader_client):
    created = add_room(leader_client, workshop, "slack", SLACK_URL)
    room = ChatRoom.objects.get(pk=created["id"])
    ChatRoom.objects.filter(pk=room.pk).update(workshop=other_workshop)
    assert leader_client.delete(f"/api/w/{workshop.id}/chat/{room.pk}").status_code == 404
    assert leader_client.post(f"/api/w/{workshop.id}/chat/{room.pk}/test").status_code == 404
    assert leader_client.get(f"/api/w/{workshop.id}/chat/{room.pk}/posts").status_code == 404
    assert leader_client.delete(f"/api/w/{workshop.id}/chat/not-a-number").status_code == 404


def test_send_a_test_queues_one_post(workshop, leader_client, django_capture_on_commit_callbacks):
    created = add_room(leader_client, workshop, "discord", "https://discord.com/api/webhooks/1/abcd")
    with django_capture_on_commit_callbacks(execute=True):
        answer = leader_client.post(f"/api/w/{workshop.id}/chat/{created['id']}/test")
    assert answer.status_code == 202
    assert answer.json()["status"] == "pending"
    post = ChatPost.objects.get()
    assert post.reason.startswith("test:")
    assert post.payload["allowed_mentions"] == {"parse": []}
    assert DBTaskResult.objects.filter(task_path=send_room.module_path).count() == 1
    # Asked again while it waits: the same post, not a second one.
    again = leader_client.post(f"/api/w/{workshop.id}/chat/{created['id']}/test")
    assert again.json()["id"] == post.id
    assert ChatPost.objects.count() == 1


def test_a_workshop_posts_to_at_most_ten_rooms(workshop, leader_client):
    for n in range(10):
        add_room(leader_client, workshop, "slack", f"{SLACK_URL}{n}")
    refused = leader_client.post(
        f"/api/w/{workshop.id}/chat", {"kind": "slack", "url": SLACK_URL}, content_type="application/json"
    )
    assert refused.status_code == 409
    assert ChatRoom.objects.count() == 10


def test_answers_validate_against_the_openapi_description(workshop, leader_client):
    from tests.workshop.test_openapi import check

    rooms = "/api/w/{workshop_id}/chat"
    created = leader_client.post(
        f"/api/w/{workshop.id}/chat", {"kind": "teams", "url": SLACK_URL}, content_type="application/json"
    )
    room = check(created, rooms, "post")
    check(leader_client.get(f"/api/w/{workshop.id}/chat"), rooms)
    refused = leader_client.post(f"/api/w/{workshop.id}/chat", {"kind": "irc"}, content_type="application/json")
    check(refused, rooms, "post")
    tested = leader_client.post(f"/api/w/{workshop.id}/chat/{room['id']}/test")
    check(tested, rooms + "/{room_id}/test", "post")
    missing = leader_client.delete(f"/api/w/{workshop.id}/chat/999999")
    check(missing, rooms + "/{room_id}", "delete")
    check(leader_client.get(f"/api/w/{workshop.id}/chat/{room['id']}/posts"), rooms + "/{room_id}/posts")
    check(leader_client.get(f"/api/w/{workshop.id}/chat/999999/posts"), rooms + "/{room_id}/posts")


@pytest.mark.django_db(transaction=True)
def test_the_posts_list_says_whether_a_test_message_arrived(workshop, leader_client, receivers):
    """What the settings page shows under a room: its test message delivered, or waiting for a
    retry with the service's answer, newest first, and never the text the channel got."""
    got = receivers["slack"]
    created = add_room(leader_client, workshop, "slack", got.url)
    posts = f"/api/w/{workshop.id}/chat/{created['id']}/posts"
    assert leader_client.get(posts).json() == {"posts": []}

    got.answers[:] = [503]
    leader_client.post(f"/api/w/{workshop.id}/chat/{created['id']}/test")
    run_due_jobs()
    (waiting,) = leader_client.get(posts).json()["posts"]
    assert (waiting["about"], waiting["status"], waiting["attempts"], waiting["last_status_code"]) == (
        "test",
        "pending",
        1,
        503,
    )
    assert waiting["next_attempt_at"] is not None
    assert waiting["delivered_at"] is None

    ChatPost.objects.update(next_attempt_at=clock.now())  # its retry's time has come
    send_room.enqueue(created["id"])
    run_due_jobs()
    (delivered,) = leader_client.get(posts).json()["posts"]
    assert (delivered["id"], delivered["status"], delivered["attempts"], delivered["last_status_code"]) == (
        waiting["id"],
        "delivered",
        2,
        200,
    )
    assert delivered["next_attempt_at"] is None
    assert set(delivered) == {
        "id",
        "about",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
        "delivered_at",
        "next_attempt_at",
    }
    assert len(got.received) == 2
