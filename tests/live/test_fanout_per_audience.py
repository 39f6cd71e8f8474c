"""Fan-out encodes an event once per audience, not once per socket (issue 24, item 3).

A card added while cards are face down (private gather) has two audiences: its author, who sees
it in full, and everyone else, who see it face down. Its event must be encoded to text exactly
twice however many sockets the room has, and each text must reach the sockets of its audience.
Every JSON encode of an `event` frame in the process is counted, wherever it happens: a consumer
that encoded per recipient would be counted too.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from goals.models import Role
from tests.planning.helpers import send
from tests.planning.ws import connect_all, quiet, run

pytestmark = pytest.mark.django_db(transaction=True)

HIDDEN_KEYS = {"id", "lane", "position", "author", "stack", "hidden"}


def event_encodes(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """From now on, every `event` frame handed to json.dumps, in order."""
    encoded: list[dict[str, Any]] = []
    dumps = json.dumps

    def counting(obj: Any, *args: Any, **kwargs: Any) -> str:
        if isinstance(obj, dict) and obj.get("type") == "event":
            encoded.append(obj)
        return dumps(obj, *args, **kwargs)

    monkeypatch.setattr(json, "dumps", counting)
    return encoded


@pytest.mark.parametrize(
    ("others", "author_sockets"),
    [(1, 1), (7, 2)],
    ids=["author and one other", "author on two sockets and seven others"],
)
async def test_a_card_added_face_down_is_encoded_once_for_the_room_and_once_for_its_author(
    connect, workshop, leader, join, monkeypatch, others, author_sockets
):
    author = await run(join, Role.MEMBER, "Ada")
    watchers = [leader] + [await run(join, Role.MEMBER, f"Member {k}") for k in range(others - 1)]
    await run(send, workshop, leader, "planning.set", private_gather=True)
    sockets = await connect_all(connect, workshop, *[author] * author_sockets, *watchers)
    authors, theirs = sockets[:author_sockets], sockets[author_sockets:]
    lane = authors[0].frames[0]["lanes"][0]["id"]  # from the snapshot

    encoded = event_encodes(monkeypatch)
    ref = await authors[0].send("item.add", lane=lane, title="Hire a second designer", notes="Only Ada knows")
    assert (await authors[0].reply(ref))["type"] == "ack"
    received = {ws: (await ws.take(1, "event"))[0] for ws in sockets}
    assert await quiet(*sockets)

    for ws in authors:
        item = received[ws]["data"]["item"]
        assert (item["title"], item["notes"], item["author"]) == ("Hire a second designer", "Only Ada knows", author.id)
    for ws in theirs:
        assert received[ws]["data"]["item"].keys() == HIDDEN_KEYS
        assert received[ws]["data"]["item"]["hidden"] is True
    assert len({frame["seq"] for frame in received.values()}) == 1

    # Two encodes, one per audience, whatever the number of sockets: the face-down form for the
    # room (the author's sockets pick the other text) and the full one for the author.
    assert [frame["name"] for frame in encoded] == ["item.added", "item.added"]
    assert [set(frame["data"]["item"]) == HIDDEN_KEYS for frame in encoded] == [True, False]
    assert encoded[1]["data"]["item"]["title"] == "Hire a second designer"


@pytest.mark.parametrize("others", [1, 7])
async def test_a_card_added_face_up_is_encoded_once_for_everyone(connect, workshop, leader, join, monkeypatch, others):
    author = await run(join, Role.MEMBER, "Ada")
    watchers = [leader] + [await run(join, Role.MEMBER, f"Member {k}") for k in range(others - 1)]
    sockets = await connect_all(connect, workshop, author, *watchers)
    lane = sockets[0].frames[0]["lanes"][0]["id"]

    encoded = event_encodes(monkeypatch)
    ref = await sockets[0].send("item.add", lane=lane, title="Hire a second designer")
    assert (await sockets[0].reply(ref))["type"] == "ack"
    for ws in sockets:
        (event,) = await ws.take(1, "event")
        assert event["data"]["item"]["title"] == "Hire a second designer"
    assert await quiet(*sockets)

    assert [frame["name"] for frame in encoded] == ["item.added"]
