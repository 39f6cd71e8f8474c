"""The webhooks API (protocol §9): adding, listing, removing, a ping, the deliveries and a retry;
every refusal is 400 naming its field and stores nothing."""

from __future__ import annotations

import base64

import pytest

from jobs.worker import run_due_jobs
from live.models import LogCursor
from tests.planning.helpers import add_item
from tests.webhooks.conftest import resolving
from tests.workshop.test_openapi import check
from webhooks.events import EVENT_NAMES
from webhooks.models import DESCRIPTION_MAX, Delivery, Endpoint

pytestmark = pytest.mark.django_db(transaction=True)

LIST = "/api/w/{workshop_id}/webhooks"
DELIVERIES = "/api/w/{workshop_id}/webhooks/{hid}/deliveries"


def test_create_list_ping_deliveries_retry_and_delete(hooks, receiver, workshop):
    response = hooks.post(body={"url": receiver.url("/hook"), "events": ["item.added"], "description": "CRM"})
    assert response.status_code == 201
    created = check(response, LIST, "post")
    assert created["secret"].startswith("whsec_")
    assert len(base64.b64decode(created["secret"].removeprefix("whsec_"))) == 32
    assert created["events"] == ["item.added"]
    assert created["active"] is True
    receiver.secrets["/hook"] = created["secret"]
    assert LogCursor.objects.filter(reader="webhooks", workshop=workshop).exists()

    listed = check(hooks.get(), LIST)["webhooks"]
    assert listed == [
        {
            "id": created["id"],
            "url": receiver.url("/hook"),
            "events": ["item.added"],
            "description": "CRM",
            "active": True,
            "deactivated_at": None,
            "created_at": created["created_at"],
        }
    ]
    assert created["secret"] not in hooks.get().content.decode()

    queued = hooks.post(f"/{created['id']}/test")
    assert queued.status_code == 202
    check(queued, "/api/w/{workshop_id}/webhooks/{hid}/test", "post")
    run_due_jobs()
    (ping,) = receiver.received["/hook"]
    assert ping["body"]["type"] == "ping"
    assert ping["body"]["data"]["workshop"]["url"] == f"https://rallypoint.example.org/w/{workshop.id}/"
    (delivery,) = check(hooks.get(f"/{created['id']}/deliveries"), DELIVERIES)["deliveries"]
    assert set(delivery) == {"id", "type", "seq", "status", "attempts", "last_status_code", "next_attempt_at"}
    assert delivery == {
        "id": ping["id"],
        "type": "ping",
        "seq": None,
        "status": "delivered",
        "attempts": 1,
        "last_status_code": 200,
        "next_attempt_at": None,
    }

    refused = hooks.post(f"/{created['id']}/deliveries/{delivery['id']}/retry")
    assert refused.status_code == 409
    assert check(refused, "/api/w/{workshop_id}/webhooks/{hid}/deliveries/{did}/retry", "post")["code"] == "conflict"
    run_due_jobs()
    assert len(receiver.received["/hook"]) == 1

    assert hooks.delete(f"/{created['id']}").status_code == 204
    assert not Endpoint.objects.exists()
    assert not Delivery.objects.exists()
    assert hooks.delete(f"/{created['id']}").status_code == 404


def test_a_failed_delivery_is_sent_again_now_on_retry_with_the_same_id(hooks, receiver, workshop, leader):
    hook = hooks.create(receiver)
    receiver.script["/hook"] = [500, 200]
    add_item(workshop, leader, title="One")
    run_due_jobs()
    (failed,) = hooks.deliveries(hook)
    assert (failed["status"], failed["attempts"], failed["last_status_code"]) == ("pending", 1, 500)

    response = hooks.post(f"/{hook['id']}/deliveries/{failed['id']}/retry")
    assert response.status_code == 202
    run_due_jobs()  # the clock has not moved: sent now, not at the retry's time
    (delivered,) = hooks.deliveries(hook)
    assert (delivered["status"], delivered["attempts"], delivered["last_status_code"]) == ("delivered", 2, 200)
    assert [each["id"] for each in receiver.received["/hook"]] == [failed["id"]]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "https://hooks.example.com/x", "events": ["item.add"]}, "events"),
        ({"url": "https://hooks.example.com/x", "events": []}, "events"),
        ({"url": "https://hooks.example.com/x", "events": "*"}, "events"),
        ({"url": "https://hooks.example.com/x", "events": ["*", "item.added"]}, "events"),
        (
            {"url": "https://hooks.example.com/x", "events": ["*"], "description": "x" * (DESCRIPTION_MAX + 1)},
            "description",
        ),
        ({"url": "https://hooks.example.com/x", "events": ["*"], "description": 5}, "description"),
        ({"url": "https://hooks.example.com/x", "events": ["*"], "secret": "whsec_mine"}, "secret"),
        ({"url": "http://hooks.example.com/x", "events": ["*"]}, "url"),
        ({"url": "https://internal.example.com/x", "events": ["*"]}, "url"),
        ({"url": "https://nowhere.example.com/x", "events": ["*"]}, "url"),
        ({"url": "ftp://hooks.example.com/x", "events": ["*"]}, "url"),
        ({"url": "https://user:pw@hooks.example.com/x", "events": ["*"]}, "url"),
        ({"url": 7, "events": ["*"]}, "url"),
        ({"events": ["*"]}, "url"),
        ({"url": "https://hooks.example.com/x"}, "events"),
    ],
)
def test_refusals_name_their_field_and_store_nothing(hooks, body, field):
    with resolving({"hooks.example.com": ["93.184.216.34"], "internal.example.com": ["10.1.2.3"]}):
        response = hooks.post(body=body)
    assert response.status_code == 400, response.content
    assert response.json()["detail"]["field"] == field
    check(response, LIST, "post")
    assert not Endpoint.objects.exists()
    assert not LogCursor.objects.exists()


def test_a_public_https_url_and_every_event_name_are_accepted(hooks):
    with resolving({"hooks.example.com": ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"]}):
        response = hooks.post(body={"url": "https://hooks.example.com/in?x=1", "events": [*EVENT_NAMES, "ping"]})
    assert response.status_code == 201, response.content
    assert Endpoint.objects.get().events == [*EVENT_NAMES, "ping"]


def test_not_json_and_not_an_object_are_bad_requests(hooks, leader_client, workshop):
    response = leader_client.post(hooks.base, "nope", content_type="application/json")
    assert response.json()["code"] == "bad_request"
    assert hooks.post(body=["*"]).json()["code"] == "bad_request"
    assert not Endpoint.objects.exists()


def test_unknown_webhooks_and_deliveries_are_404(hooks, receiver, workshop, other_workshop_hook):
    hook = hooks.create(receiver)
    for path in ("/999999", "/abc", f"/{other_workshop_hook.pk}"):
        assert hooks.delete(path).status_code == 404
        assert hooks.post(path + "/test").status_code == 404
        assert hooks.get(path + "/deliveries").status_code == 404
    missing = hooks.post(f"/{hook['id']}/deliveries/msg_nope/retry")
    assert missing.status_code == 404
    assert missing.json()["code"] == "not_found"
    assert Endpoint.objects.filter(pk=other_workshop_hook.pk).exists()


def test_a_workshop_holds_at_most_ten_webhooks(hooks, receiver):
    for number in range(10):
        hooks.create(receiver, f"/h{number}")
    response = hooks.post(body={"url": receiver.url("/h10"), "events": ["*"]})
    assert response.status_code == 409
    assert response.json()["code"] == "limit"


def test_the_secret_is_not_stored_in_plain_text(hooks, receiver):
    from django.db import connection

    hook = hooks.create(receiver)
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_sealed FROM webhooks_endpoint")
        (stored,) = cursor.fetchone()
    secret = hook["secret"]
    assert secret not in stored
    assert secret.removeprefix("whsec_") not in stored
    assert base64.b64decode(secret.removeprefix("whsec_")).hex() not in stored


@pytest.fixture
def other_workshop_hook(db, receiver):
    from django.contrib.auth import get_user_model

    from room.workshops import workshop_create

    user = get_user_model().objects.create_user(username="elsewhere", password="a-long-password-1")
    other = workshop_create(user=user, title="Another team", why="", success_criteria=[])
    return Endpoint.objects.create(workshop=other, url=receiver.url("/other"), events=["*"], secret_sealed="x")
