import pytest
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore

from goals.members import GUEST_KEY
from workshop.asgi import application


def cookie_for(member):
    session = SessionStore()
    session[GUEST_KEY] = member.guest_key
    session.create()
    return (b"cookie", f"{settings.SESSION_COOKIE_NAME}={session.session_key}".encode())


@pytest.mark.django_db(transaction=True)
async def test_connect_snapshot_op_ack_event(workshop, member, leader):
    from asgiref.sync import sync_to_async
    headers = [await sync_to_async(cookie_for)(member), (b"origin", b"http://localhost")]
    ws = WebsocketCommunicator(application, f"/ws/w/{workshop.id}/", headers=headers)
    connected, _ = await ws.connect()
    assert connected
    snap = await ws.receive_json_from()
    assert snap["type"] == "snapshot"
    presence = await ws.receive_json_from()
    assert presence == {"type": "presence", "online": [member.id]}
    lane = snap["lanes"][0]["id"]
    await ws.send_json_to({"op": "item.add", "ref": "a1", "lane": lane, "title": "Hello"})
    got = [await ws.receive_json_from(), await ws.receive_json_from()]
    types = sorted(f["type"] for f in got)
    assert types == ["ack", "event"]
    await ws.disconnect()
