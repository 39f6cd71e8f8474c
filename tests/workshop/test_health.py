"""GET /healthz (protocol §3): 200 when the database and the channel layer answer, 503 otherwise."""

import asyncio
import threading
from unittest import mock

import pytest
from django.db import OperationalError

pytestmark = pytest.mark.django_db


class BrokenLayer:
    """A channel layer whose every call fails, as when Redis is down."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError(f"channel layer down ({name})")

        return fail


class SilentLayer:
    """A channel layer that accepts messages and loses them."""

    async def new_channel(self, prefix="specific."):
        return prefix + "x"

    async def send(self, channel, message):
        return None

    async def receive(self, channel):
        return {"type": "healthz", "token": "not-the-one-sent"}


class HangingLayer:
    """A channel layer that takes messages and never answers (a wedged Redis, a lost message)."""

    async def new_channel(self, prefix="specific."):
        return prefix + "x"

    async def send(self, channel, message):
        return None

    async def receive(self, channel):
        await asyncio.sleep(3600)  # like a read from a wedged Redis: waits until cancelled
        return {"type": "healthz", "token": "too-late"}


# How long a load balancer's probe may reasonably wait for /healthz to say anything.
PROBE_TIMEOUT_SECONDS = 5


def test_healthy(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["ok"] is True


def test_a_failing_database_is_503(client):
    broken = mock.MagicMock()
    broken.cursor.side_effect = OperationalError("database is down")
    with mock.patch("workshop.health.connection", broken):
        response = client.get("/healthz")
    assert broken.cursor.called
    assert response.status_code == 503
    assert response.json()["ok"] is False
    assert client.get("/healthz").status_code == 200


def test_a_failing_channel_layer_is_503(client):
    with mock.patch("workshop.health.get_channel_layer", return_value=BrokenLayer()) as layer:
        response = client.get("/healthz")
    assert layer.called
    assert response.status_code == 503
    assert response.json()["ok"] is False
    assert client.get("/healthz").status_code == 200


def test_a_channel_layer_that_loses_messages_is_503(client):
    with mock.patch("workshop.health.get_channel_layer", return_value=SilentLayer()):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["ok"] is False


def test_no_channel_layer_configured_is_503(client):
    with mock.patch("workshop.health.get_channel_layer", return_value=None):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["ok"] is False


def test_a_channel_layer_that_never_answers_is_503_in_bounded_time(client):
    layer = HangingLayer()
    result = {}

    def probe():
        result["response"] = client.get("/healthz")

    with (
        mock.patch("workshop.health.get_channel_layer", return_value=layer),
        mock.patch("workshop.health._database_ok", return_value=True),
    ):
        thread = threading.Thread(target=probe, daemon=True)
        thread.start()
        thread.join(timeout=PROBE_TIMEOUT_SECONDS)
        answered_in_time = not thread.is_alive()
    # A probe that hangs is a daemon thread and ends with the test run.
    assert answered_in_time, f"/healthz gave no answer within {PROBE_TIMEOUT_SECONDS} s"
    assert result["response"].status_code == 503
    assert result["response"].json()["ok"] is False


def test_a_database_that_never_answers_is_503_in_bounded_time(client):
    """A lost database makes a query wait for the pool; the probe must not wait with it."""
    released = threading.Event()
    result = {}

    def wedged():
        released.wait(timeout=60)
        return True

    def probe():
        result["response"] = client.get("/healthz")

    with mock.patch("workshop.health._database_ok", side_effect=wedged):
        thread = threading.Thread(target=probe, daemon=True)
        thread.start()
        thread.join(timeout=PROBE_TIMEOUT_SECONDS)
        answered_in_time = not thread.is_alive()
        released.set()
    assert answered_in_time, f"/healthz gave no answer within {PROBE_TIMEOUT_SECONDS} s"
    assert result["response"].status_code == 503
    assert result["response"].json() == {"ok": False, "database": "down", "channel_layer": "ok"}
