"""Settings come from the environment; with nothing set, Rallypoint runs embedded.

Embedded means SQLite and the in-memory channel layer in one Daphne process.
`DATABASE_URL` (PostgreSQL) and `REDIS_URL` switch to the scale-out setup.
"""

from datetime import timedelta
from importlib.util import find_spec
from pathlib import Path

import environ
from csp.constants import NONE, SELF

BASE_DIR = Path(__file__).resolve().parent.parent


def shipped(folder: str, package: str) -> Path:
    """The checkout's top-level `folder` (templates/, static/) or, installed from the wheel, the data
    package it is shipped as (pyproject.toml's package-dir). A checkout is the folder with manage.py:
    installed, the folder above workshop/ is site-packages, where another project's `templates`
    might lie."""
    if (BASE_DIR / "manage.py").is_file():
        return BASE_DIR / folder
    spec = find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return BASE_DIR / folder  # neither: Django's checks say what is missing
    return Path(next(iter(spec.submodule_search_locations)))


env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="rallypoint-insecure-development-key-only-for-debug")
else:
    SECRET_KEY = env.str("SECRET_KEY")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# 405 before 403 for a method the URL never takes, and the JSON API's error object on /api/.
CSRF_FAILURE_VIEW = "workshop.csrf.csrf_failure"

INSTALLED_APPS = [
    "daphne",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "channels",
    "axes",
    "csp",
    "live",
    "goals",
    "planning",
    "room",
    "clients",
    "frameworks",
    "django_tasks",
    "django_tasks_db",
    "jobs",
    "outbound",
    "mail",
    "calendars",
    "webhooks",
    "chat",
]

# The live engine's workshop and member (live.models): the rows it locks and the actors it reads.
LIVE_WORKSHOP_MODEL = "goals.Workshop"
LIVE_MEMBER_MODEL = "goals.Member"

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.http.DomainErrorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a login refused for too many failures into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "workshop.urls"
ASGI_APPLICATION = "workshop.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [shipped("templates", "rallypoint_templates")],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "goals.identity.identity",
            ],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # The write lock is taken at BEGIN (IMMEDIATE), so two writers never
        # deadlock upgrading a read lock; WAL lets readers go on while one writes.
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # A file, not memory, so that test threads and a test server share one database.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "test-rallypoint.sqlite3")}
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DB_POOL_MIN", default=2),
        "max_size": env.int("DB_POOL_MAX", default=20),
        # Ops wait at most this long for a connection before failing loudly.
        "timeout": 10,
    }

# Threads per process that run the websocket's database calls (room.consumers); each
# holds a connection only while it runs a call, so keep DB_POOL_MAX above this. More threads
# wait on the GIL for one another and the event loop: 2-4 beat 8 under load (docs/performance.md).
DATABASE_THREADS = env.int("DATABASE_THREADS", default=4)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Days the event log keeps a change (`manage.py prune_log`, live.retention). Only sockets catching
# up read the log, and one that needs a pruned event gets a fresh snapshot instead: a day would
# do; a month also leaves operators a history of recent changes to look into.
EVENT_RETENTION_DAYS = env.int("EVENT_RETENTION_DAYS", default=30)

REDIS_URL = env.str("REDIS_URL", default="")
# "pubsub" or "core": see docs/performance.md for the measurements behind the default.
CHANNEL_LAYER = env.str("CHANNEL_LAYER", default="pubsub")
if REDIS_URL and CHANNEL_LAYER == "pubsub":
    CHANNEL_LAYERS = {
        "default": {
            # One PUBLISH per event, received once per process by the workshop's room
            # (live.rooms); the core layer pushes and pops a copy per socket.
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": REDIS_URL, "socket_timeout": 15}]},
        }
    }
elif REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 reads with a 5 s socket timeout by default, which races the
                # layer's own 5 s blocking pop and tears idle sockets down (channels_redis
                # #422). Three pops' worth still notices a Redis that has gone away.
                "hosts": [{"address": REDIS_URL, "socket_timeout": 15}],
                # A slow socket may fall this many events behind before the
                # layer drops for it; the socket notices the gap and reads the log.
                "capacity": 1000,
                "expiry": 60,
                "group_expiry": 86400,
            },
        }
    }
else:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels.layers.InMemoryChannelLayer",
            "CONFIG": {"capacity": 1000, "expiry": 60},
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# django-axes refuses a login before the password is checked once an account, or a client address,
# has failed 5 times with no 15-minute pause; the refusal lasts until 15 minutes after the last
# failure (attempts while refused do not extend it). Attempts are rows in the database, so every
# process counts them together.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Only failures are kept; no log of every successful login's address and browser.
AXES_DISABLE_ACCESS_LOG = True
AXES_CLIENT_IP_CALLABLE = "goals.throttle.client_address"
AXES_LOCKOUT_CALLABLE = "goals.views.login_locked_out"
AXES_VERBOSE = False

# Requests to /join/<token>/ per client address and minute (goals.throttle): all of them, and
# apart from that the unknown tokens among them, which is what guessing links looks like. 60 lets
# an office behind one address open the link and join, about 30 people a minute; 10 unknown
# links a minute is more than anyone mistypes. 0 turns a limit off (the benchmarks' 500 guests).
# With DEBUG (`./dev serve`) both default to off: there every guest of a workshop tried on one
# machine is 127.0.0.1, and stale links after a fresh database are not guessing.
JOIN_RATE_LIMIT = env.int("JOIN_RATE_LIMIT", default=0 if DEBUG else 60)
JOIN_GUESS_LIMIT = env.int("JOIN_GUESS_LIMIT", default=0 if DEBUG else 10)

# The throttles count in the cache: with REDIS_URL in Redis, shared by every process; without,
# in each process's memory, which is right for the one process of the embedded setup.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "rallypoint",
            # A join waits at most this long for Redis; goals.throttle then lets it through.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
# Guests hold their membership only in the session: keep it for a month.
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
# Served over HTTPS only (nginx in front, deploy/): secure cookies, HSTS, and a redirect of any
# plain-HTTP request. On unless DEBUG; the tests and benchmarks, which serve plain HTTP on
# 127.0.0.1, turn it off with HTTPS=0. Daphne's --proxy-headers tells Django the scheme.
HTTPS = env.bool("HTTPS", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=HTTPS)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = HTTPS
# docs/deploy.md probes each instance over plain HTTP on its own socket.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# A year, as nginx also says for the files it serves itself.
SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
# Preloading binds the whole registrable domain, not just this site: the operator's call.
SECURE_HSTS_PRELOAD = env.bool("HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]

# Scripts only from our own static files: no inline script, no eval, no inline style attributes.
# 'self' in connect-src covers the same-origin websocket (ws: and wss:). Images may also be data:
# URIs: the return link's QR code (an SVG, which runs no script when shown as an <img>).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Reaching people where they work (protocol §9) ------------------------------------------------

# The base of every absolute link in mail, calendar feeds and webhook bodies: where people reach
# this site. The default fits `./dev serve`; production sets its https address.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

# Background jobs live in the database (django_tasks_db), queued in the caller's transaction.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Whether this serving process also runs jobs, in JOBS_THREADS threads (jobs.worker): on with
# DEBUG, so that `./dev serve` needs no second command; production runs `manage.py worker`.
RUN_JOBS = env.bool("RUN_JOBS", default=DEBUG)
JOBS_THREADS = env.int("JOBS_THREADS", default=4)
# Whether the committed seam hands changes to a thread of their own to queue the log reads, so that
# a workshop's ops never wait for those queries (jobs.log.on_commit). On by default: run on the
# committing thread they took a sixth of a busy room's turn (docs/performance.md). What was handed
# over is queued before a process that is stopped exits; a process that crashes may leave the last
# few milliseconds' changes to the tick's catch-up, as the committing thread's own window between
# the commit and its queuing always did.
JOBS_QUEUE_IN_BACKGROUND = env.bool("JOBS_QUEUE_IN_BACKGROUND", default=True)

# Mail goes out through Django's backends, chosen by EMAIL_URL: smtp://user:pass@host:port,
# smtp+tls://… (STARTTLS), smtps://… (TLS from the first byte, port 465), or console:// (printed;
# the default). django-environ reads `smtps` as STARTTLS, which a port-465 server never answers:
# it is read here as `smtp+ssl`, what the name means everywhere else.
EMAIL_URL = env.str("EMAIL_URL", default="console://")
_email_scheme, _, _email_rest = EMAIL_URL.partition(":")
if _email_scheme == "console":
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
else:
    if _email_scheme == "smtps":
        _email_scheme = "smtp+ssl"
    vars().update(environ.Env.email_url_config(f"{_email_scheme}:{_email_rest}"))
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Rallypoint <rallypoint@localhost>")
# Days before an item is due that its owners are reminded (and once more the day after).
REMINDER_DAYS = env.int("REMINDER_DAYS", default=2)

# Webhook and chat addresses must be https and public (outbound.guard); an intranet, and the
# tests' receivers on loopback, lift that.
WEBHOOKS_ALLOW_HTTP = env.bool("WEBHOOKS_ALLOW_HTTP", default=False)
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=False)

LANGUAGE_CODE = "en"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [shipped("static", "rallypoint_static")]
# Where `collectstatic` puts the files nginx (or WhiteNoise, without nginx) serves; an installed
# copy sets it, as the folder above workshop/ is then site-packages.
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))

# Every record goes to the root's one console handler, once. Django's own defaults (applied
# before these) give the "django" logger a console handler of its own when DEBUG is on, and it
# propagates to the root too, so that under `./dev serve` every line of Django, of its
# autoreloader and of Daphne's runserver ("django.channels.server") was printed twice: naming
# the logger here without handlers removes Django's. ("django.server", runserver's WSGI request
# log, keeps its handler and does not propagate; Daphne does not use it.)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"not_http2_notice": {"()": "workshop.logs.SkipHttp2Notice"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        # Daphne says at every start that HTTP/2 is off (workshop.logs says why that is right).
        "daphne.server": {"filters": ["not_http2_notice"]},
        # fontTools logs every step of subsetting the PDF's font at INFO.
        "fontTools": {"level": "WARNING"},
    },
}
