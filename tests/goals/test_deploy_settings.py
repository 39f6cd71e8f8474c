"""The production settings: Django's deployment check, the plain-HTTP switch, the limits, the CSP.

The settings are read in a fresh process with only the environment a server would have
(deploy/env.example), not the tests' own (tests/settings.py turns HTTPS and the join throttle off).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "workshop.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "rallypoint.example.org",
        "CSRF_TRUSTED_ORIGINS": "https://rallypoint.example.org",
        **extra,
    }


def manage(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 (our own interpreter and manage.py)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=production_env(**extra),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def warnings_of(done: subprocess.CompletedProcess[str]) -> set[str]:
    return set(re.findall(r"\((\w+\.[EW]\d+)\)", done.stdout + done.stderr))


def test_check_deploy_is_clean_on_the_production_settings():
    done = manage("check", "--deploy", "--fail-level", "WARNING")
    assert done.returncode == 0, done.stdout + done.stderr
    assert warnings_of(done) == set()


def test_https_0_turns_off_exactly_the_https_only_settings():
    """What tests/servers.py and the benchmarks set to serve plain HTTP on 127.0.0.1."""
    done = manage("check", "--deploy", "--fail-level", "WARNING", HTTPS="0")
    assert done.returncode != 0
    assert warnings_of(done) == {"security.W004", "security.W008", "security.W012", "security.W016"}


def test_the_limits_a_server_runs_with():
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'join': s.JOIN_RATE_LIMIT, 'guess': s.JOIN_GUESS_LIMIT, "
        "'logins': s.AXES_FAILURE_LIMIT, 'cool_off': s.AXES_COOLOFF_TIME.total_seconds(), "
        "'hsts': s.SECURE_HSTS_SECONDS, 'redirect': s.SECURE_SSL_REDIRECT, 'cache': s.CACHES['default']['BACKEND']}))"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], cwd=ROOT, env=production_env(), capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == {
        "join": 60,
        "guess": 10,
        "logins": 5,
        "cool_off": 15 * 60,
        "hsts": 365 * 24 * 3600,
        "redirect": True,
        "cache": "django.core.cache.backends.locmem.LocMemCache",
    }


@pytest.mark.django_db
def test_plain_http_is_sent_to_https_but_healthz_answers(settings):
    settings.SECURE_SSL_REDIRECT = True
    response = Client().get("/accounts/login/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/accounts/login/"
    assert Client().get("/healthz").status_code == 200


@pytest.mark.django_db
def test_https_responses_carry_hsts(settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    response = Client().get("/accounts/login/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


# --- Content Security Policy ---------------------------------------------------------------------------


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/join/unknown-token-of-some-length/"])
def test_every_page_carries_a_csp_without_inline_script(path):
    response = Client().get(path)
    directives = csp_directives(response["Content-Security-Policy"])
    assert directives["script-src"] == ["'self'"]
    assert directives["default-src"] == ["'self'"]
    assert directives["object-src"] == ["'none'"]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["base-uri"] == ["'none'"]
    assert not any("unsafe" in value for values in directives.values() for value in values)


INLINE = [
    (re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I), "a <script> without src"),
    (re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I), "an on* event attribute"),
    (re.compile(r"javascript:", re.I), "a javascript: URL"),
    (re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I), "a style attribute"),
    (re.compile(r"<style[\s>]", re.I), "a <style> block"),
]


def test_templates_and_static_have_no_inline_script_or_style():
    """What the CSP would block: anything a browser runs or styles from inside the HTML."""
    found = []
    files = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html"), *ROOT.glob("static/**/*.html")]
    # Mail's HTML parts are read in mail clients, not served under the CSP, and mail clients
    # honour inline styles only (docs/integrations.md).
    files = [file for file in files if not file.is_relative_to(ROOT / "templates" / "mail" / "email")]
    for file in files:
        text = file.read_text()
        found += [f"{file.relative_to(ROOT)}: {what}" for pattern, what in INLINE if pattern.search(text)]
    for file in ROOT.glob("static/js/**/*.js"):
        text = file.read_text()
        if re.search(r"\b(eval|Function)\s*\(|\.innerHTML\s*=|setAttribute\(\s*[\"']style", text):
            found.append(f"{file.relative_to(ROOT)}: eval, innerHTML or a style attribute")
    assert files
    assert found == []


LOG_SOME_LINES = """
import logging, django
django.setup()
logging.getLogger("django.utils.autoreload").info("Watching for file changes")
logging.getLogger("django.channels.server").info("HTTP GET / 200")
logging.getLogger("django.request").warning("Not Found: /nowhere/")
logging.getLogger("daphne.server").info("HTTP/2 support not enabled (install the http2 and tls Twisted extras)")
logging.getLogger("daphne.server").info("Listening on TCP address 127.0.0.1:8000")
"""


@pytest.mark.parametrize("debug", ["1", "0"])
def test_each_log_line_is_printed_once_and_daphnes_http2_notice_not_at_all(debug):
    """`./dev serve` (DEBUG=1) printed Django's and runserver's lines twice: Django's own console
    handler and the root's. Daphne's HTTP/2 notice is dropped (workshop/logs.py says why)."""
    result = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, "-c", LOG_SOME_LINES],
        cwd=ROOT,
        env=production_env(DEBUG=debug),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    lines = result.stderr.splitlines()
    assert lines == [
        "Watching for file changes",
        "HTTP GET / 200",
        "Not Found: /nowhere/",
        "Listening on TCP address 127.0.0.1:8000",
    ]
