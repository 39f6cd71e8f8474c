"""Invite tokens on the server (goals.invites): what the database keeps and how a link is found.

A token is an HMAC, keyed by SECRET_KEY, of a random nonce; the database keeps the nonce and the
token's SHA-256, never the token. A link is found by the equality of that digest in SQL, so the
time a lookup takes depends on the digest of what was sent, which says nothing about any stored
token; the one comparison with the raw token afterwards is constant-time.
"""

from __future__ import annotations

import hashlib
import json
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.crypto import constant_time_compare

from goals import invites
from goals.invites import token_for
from goals.models import Invite

pytestmark = pytest.mark.django_db


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_token(leader_client, workshop) -> str:
    response = leader_client.post(f"/api/w/{workshop.id}/invites", json.dumps({}), content_type="application/json")
    assert response.status_code == 201
    return response.json()["token"]


def stored_row(invite_id: int) -> dict[str, object]:
    table = Invite._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [invite_id])  # noqa: S608 (no user input)
        names = [column[0] for column in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def test_the_database_keeps_the_tokens_sha256_and_not_the_token(leader_client, workshop):
    token = new_token(leader_client, workshop)
    invite = Invite.objects.get(token_hash=sha256(token))
    row = stored_row(invite.pk)
    assert row["token_hash"] == sha256(token)
    assert all(token not in str(value) for value in row.values())


def test_the_token_is_an_hmac_of_the_nonce_keyed_by_the_secret_key(settings, leader_client, workshop):
    token = new_token(leader_client, workshop)
    invite = Invite.objects.get(token_hash=sha256(token))
    assert token_for(invite) == token
    assert invite.nonce not in token

    settings.SECRET_KEY = "another-secret-key-for-this-test-only-" + "y" * 30
    assert token_for(invite) != token
    # Whoever holds the database but not the key cannot make a working link, and a link made
    # under another key does not open the invite even though its digest is on file.
    assert Client().get(f"/join/{token}/").status_code == 404
    assert Client().get(f"/join/{token_for(invite)}/").status_code == 404


@pytest.mark.parametrize("known", [True, False], ids=["known", "unknown"])
def test_a_link_is_looked_up_by_the_digest_in_sql_never_by_the_token(leader_client, workshop, known):
    token = new_token(leader_client, workshop) if known else "c0ffee" * 7 + "1"
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(f"/join/{token}/")
    assert response.status_code == (200 if known else 404)
    sql = [query["sql"] for query in queries.captured_queries]
    lookups = [statement for statement in sql if Invite._meta.db_table in statement and "token_hash" in statement]
    assert lookups
    assert all(sha256(token) in statement for statement in lookups)
    assert not any(token in statement for statement in sql)


def test_the_one_comparison_with_the_raw_token_is_constant_time(leader_client, workshop):
    token = new_token(leader_client, workshop)
    with mock.patch.object(invites, "constant_time_compare", wraps=constant_time_compare) as compare:
        assert Client().get(f"/join/{token}/").status_code == 200
    assert compare.call_count == 1
    assert token in compare.call_args.args
