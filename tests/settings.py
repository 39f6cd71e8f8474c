"""The real settings, with what a test run may not be given or cannot use.

A throwaway SECRET_KEY; plain HTTP (the test servers listen on 127.0.0.1 without TLS); a fast
password hash; and no join throttle, since every test client comes from one address
(tests/goals/test_throttle.py sets the limits it checks). DATABASE_URL and REDIS_URL still come
from the environment, so the same suite runs on the embedded default and on PostgreSQL + Redis.
Set in os.environ, so that the Daphne processes the tests start get the same.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("HTTPS", "0")
os.environ.setdefault("JOIN_RATE_LIMIT", "0")
os.environ.setdefault("JOIN_GUESS_LIMIT", "0")

from workshop.settings import *  # noqa: F403

# PBKDF2's work factor costs a good part of a second a password, in every account a test or a
# test server (the browser tests' sign-ups) makes; the tests check accounts, not hashing strength.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests serve static files from the source folders; nothing is collected.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True

# pytest-xdist runs the suite in worker processes gw0, gw1, ...; pytest-django gives each its own
# test database (the name gets "_gw0" and so on). In Redis the workers of a run, and the Daphne
# processes and scripts they start (which inherit PYTEST_XDIST_WORKER), share one database, so
# each worker's cache keys and channel-layer names carry the worker's name too: a test's cached
# counts and groups are never another worker's.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if WORKER and REDIS_URL:  # noqa: F405
    CACHES["default"]["KEY_PREFIX"] = f"rallypoint-{WORKER}"  # noqa: F405
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"asgi-{WORKER}"  # noqa: F405
