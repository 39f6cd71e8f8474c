"""Secrets kept at rest encrypted: webhook signing secrets and chat webhook URLs.

Fernet (the cryptography package) with a key derived from SECRET_KEY, so that a copy of the
database alone does not give away what lets someone sign as Rallypoint or post into a team's chat.
Values sealed under a key in SECRET_KEY_FALLBACKS still open, so SECRET_KEY can be rotated the way
Django rotates it.
"""

from __future__ import annotations

import base64
import functools
import hashlib

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def _fernet(secret: str) -> Fernet:
    digest = hashlib.sha256(b"rallypoint.outbound.secrets:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


@functools.cache
def _keys(secret_key: str, fallbacks: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([_fernet(secret_key), *(_fernet(key) for key in fallbacks)])


def _current() -> MultiFernet:
    return _keys(settings.SECRET_KEY, tuple(getattr(settings, "SECRET_KEY_FALLBACKS", ())))


def seal(plain: str) -> str:
    return _current().encrypt(plain.encode()).decode()


def unseal(sealed: str) -> str:
    return _current().decrypt(sealed.encode()).decode()
