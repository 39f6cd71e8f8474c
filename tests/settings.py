"""The real settings, with the one value a test run may not be given: a throwaway SECRET_KEY.

DATABASE_URL and REDIS_URL still come from the environment, so the same suite
runs on the embedded default and on PostgreSQL + Redis.
"""

import os

os.environ.setdefault("SECRET_KEY", "tests-only-not-a-secret-" + "x" * 40)
os.environ.setdefault("SECURE_COOKIES", "0")

from workshop.settings import *  # noqa: F403

# Tests serve static files from the source folders; nothing is collected.
STATIC_ROOT = None
WHITENOISE_USE_FINDERS = True
