"""The address rules (outbound/guard.py, protocol §9): https only, public addresses only, checked
when a URL is added and again on the address a delivery connects to; redirects are never followed.

Names resolve through a resolver the test controls, so no test depends on DNS, and nothing ever
connects anywhere but loopback: a refused address is refused before any connection is tried.
"""

from __future__ import annotations

import socket
from unittest import mock

import pytest

from core.errors import Invalid
from outbound import guard
from outbound.http import Poster

REFUSED = [
    "127.0.0.1",
    "127.1.2.3",
    "10.1.2.3",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",
    "0.0.0.0",  # noqa: S104 (an address refused, not one bound to)
    "::1",
    "fe80::1",
    "fc00::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "224.0.0.1",
    "ff02::1",
    "240.0.0.1",
    "255.255.255.255",
]
PUBLIC = ["93.184.216.34", "1.1.1.1", "2606:2800:220:1:248:1893:25c8:1946"]


@pytest.fixture
def rules(settings):
    settings.WEBHOOKS_ALLOW_HTTP = False
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    return settings


@pytest.fixture
def no_connections():
    with mock.patch.object(socket, "create_connection", side_effect=AssertionError("connected")) as connect:
        yield connect


def resolving_to(*addresses: str):
    return mock.patch.object(guard, "resolver", mock.Mock(return_value=list(addresses)))


@pytest.mark.parametrize("address", REFUSED)
def test_a_name_resolving_to_a_non_public_address_is_refused(rules, no_connections, address):
    with resolving_to(address), pytest.raises(Invalid) as refused:
        guard.check_url("https://hooks.example.com/in", field="url")
    assert refused.value.detail == {"field": "url"}
    assert address.split("%")[0] in refused.value.message


@pytest.mark.parametrize("address", REFUSED)
def test_a_delivery_to_a_name_now_resolving_to_a_non_public_address_is_refused(rules, no_connections, address):
    with resolving_to(address), Poster(timeout=1) as poster:
        answer = poster.post("https://hooks.example.com/in", b"{}", {})
    assert answer.status is None
    assert not answer.ok
    assert "not a public address" in answer.error
    no_connections.assert_not_called()


def test_one_non_public_address_among_public_ones_is_enough_to_refuse(rules):
    with resolving_to("93.184.216.34", "10.0.0.5"), pytest.raises(Invalid):
        guard.check_url("https://hooks.example.com/in")


@pytest.mark.parametrize("address", PUBLIC)
def test_a_public_address_is_accepted(rules, no_connections, address):
    with resolving_to(address):
        target = guard.check_url("https://hooks.example.com:8443/in?a=1")
    assert (target.host, target.port, target.path) == ("hooks.example.com", 8443, "/in?a=1")


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example.com/",
        "ftp://hooks.example.com/",
        "https://",
        "https://u:p@hooks.example.com/",
        "",
        "x" * 3000,
    ],
)
def test_not_https_or_not_an_address_is_refused(rules, url):
    with resolving_to("93.184.216.34"), pytest.raises(Invalid):
        guard.check_url(url, field="url")


def test_an_unknown_name_is_refused(rules):
    def nowhere(host, port):
        raise OSError("no such name")

    with mock.patch.object(guard, "resolver", nowhere), pytest.raises(Invalid) as refused:
        guard.check_url("https://nowhere.example.com/")
    assert "could not be found" in refused.value.message


def test_the_settings_lift_the_rules_for_intranets(settings):
    settings.WEBHOOKS_ALLOW_HTTP = True
    settings.WEBHOOKS_ALLOW_PRIVATE = True
    with resolving_to("10.1.2.3"):
        assert guard.check_url("http://intranet.local/hook").scheme == "http"
