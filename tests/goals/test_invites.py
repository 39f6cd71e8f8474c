"""Invite tokens and the invites JSON API (protocol §3)."""

import hashlib
import json
import math
import re
from collections import Counter
from datetime import datetime, timedelta

import pytest
import segno
from django.db import connection
from django.test import Client
from django.utils import timezone

from goals.invites import current_member_invite, token_for
from goals.models import Invite, Role
from tests.goals.conftest import join_over_http, logged_in

CONTRACT_KEYS = {"token", "url", "role", "expires_at", "max_uses", "uses"}
HEX = re.compile(r"^[0-9a-f]+$")
URLSAFE = re.compile(r"^[A-Za-z0-9_-]+$")


def api(workshop) -> str:
    return f"/api/w/{workshop.id}/invites"


def post_json(client, url, body, **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, data, content_type="application/json", **extra)


def create_invite(client, workshop, **body):
    response = post_json(client, api(workshop), body)
    assert response.status_code == 201, response.content
    return response.json()


# --- tokens ---------------------------------------------------------------------------------------


def assert_128_bits(token: str) -> None:
    if HEX.match(token):
        assert len(token) >= 32, token
    else:
        assert URLSAFE.match(token), token
        assert len(token) >= 22, token


def assert_uniform(secrets: list[str]) -> None:
    """Characters are spread evenly over the alphabet, as random ones are (a counter or padding is not)."""
    counts = Counter("".join(secrets))
    alphabet = 16 if all(HEX.match(secret) for secret in secrets) else 64
    assert len(counts) >= alphabet * 0.9
    total = sum(counts.values())
    entropy = -sum(n / total * math.log2(n / total) for n in counts.values())
    assert entropy > math.log2(alphabet) * 0.95


def test_tokens_are_long_url_safe_and_distinct(leader_client, workshop, member_token):
    tokens = [member_token] + [create_invite(leader_client, workshop)["token"] for _ in range(64)]
    for token in tokens:
        assert_128_bits(token)
    assert len(set(tokens)) == len(tokens)
    # No shared prefix or suffix worth speaking of: the randomness is spread over the token.
    assert len({token[:8] for token in tokens}) == len(tokens)
    assert len({token[-8:] for token in tokens}) == len(tokens)


def test_token_characters_look_uniform(leader_client, workshop):
    """A coarse check that tokens are not counters or timestamps: characters are well spread."""
    assert_uniform([create_invite(leader_client, workshop)["token"] for _ in range(40)])


def test_the_secret_behind_each_token_has_128_random_bits(leader_client, workshop):
    """Tokens are derived from a stored nonce by an HMAC, which hides a weak nonce: check the nonce itself."""
    tokens = [create_invite(leader_client, workshop)["token"] for _ in range(40)]
    nonces = list(Invite.objects.filter(workshop=workshop).values_list("nonce", flat=True))
    assert len(nonces) == len(set(nonces)) == len(tokens) + 1
    for nonce in nonces:
        assert_128_bits(nonce)
    assert_uniform(nonces)


def test_the_database_holds_no_raw_token(leader_client, workshop):
    token = create_invite(leader_client, workshop, role="observer", max_uses=3)["token"]
    invite = Invite.objects.get(workshop=workshop, role=Role.OBSERVER)
    table = Invite._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [invite.pk])  # noqa: S608 (no user input)
        row = cursor.fetchone()
    assert row is not None
    for value in row:
        assert token not in str(value)
        assert token[:16] not in str(value)


def test_the_token_is_looked_up_by_its_hash(leader_client, workshop):
    token = create_invite(leader_client, workshop)["token"]
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert Invite.objects.filter(token_hash=digest).count() == 1


def test_a_tampered_token_is_unknown(leader_client, workshop):
    token = create_invite(leader_client, workshop)["token"]
    for bad in (token[:-1], token + "a", token[:-1] + ("0" if token[-1] != "0" else "1"), token.upper()):
        if bad == token:
            continue
        assert Client().get(f"/join/{bad}/").status_code == 404


# --- list ---------------------------------------------------------------------------------------------


def test_list_is_a_json_list_for_the_leader(leader_client, workshop):
    response = leader_client.get(api(workshop))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    invites = response.json()
    assert isinstance(invites, list)
    assert len(invites) == 1
    assert set(invites[0]) >= CONTRACT_KEYS
    assert invites[0]["token"] == token_for(current_member_invite(workshop))


def test_list_for_a_facilitator_shows_new_invites(guest, workshop, leader_client):
    client, _ = guest(Role.FACILITATOR)
    created = create_invite(client, workshop, role="observer")
    tokens = [invite["token"] for invite in client.get(api(workshop)).json()]
    assert created["token"] in tokens
    assert len(tokens) == 2
    assert {invite["token"] for invite in leader_client.get(api(workshop)).json()} == set(tokens)


def test_list_leaves_out_revoked_invites(leader_client, workshop):
    token = create_invite(leader_client, workshop)["token"]
    assert leader_client.delete(f"{api(workshop)}/{token}").status_code == 204
    assert token not in [invite["token"] for invite in leader_client.get(api(workshop)).json()]


def test_list_shows_only_this_workshops_invites(leader_client, workshop, other_workshop):
    other = token_for(current_member_invite(other_workshop))
    assert other not in [invite["token"] for invite in leader_client.get(api(workshop)).json()]


# --- create -------------------------------------------------------------------------------------------


def test_create_answers_201_with_the_protocol_fields(leader_client, workshop):
    response = post_json(leader_client, api(workshop), {"role": "observer", "expires_in_hours": 24, "max_uses": 10})
    assert response.status_code == 201
    body = response.json()
    assert set(body) >= CONTRACT_KEYS
    assert body["role"] == "observer"
    assert body["max_uses"] == 10
    assert body["uses"] == 0
    assert body["expires_at"] is not None
    assert body["url"] == f"http://testserver/join/{body['token']}/"
    assert_128_bits(body["token"])


def test_create_with_nulls_and_the_default_role(leader_client, workshop):
    body = create_invite(leader_client, workshop, role="member", expires_in_hours=None, max_uses=None)
    assert body["role"] == "member"
    assert body["expires_at"] is None
    assert body["max_uses"] is None
    assert body["url"].endswith(f"/join/{body['token']}/")


def test_expires_at_is_about_the_hours_asked_for(leader_client, workshop):
    body = create_invite(leader_client, workshop, expires_in_hours=720)
    expires_at = datetime.fromisoformat(body["expires_at"])
    assert abs(expires_at - (timezone.now() + timedelta(hours=720))) < timedelta(minutes=1)


@pytest.mark.parametrize(
    "body",
    [
        {"expires_in_hours": 1},
        {"expires_in_hours": 720},
        {"max_uses": 1},
        {"max_uses": 10000},
        {},
    ],
)
def test_bounds_are_accepted(leader_client, workshop, body):
    create_invite(leader_client, workshop, **body)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"role": "leader"}, "role"),
        ({"role": "facilitator"}, "role"),
        ({"role": "boss"}, "role"),
        ({"expires_in_hours": 0}, "expires_in_hours"),
        ({"expires_in_hours": 721}, "expires_in_hours"),
        ({"expires_in_hours": -5}, "expires_in_hours"),
        ({"max_uses": 0}, "max_uses"),
        ({"max_uses": 10001}, "max_uses"),
    ],
)
def test_out_of_range_values_are_invalid(leader_client, workshop, body, field):
    before = Invite.objects.count()
    response = post_json(leader_client, api(workshop), body)
    assert response.status_code == 400
    error = response.json()
    assert error["code"] == "invalid"
    assert error["detail"]["field"] == field
    assert error["message"]
    assert Invite.objects.count() == before


@pytest.mark.parametrize(
    ("sent", "expires_in_hours", "max_uses"),
    [
        ('{"expires_in_hours": 24.0, "max_uses": 5.0}', 24, 5),
        ('{"max_uses": 1e3}', None, 1000),
        ('{"max_uses": 10000.000}', None, 10000),
        ('{"expires_in_hours": 7.2E1}', 72, None),
    ],
)
def test_whole_numbers_written_with_a_zero_fraction_are_integers(
    leader_client, workshop, sent, expires_in_hours, max_uses
):
    """The OpenAPI description says "integer", and JSON Schema's integer is any number with a zero
    fraction: what a script sends as 5.0 is 5, as in the websocket's ops (core.validation.integer)."""
    response = post_json(leader_client, api(workshop), sent)
    assert response.status_code == 201, response.content
    invite = response.json()
    assert invite["max_uses"] == max_uses
    assert type(invite["max_uses"]) is (int if max_uses is not None else type(None))
    if expires_in_hours is not None:
        expires_at = datetime.fromisoformat(invite["expires_at"])
        assert abs(expires_at - timezone.now() - timedelta(hours=expires_in_hours)) < timedelta(minutes=1)


@pytest.mark.parametrize(
    ("sent", "code"),
    [
        ('{"max_uses": 5.5}', "bad_request"),
        ('{"max_uses": true}', "bad_request"),
        ('{"max_uses": false}', "bad_request"),
        ('{"max_uses": NaN}', "bad_request"),
        ('{"max_uses": Infinity}', "bad_request"),
        ('{"max_uses": "5"}', "bad_request"),
        ('{"max_uses": "²"}', "bad_request"),
        ('{"max_uses": "٣"}', "bad_request"),
        ('{"max_uses": -0}', "invalid"),
        ('{"max_uses": -0.0}', "invalid"),
        ('{"max_uses": 1e300}', "invalid"),
        ('{"max_uses": 100000000000000000000000000000}', "invalid"),
        ('{"max_uses": 1' + "0" * 5000 + "}", "bad_request"),
    ],
)
def test_numbers_that_are_no_integer_in_range_change_nothing(leader_client, workshop, sent, code):
    before = Invite.objects.count()
    response = post_json(leader_client, api(workshop), sent)
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert Invite.objects.count() == before


@pytest.mark.parametrize("body", ["not json", "{", b"\xff\xfe", "[1, 2]", '"member"'])
def test_a_body_that_is_not_a_json_object_is_a_bad_request(leader_client, workshop, body):
    before = Invite.objects.count()
    response = post_json(leader_client, api(workshop), body)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"
    assert Invite.objects.count() == before


@pytest.mark.parametrize(
    "body", [{"max_uses": "3"}, {"expires_in_hours": 1.5}, {"role": 1}, {"max_uses": True}, {"hours": 3}]
)
def test_mistyped_or_unknown_fields_are_bad_requests(leader_client, workshop, body):
    response = post_json(leader_client, api(workshop), body)
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_a_new_invite_lets_people_join(leader_client, workshop):
    body = create_invite(leader_client, workshop, role="observer")
    member = join_over_http(Client(), body["token"], "Watcher")
    assert member.workshop_id == workshop.id
    assert member.role == Role.OBSERVER


def test_uses_counts_people_who_joined(leader_client, workshop):
    body = create_invite(leader_client, workshop, max_uses=5)
    join_over_http(Client(), body["token"], "One")
    join_over_http(Client(), body["token"], "Two")
    listed = {invite["token"]: invite for invite in leader_client.get(api(workshop)).json()}
    assert listed[body["token"]]["uses"] == 2


# --- revoke -------------------------------------------------------------------------------------------


def test_revoke_answers_204_and_the_link_then_answers_410(leader_client, workshop):
    token = create_invite(leader_client, workshop)["token"]
    assert Client().get(f"/join/{token}/").status_code == 200
    response = leader_client.delete(f"{api(workshop)}/{token}")
    assert response.status_code == 204
    assert response.content == b""
    assert Client().get(f"/join/{token}/").status_code == 410
    assert Client().post(f"/join/{token}/", {"display_name": "Late"}).status_code == 410


def test_revoking_the_default_invite(leader_client, workshop, member_token):
    assert leader_client.delete(f"{api(workshop)}/{member_token}").status_code == 204
    assert Client().get(f"/join/{member_token}/").status_code == 410


def test_a_facilitator_may_revoke(guest, workshop, member_token):
    client, _ = guest(Role.FACILITATOR)
    assert client.delete(f"{api(workshop)}/{member_token}").status_code == 204
    assert Client().get(f"/join/{member_token}/").status_code == 410


def test_revoking_a_token_of_another_workshop_is_404_and_changes_nothing(leader_client, workshop, other_workshop):
    other = token_for(current_member_invite(other_workshop))
    response = leader_client.delete(f"{api(workshop)}/{other}")
    assert response.status_code == 404
    assert Client().get(f"/join/{other}/").status_code == 200


def test_revoking_an_unknown_token_is_404(leader_client, workshop):
    assert leader_client.delete(f"{api(workshop)}/{'0' * 43}").status_code == 404
    assert leader_client.delete(f"{api(workshop)}/nope").status_code == 404


# --- who may ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MEMBER, Role.OBSERVER])
def test_members_and_observers_get_403_on_every_invite_endpoint(guest, workshop, member_token, role):
    client, _ = guest(role)
    before = Invite.objects.count()
    assert client.get(api(workshop)).status_code == 403
    assert post_json(client, api(workshop), {"role": "member"}).status_code == 403
    assert client.delete(f"{api(workshop)}/{member_token}").status_code == 403
    assert Invite.objects.count() == before
    assert Client().get(f"/join/{member_token}/").status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "outsider"])
def test_non_members_get_404_on_every_invite_endpoint(request, workshop, member_token, who):
    client = Client() if who == "anonymous" else request.getfixturevalue("outsider")
    before = Invite.objects.count()
    assert client.get(api(workshop)).status_code == 404
    assert post_json(client, api(workshop), {"role": "member"}).status_code == 404
    assert client.delete(f"{api(workshop)}/{member_token}").status_code == 404
    assert Invite.objects.count() == before
    assert Client().get(f"/join/{member_token}/").status_code == 200


def test_a_leader_of_another_workshop_gets_404(workshop, other_workshop, member_token):
    client = logged_in(other_workshop.created_by)
    assert client.get(api(workshop)).status_code == 404
    assert post_json(client, api(workshop), {}).status_code == 404
    assert client.delete(f"{api(workshop)}/{member_token}").status_code == 404
    assert Client().get(f"/join/{member_token}/").status_code == 200


# --- the QR code of a link -------------------------------------------------------------------------


def qr_url(workshop, token: str) -> str:
    return f"{api(workshop)}/{token}/qr.svg"


def qr_path(url: str) -> str:
    """The drawing of the dark modules of the QR code of `url`: what identifies the data encoded."""
    code = segno.make_qr(url, error="m")
    return re.search(r'<path class="qrline"[^>]*d="([^"]+)"', code.svg_inline(border=4)).group(1)


@pytest.mark.parametrize("role", ["member", "observer"])
def test_an_invites_qr_code_is_a_scalable_svg_of_its_link(leader_client, workshop, role):
    invite = create_invite(leader_client, workshop, role=role)
    response = leader_client.get(qr_url(workshop, invite["token"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Cache-Control"] == "private, no-store"
    svg = response.content.decode()
    root = re.search(r"<svg\b[^>]*>", svg).group(0)
    assert 'xmlns="http://www.w3.org/2000/svg"' in root
    assert "width=" not in root
    assert "height=" not in root
    size = segno.make_qr(invite["url"], error="m").symbol_size(border=4)[0]
    assert f'viewBox="0 0 {size} {size}"' in root, "the code plus a quiet zone of four modules"
    assert 'fill="#fff"' in svg, "a white background"
    assert 'stroke="#000"' in svg, "dark modules"
    assert invite["url"].startswith("http://testserver/join/")
    assert f'd="{qr_path(invite["url"])}"' in svg, "it encodes the invite's absolute URL"
    other = create_invite(leader_client, workshop, role=role)
    assert f'd="{qr_path(other["url"])}"' not in svg


def test_a_facilitator_gets_the_qr_code_and_members_are_refused(guest, workshop, member_token):
    facilitator, _ = guest(Role.FACILITATOR)
    assert facilitator.get(qr_url(workshop, member_token)).status_code == 200
    for role in (Role.MEMBER, Role.OBSERVER):
        client, _ = guest(role)
        response = client.get(qr_url(workshop, member_token))
        assert (response.status_code, response.json()["code"]) == (403, "forbidden")


def test_the_qr_code_of_a_link_not_of_this_workshop_is_404(leader_client, workshop, other_workshop, guest):
    elsewhere = token_for(current_member_invite(other_workshop))
    for token in (elsewhere, "0" * 43, "short"):
        response = leader_client.get(qr_url(workshop, token))
        assert (response.status_code, response.json()["code"]) == (404, "not_found"), token
    outsider, _ = guest(Role.MEMBER, target=other_workshop)
    own = token_for(current_member_invite(workshop))
    assert outsider.get(qr_url(workshop, own)).status_code == 404
    assert Client().get(qr_url(workshop, own)).status_code == 404


def test_a_revoked_links_qr_code_is_404(leader_client, workshop):
    invite = create_invite(leader_client, workshop)
    assert leader_client.delete(f"{api(workshop)}/{invite['token']}").status_code == 204
    assert leader_client.get(qr_url(workshop, invite["token"])).status_code == 404


def test_the_qr_code_answers_get_only(leader_client, workshop, member_token):
    assert leader_client.post(qr_url(workshop, member_token)).status_code == 405
