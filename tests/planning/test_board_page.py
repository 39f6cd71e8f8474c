"""The board page as the server renders it, before the client draws over it (planning/views.py).

In a private gather (protocol §10) the page shows others' cards face down, as the snapshot gives
them: whose card it is and nothing it says.
"""

from __future__ import annotations

from tests.goals.conftest import logged_in
from tests.planning.helpers import add_item, send


def test_a_private_gather_renders_others_cards_face_down(room):
    send(room.workshop, room.facilitator, "planning.set", private_gather=True)
    add_item(room.workshop, room.member, title="A secret plan of the member", notes="Do not read this yet")
    add_item(room.workshop, room.leader, title="The leader owns this card")
    response = logged_in(room.leader.user).get(f"/w/{room.workshop.id}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "The leader owns this card" in page
    assert "secret plan" not in page
    assert "Do not read this yet" not in page
    assert f"Face-down card by {room.member.name}" in page


def test_outside_a_private_gather_every_card_is_rendered_whole(room):
    add_item(room.workshop, room.member, title="An open card of the member")
    page = logged_in(room.leader.user).get(f"/w/{room.workshop.id}/").content.decode()
    assert "An open card of the member" in page
    assert "Face-down card" not in page
