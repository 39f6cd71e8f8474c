"""The join throttle (goals.throttle): invite links cannot be guessed, nor the join form flooded.

Each test comes from addresses of its own, drawn at random, because with REDIS_URL the counts
live in a Redis that other test runs share. The limits are set to the production defaults
(workshop/settings.py), which tests/settings.py otherwise turns off; the last section reads the
defaults themselves, with DEBUG (`./dev serve`) and without (a server).
"""

from __future__ import annotations

import functools
import ipaddress
import json
import os
import random
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings as django_settings
from django.test import Client, override_settings
from django.utils import timezone

from goals import throttle
from goals.models import Member
from tests.goals.conftest import join_over_http

ROOT = Path(__file__).resolve().parents[2]
JOINS_PER_MINUTE = 60
GUESSES_PER_MINUTE = 10

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def production_limits(settings):
    settings.JOIN_RATE_LIMIT = JOINS_PER_MINUTE
    settings.JOIN_GUESS_LIMIT = GUESSES_PER_MINUTE


class Frozen:
    def __init__(self) -> None:
        self.instant = timezone.now()

    def move(self, **delta: float) -> None:
        self.instant += timedelta(**delta)


@pytest.fixture(autouse=True)
def frozen() -> Iterator[Frozen]:
    """One instant for the whole test, so that no test's requests straddle the edge of a minute."""
    frozen = Frozen()
    with mock.patch("core.clock.now", side_effect=lambda: frozen.instant):
        yield frozen


def random_ipv4() -> str:
    return str(ipaddress.IPv4Address(random.randrange(0x0B000000, 0xDF000000)))  # 11.0.0.0 up to 223.0.0.0


def random_ipv6_network() -> ipaddress.IPv6Network:
    return ipaddress.IPv6Network((0x20010DB8 << 96 | random.getrandbits(32) << 64, 64))


def browser(address: str) -> Client:
    return Client(REMOTE_ADDR=address)


def unknown_token() -> str:
    return f"{random.getrandbits(172):043x}"


def join_url(token: str) -> str:
    return f"/join/{token}/"


def assert_throttled(response) -> None:
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= throttle.WINDOW_SECONDS
    text = response.content.decode()
    assert "Too many invite links tried" in text
    assert "second" in text


# --- guessing ----------------------------------------------------------------------------------------


def test_ten_unknown_links_a_minute_then_429(workshop, member_token):
    client = browser(random_ipv4())
    answers = [client.get(join_url(unknown_token())).status_code for _ in range(GUESSES_PER_MINUTE)]
    assert answers == [404] * GUESSES_PER_MINUTE
    assert_throttled(client.get(join_url(unknown_token())))


def test_a_guesser_learns_nothing_more_that_minute_not_even_from_a_real_link(workshop, member_token):
    address = random_ipv4()
    client = browser(address)
    for _ in range(GUESSES_PER_MINUTE + 1):
        client.get(join_url(unknown_token()))
    assert_throttled(client.get(join_url(member_token)))
    assert_throttled(client.post(join_url(member_token), {"display_name": "Guesser"}))
    assert not Member.objects.filter(name="Guesser").exists()
    # Somebody else, elsewhere, is not held up.
    assert browser(random_ipv4()).get(join_url(member_token)).status_code == 200


def test_the_pause_ends_with_the_minute(workshop, member_token, frozen):
    client = browser(random_ipv4())
    for _ in range(GUESSES_PER_MINUTE + 1):
        client.get(join_url(unknown_token()))
    assert client.get(join_url(member_token)).status_code == 429
    frozen.move(seconds=throttle.WINDOW_SECONDS)
    assert client.get(join_url(member_token)).status_code == 200


def test_known_links_that_no_longer_admit_are_not_guesses(leader_client, workshop):
    token = leader_client.post(
        f"/api/w/{workshop.id}/invites", {"max_uses": 1}, content_type="application/json"
    ).json()["token"]
    leader_client.delete(f"/api/w/{workshop.id}/invites/{token}")
    client = browser(random_ipv4())
    answers = {client.get(join_url(token)).status_code for _ in range(GUESSES_PER_MINUTE * 2)}
    assert answers == {410}


# --- flooding the join form --------------------------------------------------------------------------


def test_thirty_people_behind_one_address_join_in_a_minute_then_429(workshop, member_token):
    """Each person opens the link and posts the form: two requests of the 60."""
    address = random_ipv4()
    for number in range(JOINS_PER_MINUTE // 2):
        person = browser(address)
        assert person.get(join_url(member_token)).status_code == 200
        join_over_http(person, member_token, f"Office {number}")
    late = browser(address)
    assert_throttled(late.get(join_url(member_token)))
    assert_throttled(late.post(join_url(member_token), {"display_name": "Late"}))
    assert Member.objects.filter(workshop=workshop, name__startswith="Office").count() == JOINS_PER_MINUTE // 2
    assert not Member.objects.filter(name="Late").exists()


def test_every_request_to_a_link_counts(workshop, member_token):
    client = browser(random_ipv4())
    answers = [client.get(join_url(member_token)).status_code for _ in range(JOINS_PER_MINUTE)]
    assert answers == [200] * JOINS_PER_MINUTE
    assert_throttled(client.get(join_url(member_token)))


def test_a_limit_of_zero_is_no_limit(settings, workshop, member_token):
    settings.JOIN_RATE_LIMIT = 0
    settings.JOIN_GUESS_LIMIT = 0
    client = browser(random_ipv4())
    for _ in range(JOINS_PER_MINUTE + 1):
        assert client.get(join_url(unknown_token())).status_code == 404
    assert client.get(join_url(member_token)).status_code == 200


# --- who a client is ---------------------------------------------------------------------------------


def test_an_ipv6_client_is_its_64_network(workshop, member_token):
    network = random_ipv6_network()
    hosts = [str(network.network_address + random.getrandbits(64)) for _ in range(GUESSES_PER_MINUTE + 1)]
    for host in hosts[:-1]:
        assert browser(host).get(join_url(unknown_token())).status_code == 404
    assert browser(hosts[-1]).get(join_url(unknown_token())).status_code == 429
    neighbour = ipaddress.IPv6Network((int(network.network_address) + (1 << 64), 64))
    assert browser(str(neighbour.network_address + 1)).get(join_url(member_token)).status_code == 200


@pytest.mark.parametrize(
    ("remote_addr", "client"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2:aaaa:bbbb:cccc:dddd", "2001:db8:1:2::"),
        ("2001:db8:1:2::1", "2001:db8:1:2::"),
        ("", ""),
    ],
)
def test_client_address(rf, remote_addr, client):
    request = rf.get("/", REMOTE_ADDR=remote_addr)
    assert throttle.client_address(request) == client


# --- where it counts ---------------------------------------------------------------------------------


def test_the_cache_is_redis_exactly_when_redis_url_is_set():
    backend = django_settings.CACHES["default"]["BACKEND"]
    if django_settings.REDIS_URL:
        assert backend == "django.core.cache.backends.redis.RedisCache"
        assert django_settings.CACHES["default"]["LOCATION"] == django_settings.REDIS_URL
    else:
        assert backend == "django.core.cache.backends.locmem.LocMemCache"


def test_another_process_adds_to_the_count_with_redis_and_not_without(workshop, member_token, frozen):
    """Another Django process takes 6 requests of this client's 10 guesses.

    With REDIS_URL the count is shared, so this process admits 4 more; without, each process
    counts its own (one process is the embedded setup), so this one admits 10.
    """
    address = random_ipv4()
    elsewhere = 6
    code = (
        "import django; django.setup()\n"
        "from datetime import datetime\n"
        "from unittest import mock\n"
        "from goals import throttle\n"
        f"instant = datetime.fromisoformat({frozen.instant.isoformat()!r})\n"
        "mock.patch('core.clock.now', return_value=instant).start()\n"
        f"for _ in range({elsewhere}): assert throttle.count(throttle.GUESSES, {address!r})\n"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "JOIN_GUESS_LIMIT": str(GUESSES_PER_MINUTE)}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)  # noqa: S603

    client = browser(address)
    admitted = 0
    while client.get(join_url(unknown_token())).status_code == 404:
        admitted += 1
        assert admitted <= GUESSES_PER_MINUTE
    shared = bool(django_settings.REDIS_URL)
    assert admitted == (GUESSES_PER_MINUTE - elsewhere if shared else GUESSES_PER_MINUTE)


def test_joins_go_on_when_the_cache_is_down(workshop, member_token):
    with (
        mock.patch.object(throttle.cache, "add", side_effect=ConnectionError("cache down")),
        mock.patch.object(throttle.cache, "get", side_effect=ConnectionError("cache down")),
    ):
        member = join_over_http(browser(random_ipv4()), member_token, "Resilient")
    assert member.name == "Resilient"


# --- ./dev serve and a server ------------------------------------------------------------------------


@functools.cache
def limits_in(debug: str, **environment: str) -> dict[str, int]:
    """The limits workshop.settings gives a process with DEBUG and only the given environment."""
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'JOIN_RATE_LIMIT': s.JOIN_RATE_LIMIT, 'JOIN_GUESS_LIMIT': s.JOIN_GUESS_LIMIT}))"
    )
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "workshop.settings",
        "DEBUG": debug,
        "SECRET_KEY": "tests-only-not-a-secret-" + "x" * 40,
        **environment,
    }
    done = subprocess.run(  # noqa: S603 (our own interpreter and settings)
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True
    )
    return json.loads(done.stdout)


@pytest.fixture
def loopback_tabs(frozen) -> None:
    """Browser tabs on the machine that runs the server: all of them 127.0.0.1, like every test client.

    A minute of their own, drawn at random, keeps other tests' and other runs' counts for that
    address out of this one's.
    """
    frozen.move(minutes=random.randrange(1, 24 * 60))


def test_dev_serve_has_no_join_throttle_and_a_server_has_one():
    assert limits_in("1") == {"JOIN_RATE_LIMIT": 0, "JOIN_GUESS_LIMIT": 0}
    assert limits_in("0") == {"JOIN_RATE_LIMIT": JOINS_PER_MINUTE, "JOIN_GUESS_LIMIT": GUESSES_PER_MINUTE}


def test_a_limit_in_the_environment_wins_either_way():
    assert limits_in("1", JOIN_RATE_LIMIT="40") == {"JOIN_RATE_LIMIT": 40, "JOIN_GUESS_LIMIT": 0}
    assert limits_in("0", JOIN_GUESS_LIMIT="0") == {"JOIN_RATE_LIMIT": JOINS_PER_MINUTE, "JOIN_GUESS_LIMIT": 0}


@pytest.mark.parametrize(("debug", "joined"), [("1", JOINS_PER_MINUTE + 1), ("0", JOINS_PER_MINUTE)])
def test_a_crowd_on_one_machine_joins_under_dev_serve_and_is_held_at_60_on_a_server(
    debug, joined, workshop, member_token, loopback_tabs
):
    with override_settings(**limits_in(debug)):
        answers = [
            browser("127.0.0.1").post(join_url(member_token), {"display_name": f"Tab {n}"})
            for n in range(JOINS_PER_MINUTE + 1)
        ]
    assert [answer.status_code for answer in answers[:JOINS_PER_MINUTE]] == [302] * JOINS_PER_MINUTE
    if debug == "0":
        assert_throttled(answers[-1])
    else:
        assert answers[-1].status_code == 302
    assert Member.objects.filter(workshop=workshop, name__startswith="Tab ").count() == joined


@pytest.mark.parametrize("debug", ["1", "0"])
def test_stale_links_on_one_machine_block_nothing_under_dev_serve_but_do_on_a_server(
    debug, workshop, member_token, loopback_tabs
):
    tab = browser("127.0.0.1")
    with override_settings(**limits_in(debug)):
        stale = [tab.get(join_url(unknown_token())).status_code for _ in range(GUESSES_PER_MINUTE + 1)]
        real = tab.get(join_url(member_token))
    if debug == "0":
        assert stale == [404] * GUESSES_PER_MINUTE + [429]
        assert_throttled(real)
    else:
        assert stale == [404] * (GUESSES_PER_MINUTE + 1)
        assert real.status_code == 200
