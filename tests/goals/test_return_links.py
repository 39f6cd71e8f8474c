"""Personal return links (protocol §7, goals.return_links): a member comes back from any browser.

A laptop (the browser that joined) asks for its link through the JSON API; a second, empty
browser (the phone) opens it and is that member: on the board, in the state API, on the socket.
A new link or a revoked one cuts that phone off again, at its next request and on its open socket.
"""

from __future__ import annotations

import ipaddress
import random
from urllib.parse import unquote, urlsplit

import pytest
import segno
from asgiref.sync import sync_to_async
from django.db import connection
from django.test import Client
from django.utils.html import escape

from goals.invites import QR_QUIET_ZONE
from goals.models import Member, Role
from goals.return_links import hash_token
from planning.snapshot import build_snapshot
from room.members import member_remove
from tests.planning.ws import Ws

pytestmark = pytest.mark.django_db


def new_link(client: Client, workshop) -> str:
    """The absolute URL of a fresh return link made by `client`'s member."""
    response = client.post(f"/api/w/{workshop.id}/me/link", content_type="application/json")
    assert response.status_code == 201, response.content
    return response.json()["url"]


def token_of(url: str) -> str:
    path = urlsplit(url).path
    assert path.startswith("/back/"), path
    assert path.endswith("/"), path
    return path.removeprefix("/back/").rstrip("/")


def follow(url: str, client: Client | None = None):
    """Open the link in `client` (a new, empty browser by default); returns (browser, response)."""
    client = client or Client()
    return client, client.get(urlsplit(url).path)


def me(client: Client, workshop) -> int | None:
    response = client.get(f"/api/w/{workshop.id}/state")
    return response.json()["me"]["member"] if response.status_code == 200 else None


def test_the_api_answers_201_with_an_absolute_url_of_256_random_bits(guest, workshop):
    laptop, _ = guest(Role.MEMBER, "Mia")
    response = laptop.post(f"/api/w/{workshop.id}/me/link", content_type="application/json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"url", "qr"}
    parts = urlsplit(body["url"])
    assert (parts.scheme, parts.netloc) == ("http", "testserver")
    token = token_of(body["url"])
    assert len(token) >= 43  # token_urlsafe(32): 256 bits, base64url (protocol §7)
    assert "no-store" in response["Cache-Control"]
    assert token_of(new_link(laptop, workshop)) != token


def test_the_answer_carries_the_link_as_a_qr_code(guest, workshop):
    """No QR decoder is installed, so: an SVG data URI, exactly what segno makes of the url (the
    code an <img> shows), and the page's CSP lets an <img> show a data: URI."""
    laptop, _ = guest(Role.MEMBER, "Mia")
    response = laptop.post(f"/api/w/{workshop.id}/me/link", content_type="application/json")
    body = response.json()
    assert body["qr"].startswith("data:image/svg+xml")
    svg = unquote(body["qr"].split(",", 1)[1])
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    expected = segno.make_qr(body["url"], error="m")
    assert body["qr"] == expected.svg_data_uri(dark="#000", light="#fff", border=QR_QUIET_ZONE, omitsize=True)
    assert segno.make_qr(new_link(laptop, workshop), error="m").svg_data_uri() != expected.svg_data_uri()
    csp = laptop.get(f"/w/{workshop.id}/")["Content-Security-Policy"]
    (img_src,) = [part.split()[1:] for part in csp.split(";") if part.split()[:1] == ["img-src"]]
    assert set(img_src) == {"'self'", "data:"}


def test_only_the_hash_is_stored(guest, workshop):
    laptop, member = guest(Role.MEMBER, "Mia")
    token = token_of(new_link(laptop, workshop))

    member.refresh_from_db()
    assert member.return_link_hash == hash_token(token)
    with connection.cursor() as cursor:
        for table in ("goals_member", "django_session"):
            cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed names)
            assert token not in repr(cursor.fetchall()), f"the raw token is in {table}"


def test_a_second_browser_becomes_the_same_member_and_lands_on_the_board(guest, workshop):
    laptop, member = guest(Role.MEMBER, "Mia")
    phone, response = follow(new_link(laptop, workshop))

    assert response.status_code == 302
    assert response["Location"] == f"/w/{workshop.id}/"
    assert phone.get(f"/w/{workshop.id}/").status_code == 200
    assert me(phone, workshop) == member.id
    assert me(laptop, workshop) == member.id, "the laptop stays the member too"
    assert Member.objects.filter(workshop=workshop).count() == 2  # the leader and Mia: nobody new


def test_following_rotates_the_session_key_and_logs_no_account_in(workshop, leader, leader_client):
    """The leader's link makes a browser the leader's member in this workshop, not the account."""
    planted = Client()
    session = planted.session  # a session key the browser holds before it follows the link
    session["planted"] = True
    session.save()
    before = planted.cookies["sessionid"].value

    _, response = follow(new_link(leader_client, workshop), planted)

    assert response.status_code == 302
    assert planted.cookies["sessionid"].value != before, "the session key was not rotated"
    assert me(planted, workshop) == leader.id
    assert planted.get("/workshops/new/").status_code == 302, "an account was logged in"
    assert "_auth_user_id" not in planted.session


def test_a_new_link_replaces_the_old_one_and_cuts_off_its_browsers(guest, workshop):
    laptop, member = guest(Role.MEMBER, "Mia")
    old = new_link(laptop, workshop)
    phone, _ = follow(old)
    assert me(phone, workshop) == member.id

    new = new_link(laptop, workshop)

    assert follow(old)[1].status_code == 404
    assert me(phone, workshop) is None
    assert phone.get(f"/w/{workshop.id}/").status_code == 404
    tablet, response = follow(new)
    assert response.status_code == 302
    assert me(tablet, workshop) == member.id
    assert me(laptop, workshop) == member.id


def test_revoking_answers_204_is_idempotent_and_cuts_off_linked_browsers(guest, workshop):
    laptop, member = guest(Role.MEMBER, "Mia")
    url = new_link(laptop, workshop)
    phone, _ = follow(url)
    assert me(phone, workshop) == member.id

    for _ in range(2):
        assert laptop.delete(f"/api/w/{workshop.id}/me/link").status_code == 204

    member.refresh_from_db()
    assert member.return_link_hash is None
    response = follow(url)[1]
    assert response.status_code == 404
    assert workshop.title.encode() not in response.content
    assert me(phone, workshop) is None
    assert phone.get(f"/w/{workshop.id}/").status_code == 404
    assert me(laptop, workshop) == member.id, "revoking does not sign the member's own browser out"


def test_a_linked_browser_that_makes_a_new_link_keeps_its_way_in(guest, workshop):
    laptop, member = guest(Role.MEMBER, "Mia")
    phone, _ = follow(new_link(laptop, workshop))

    follow(new_link(phone, workshop))

    assert me(phone, workshop) == member.id


def test_unknown_links_are_404_pages(db):
    for token in ("x" * 43, "short", "y" * 200):
        response = Client().get(f"/back/{token}/")
        assert response.status_code == 404
        assert b"does not open anything" in response.content


def test_a_removed_members_link_is_410(guest, workshop, leader):
    laptop, member = guest(Role.MEMBER, "Rex")
    url = new_link(laptop, workshop)
    phone, _ = follow(url)
    member_remove(workshop_id=workshop.id, actor_id=leader.id, member=member.id)

    response = follow(url)[1]
    assert response.status_code == 410
    assert b"You were removed from this workshop" in response.content
    assert phone.get(f"/w/{workshop.id}/").status_code == 410


def test_observers_get_links_too(guest, workshop):
    laptop, member = guest(Role.OBSERVER, "Otto")
    phone, _ = follow(new_link(laptop, workshop))
    assert me(phone, workshop) == member.id
    assert phone.get(f"/w/{workshop.id}/").status_code == 200


def test_non_members_get_404_from_the_api(outsider, workshop):
    for method in ("post", "delete"):
        response = getattr(outsider, method)(f"/api/w/{workshop.id}/me/link")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    assert Client().post(f"/api/w/{workshop.id}/me/link").status_code == 404


def test_the_api_needs_the_csrf_token(workshop, member_token):
    laptop = Client(enforce_csrf_checks=True)
    page = laptop.get(f"/join/{member_token}/")
    token = laptop.cookies["csrftoken"].value
    assert page.status_code == 200
    laptop.post(f"/join/{member_token}/", {"display_name": "Mia", "csrfmiddlewaretoken": token})
    member = Member.objects.get(workshop=workshop, name="Mia")

    assert laptop.post(f"/api/w/{workshop.id}/me/link").status_code == 403
    member.refresh_from_db()
    assert member.return_link_hash is None
    token = laptop.cookies["csrftoken"].value
    response = laptop.post(f"/api/w/{workshop.id}/me/link", HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 201
    assert laptop.delete(f"/api/w/{workshop.id}/me/link").status_code == 403
    assert laptop.delete(f"/api/w/{workshop.id}/me/link", HTTP_X_CSRFTOKEN=token).status_code == 204


def test_a_link_does_not_change_who_a_member_already_is(guest, workshop):
    """A browser that is someone in the workshop by its own guest key stays that person."""
    laptop, _ = guest(Role.MEMBER, "Mia")
    noor_laptop, noor = guest(Role.MEMBER, "Noor")

    follow(new_link(laptop, workshop), noor_laptop)

    assert me(noor_laptop, workshop) == noor.id


def test_one_browser_follows_links_of_two_workshops(guest, workshop, other_workshop):
    laptop, mia = guest(Role.MEMBER, "Mia")
    other_laptop, other = guest(Role.MEMBER, "Mia", target=other_workshop)
    phone, _ = follow(new_link(laptop, workshop))
    follow(new_link(other_laptop, other_workshop), phone)

    assert me(phone, workshop) == mia.id
    assert me(phone, other_workshop) == other.id
    home = phone.get("/")
    for title in (workshop.title, other_workshop.title):
        assert escape(title).encode() in home.content, title


def test_unknown_links_count_against_the_guess_throttle(db, settings):
    settings.JOIN_GUESS_LIMIT = 2
    address = str(ipaddress.IPv4Address(random.randrange(0x0B000000, 0xDF000000)))
    client = Client(REMOTE_ADDR=address)
    statuses = [client.get(f"/back/{'z' * 43}/").status_code for _ in range(4)]
    assert statuses == [404, 404, 429, 429]


def test_an_account_that_follows_its_own_link_stays_logged_in(workshop, leader, leader_client):
    follow(new_link(leader_client, workshop), leader_client)
    assert leader_client.get("/workshops/new/").status_code == 200
    assert me(leader_client, workshop) == leader.id


def test_a_link_is_not_an_account_password_elsewhere(workshop, leader_client):
    """The leader's link opens this workshop, not the leader's other workshops."""
    elsewhere = leader_client.post("/workshops/new/", {"title": "Second goal", "votes_per_member": 5})
    second = elsewhere["Location"].strip("/").split("/")[-1]
    phone, _ = follow(new_link(leader_client, workshop))
    assert phone.get(f"/w/{second}/").status_code == 404


# The socket: the consumer finds the member through the same lookup as the pages.


def _linked_phone(guest, workshop):
    laptop, member = guest(Role.MEMBER, "Mia")
    url = new_link(laptop, workshop)
    phone, _ = follow(url)
    return laptop, member, phone.cookies["sessionid"].value


@pytest.mark.django_db(transaction=True)
async def test_a_linked_browser_connects_as_that_member_and_is_cut_off_by_a_revoke(guest, workshop):
    laptop, member, phone_session = await sync_to_async(_linked_phone)(guest, workshop)
    phone = await Ws.open(workshop.id, cookie=phone_session)
    try:
        assert phone.accepted
        snapshot = await phone.recv()
        assert snapshot["type"] == "snapshot"
        assert snapshot["me"]["member"] == member.id
        expected = await sync_to_async(build_snapshot)(workshop.id, member.id)
        assert snapshot["me"] == expected["me"]

        response = await sync_to_async(laptop.delete)(f"/api/w/{workshop.id}/me/link")
        assert response.status_code == 204
        assert await phone.closed() == 4404
    finally:
        await phone.close()

    again = await Ws.open(workshop.id, cookie=phone_session)
    try:
        if again.accepted:
            assert await again.closed() == 4404
        assert again.frames == []
    finally:
        await again.close()


@pytest.mark.django_db(transaction=True)
async def test_replacing_the_link_closes_the_old_links_socket_not_the_askers(guest, workshop):
    laptop, _, phone_session = await sync_to_async(_linked_phone)(guest, workshop)
    laptop_session = laptop.cookies["sessionid"].value
    phone = await Ws.open(workshop.id, cookie=phone_session)
    own = await Ws.open(workshop.id, cookie=laptop_session)
    try:
        assert (await phone.recv())["type"] == "snapshot"
        assert (await own.recv())["type"] == "snapshot"

        await sync_to_async(new_link)(laptop, workshop)

        assert await phone.closed() == 4404
        ref = await own.send("member.ready", ready=True)
        assert (await own.reply(ref))["type"] == "ack", "the asking browser's own socket stays open"
        assert own.close_code is None
    finally:
        await phone.close()
        await own.close()
