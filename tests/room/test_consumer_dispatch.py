"""The consumer's own `dispatch` (room/consumers.py) skips Channels' closing of old database
connections before every message, since every database call of the consumer already does it on
its database thread. Channels has no setting for this, so these tests hold the override to what
Channels' own dispatch does apart from that, and fail when Channels changes underneath."""

from __future__ import annotations

import inspect

import pytest
from channels import consumer as channels_consumer
from channels.consumer import AsyncConsumer

from room.consumers import WorkshopConsumer


def test_channels_own_dispatch_still_closes_old_connections_before_every_handler():
    """Were this gone from Channels, the override could go too."""
    source = inspect.getsource(AsyncConsumer.dispatch)
    assert "aclose_old_connections()" in source
    assert "get_handler_name(message)" in source


async def test_the_override_calls_the_handler_without_the_hop(monkeypatch):
    hops = []

    async def counted() -> None:
        hops.append(1)

    monkeypatch.setattr(channels_consumer, "aclose_old_connections", counted)
    consumer = WorkshopConsumer()
    handled = []

    async def handler(message):
        handled.append(message)

    consumer.workshop_ping = handler
    await consumer.dispatch({"type": "workshop.ping"})
    assert handled == [{"type": "workshop.ping"}]
    assert hops == []
    await AsyncConsumer.dispatch(consumer, {"type": "workshop.ping"})
    assert hops == [1], "Channels' dispatch no longer makes the hop the override skips"


async def test_an_unknown_message_type_is_refused_as_channels_refuses_it():
    with pytest.raises(ValueError, match=r"No handler for message type nothing\.here"):
        await WorkshopConsumer().dispatch({"type": "nothing.here"})
