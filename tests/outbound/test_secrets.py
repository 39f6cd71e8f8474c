"""Secrets at rest (outbound/secrets.py): sealed values do not show the secret and open again,
also after SECRET_KEY is rotated with the old key in SECRET_KEY_FALLBACKS."""

from __future__ import annotations

import pytest
from cryptography.fernet import InvalidToken

from outbound import secrets

SECRET = "whsec_c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"


def test_a_sealed_secret_hides_it_and_opens_again():
    sealed = secrets.seal(SECRET)
    assert SECRET not in sealed
    assert "c2VjcmV0" not in sealed
    assert secrets.seal(SECRET) != sealed  # a fresh IV each time
    assert secrets.unseal(sealed) == SECRET


def test_rotating_the_secret_key_keeps_sealed_values_readable(settings):
    sealed = secrets.seal(SECRET)
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-key-" + "y" * 40
    settings.SECRET_KEY_FALLBACKS = [old]
    assert secrets.unseal(sealed) == SECRET
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(InvalidToken):
        secrets.unseal(sealed)
