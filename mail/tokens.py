"""The secrets in mail links: confirmation, a guest's sign-in, unsubscribing.

A confirmation or sign-in token is 256 bits derived from a random per-row nonce with the
SECRET_KEY (HMAC-SHA256, a salt per purpose), so that the job that sends a mail, and any retry of
it, writes the same link without the token ever being stored: the row keeps the nonce and the
token's SHA-256, which is what a link is looked up by. The database alone opens nothing.

An unsubscribe token names a member and a kind, signed (django.core.signing) with no expiry: an
RFC 8058 one-click link must keep working for as long as the mail sits in a mail box.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any

from django.core import signing
from django.utils.crypto import salted_hmac

CONFIRM = "mail.confirm"
SIGNIN = "mail.signin"
UNSUBSCRIBE = "mail.unsubscribe"
# Anything far from a derived token's 43 characters is not one of ours.
TOKEN_LENGTHS = range(40, 50)


def new_nonce() -> str:
    return secrets.token_hex(16)


def derive(purpose: str, nonce: str) -> str:
    digest = salted_hmac(purpose, nonce, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def plausible(token: Any) -> bool:
    return isinstance(token, str) and len(token) in TOKEN_LENGTHS


def unsubscribe_token(member_id: int, kind: str) -> str:
    return signing.dumps({"m": member_id, "k": kind}, salt=UNSUBSCRIBE, compress=False)


def read_unsubscribe(token: str) -> tuple[int, str] | None:
    try:
        value = signing.loads(token, salt=UNSUBSCRIBE)
    except signing.BadSignature:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("m"), int) or not isinstance(value.get("k"), str):
        return None
    return value["m"], value["k"]
