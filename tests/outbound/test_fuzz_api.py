"""Hostile input to the JSON API of protocol §9 (webhooks, chat rooms, the calendar feed), generated
by Hypothesis, as tests/planning/test_fuzz.py does for the websocket's ops.

Each request starts valid and is broken one way: a body that is not JSON or not an object, nested
past the parser's limit, a field unknown, missing or of the wrong JSON type, a URL that is not one
we may send to (not https, with a user name, a host that is private, loopback, link-local,
multicast or reserved in any of its spellings, overlong, with whitespace or control characters,
a name nobody knows), events that are not events, a description too long or unstorable, an id in
the path that is no id (not a number, huge, negative, digits of another script). Whatever it is,
the answer is a 4xx JSON error object `{"code", "message", "detail"}`, with `detail.field`
naming the field when there is one, never a 500, and nothing changes: every row of every webhooks,
chat, log-cursor and jobs table is compared before and after.

Names resolve through a resolver this file installs (`outbound.guard.resolver`): a small table of
names, and IP literals (in every spelling glibc's inet_aton takes) to themselves, as getaddrinfo
would, without asking anyone. Nothing may connect anywhere: `socket.create_connection` fails the
test. Examples are derandomized, as in tests/planning/test_fuzz.py.
"""

from __future__ import annotations

import ipaddress
import json
import socket
import string
from dataclasses import dataclass
from typing import Any
from unittest import mock
from urllib.parse import quote

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult
from hypothesis import given, settings
from hypothesis import strategies as st

from chat.models import ChatPost, ChatRoom, Subject
from live.models import LogCursor
from outbound import guard
from tests.goals.conftest import logged_in
from tests.planning.test_fuzz import BIG_NUMBERS, FUZZ, HOSTILE_STRINGS, json_values, too_long
from webhooks.events import EVENT_NAMES, EVENTS_MAX
from webhooks.models import DESCRIPTION_MAX, Delivery, Endpoint

BODY_EXAMPLES = 120  # per endpoint
ID_EXAMPLES = 25  # per URL with an id

PUBLIC_V4, PUBLIC_V6 = "93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946"
NAMES: dict[str, list[str]] = {
    "hooks.example.com": [PUBLIC_V4],
    "chat.example.com": [PUBLIC_V4, PUBLIC_V6],
    "xn--bcher-kva.example": [PUBLIC_V4],  # bücher.example
    "internal.example.com": ["10.0.0.5"],
    "metadata.example.com": ["169.254.169.254"],
    "loop.example.com": ["127.0.0.1"],
    "loop6.example.com": ["::1"],
    "mixed.example.com": [PUBLIC_V4, "192.168.1.10"],
    "mapped.example.com": ["::ffff:10.0.0.1"],
    "empty.example.com": [],
}


def resolve(host: str, port: int) -> list[str]:
    """getaddrinfo without the network: IP literals (inet_aton's spellings too) and NAMES."""
    try:
        return [str(ipaddress.ip_address(host.split("%", 1)[0]))]
    except ValueError:
        pass
    try:
        return [socket.inet_ntoa(socket.inet_aton(host))]  # "127.1", "0x7f.1", "2130706433"
    except (OSError, ValueError):
        pass
    if host not in NAMES:
        raise OSError(f"{host} is not known here")
    return NAMES[host]


def reaches_public(host: str) -> bool:
    """Whether a random host happens to be a name or address we may send to (then it is no break)."""
    try:
        addresses = resolve(host.lower().strip(".").strip("[]"), 443)
    except OSError:
        return False
    return bool(addresses) and all(guard.public(address) for address in addresses)


TABLES = (Endpoint, Delivery, ChatRoom, ChatPost, LogCursor, DBTaskResult)


def everything() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table an integration writes: what a refusal must leave as it was."""
    return {table.__name__: list(table.objects.order_by("pk").values()) for table in TABLES}


@pytest.fixture
def api(settings, leader_user, workshop):
    """The leader's browser on a workshop with one webhook (and a ping delivered to it) and one chat
    room, the address rules in force, names resolved by `resolve`, and no connection possible."""
    settings.WEBHOOKS_ALLOW_HTTP = False
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    settings.SITE_URL = "https://rallypoint.example.org"
    with (
        mock.patch.object(guard, "resolver", resolve),
        mock.patch.object(socket, "create_connection", side_effect=AssertionError("connected")),
    ):
        client = logged_in(leader_user)
        base = f"/api/w/{workshop.id}"
        hook = client.post(f"{base}/webhooks", WEBHOOK, content_type="application/json")
        assert hook.status_code == 201, hook.content
        room = client.post(f"{base}/chat", CHAT, content_type="application/json")
        assert room.status_code == 201, room.content
        ping = client.post(f"{base}/webhooks/{hook.json()['id']}/test")
        assert ping.status_code == 202, ping.content
        yield Api(client, base, hook.json()["id"], room.json()["id"], ping.json()["id"])


@dataclass
class Api:
    client: Client
    base: str
    hook: int
    room: int
    delivery: str


# What each body holds, valid.

WEBHOOK = {"url": "https://hooks.example.com/in/crm?x=1", "events": ["item.added", "ping"], "description": "CRM"}
CHAT = {"kind": "slack", "url": "https://chat.example.com/services/T0/B0/xyzw", "events": ["agreed", "blocked"]}
BODIES = {"webhooks": WEBHOOK, "chat": CHAT}
REQUIRED = {"webhooks": ("url", "events"), "chat": ("kind", "url")}


@dataclass(frozen=True)
class Broken:
    """A broken request body (the text sent), and the answer it gets."""

    body: str
    code: str
    field: str | None = None


def wire(value: Any) -> str:
    """JSON as a client sends it: lone surrogates and non-finite numbers included, as escapes and
    NaN/Infinity, which Python's decoder (and so the server's) reads back."""
    return json.dumps(value)


# URLs we may not send to

NOT_HTTPS = [
    "http://hooks.example.com/in",
    "ftp://hooks.example.com/in",
    "file:///etc/passwd",
    "gopher://hooks.example.com:70/_x",
    "javascript:alert(1)//https://hooks.example.com/",
    "data:text/plain,https://hooks.example.com/",
    "//hooks.example.com/in",
    "hooks.example.com/in",
    "https:hooks.example.com/in",
    "https:///in",
    "https://",
    "HTTPS ://hooks.example.com/",
    "",
    "   ",
]
USERINFO = [
    "https://user:pass@hooks.example.com/in",
    "https://user@hooks.example.com/in",
    "https://:pass@hooks.example.com/in",
    "https://@hooks.example.com/in",
    "https://hooks.example.com@metadata.example.com/",
    "https://hooks.example.com\\@metadata.example.com/",
    "https://hooks.example.com%40metadata.example.com/",
]
PRIVATE_HOSTS = [
    "127.0.0.1",
    "127.1",
    "2130706433",
    "0x7f.1",
    "017700000001",
    "0",
    "0.0.0.0",  # noqa: S104 (an address refused, not one bound to)
    "10.0.0.5",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",
    "169.254.169.254",
    "224.0.0.1",
    "239.255.255.250",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
    "198.18.0.1",
    "[::1]",
    "[::]",
    "[fe80::1]",
    "[fe80::1%25eth0]",
    "[fc00::1]",
    "[fd12:3456::1]",
    "[ff02::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:7f00:1]",
    "[::ffff:169.254.169.254]",
    "[::127.0.0.1]",
    "[2001:db8::1]",
    "[64:ff9b::a00:5]",  # NAT64 of 10.0.0.5
    "[64:ff9b::7f00:1]",  # NAT64 of 127.0.0.1
    "[2002:7f00:1::]",  # 6to4 of 127.0.0.1
    "[2002:a9fe:a9fe::1]",  # 6to4 of 169.254.169.254
    "internal.example.com",
    "metadata.example.com",
    "loop.example.com",
    "loop6.example.com",
    "mixed.example.com",
    "mapped.example.com",
    "empty.example.com",
    "localhost",
    "nowhere.invalid",
]
NON_ASCII_HOSTS = [
    "exämple.com",
    "hooks.exämple.com",
    "\u0661\u0662\u0667.0.0.1",  # Arabic-Indic 127.0.0.1
    "127\uff0e0\uff0e0\uff0e1",
    "xn--.example.com",
    "xn--bcher-kva.example",  # public: must be refused for its port or path below, not its host
]
BAD_CHARACTERS = [
    "\x00",
    "\t",
    "\n",
    "\r",
    " ",
    "\x0b",
    "\x0c",
    "\x1b",
    "\x7f",
    "\x85",
    "\xa0",
    "\u2028",
    "\u3000",
    "\u200b",
    "\u202e",
    "\ufeff",
    "\ud800",
    "\udfff",
]
PORTS = [":0", ":-1", ":65536", ":99999999999", ":https", ": 443", ":4 43", ":0x1bb", ":٤٤٣"]


def bad_urls(good: str) -> st.SearchStrategy[str]:
    """URLs refused, whatever the reason: each is `invalid` naming `url`."""
    path = good.split("/", 3)[3]
    hosts = st.sampled_from(PRIVATE_HOSTS + NON_ASCII_HOSTS[:-1])
    inside = st.integers(min_value=1, max_value=len(good) - 1)
    return st.one_of(
        st.sampled_from(NOT_HTTPS + USERINFO),
        st.builds(lambda host: f"https://{host}/{path}", hosts),
        st.builds(
            lambda host, port: f"https://{host}{port}/{path}",
            st.sampled_from(["hooks.example.com"]),
            st.sampled_from(PORTS),
        ),
        st.builds(lambda port: f"https://xn--bcher-kva.example{port}/", st.sampled_from(PORTS)),
        # A character no address holds, anywhere inside (the ends are stripped).
        st.builds(lambda at, char: good[:at] + char + good[at:], inside, st.sampled_from(BAD_CHARACTERS)),
        # Overlong: past URL_MAX, or a host no DNS name can be (a label over 63, a name over 253).
        st.integers(min_value=guard.URL_MAX - len(good) + 1, max_value=3 * guard.URL_MAX).map(lambda n: good + "a" * n),
        st.integers(min_value=64, max_value=300).map(lambda n: f"https://{'a' * n}.example.com/"),
        st.integers(min_value=64, max_value=400).map(
            lambda n: "https://" + ".".join(["abcdefghij"] * (n // 10 + 20)) + "/"
        ),
        # A host of random text: nobody knows it.
        st.text(string.ascii_letters + string.digits + "-._~%!$&'()*+,;=:[]", min_size=1, max_size=30)
        .filter(lambda host: not reaches_public(host))
        .map(lambda host: f"https://{host}/x"),
    )


def url_breaks(good: str) -> st.SearchStrategy[tuple[str, Any, str]]:
    return st.one_of(
        bad_urls(good).map(lambda url: ("url", url, "invalid")),
        json_values.filter(lambda value: not isinstance(value, str)).map(lambda value: ("url", value, "bad_request")),
    )


def events_breaks(endpoint: str) -> st.SearchStrategy[tuple[str, Any, str]]:
    not_a_list_of_names = json_values.filter(
        lambda value: not isinstance(value, list) or not all(isinstance(entry, str) for entry in value)
    )
    if endpoint == "webhooks":
        names = [*EVENT_NAMES, "ping", "*"]
        unknown = st.text(max_size=20).filter(lambda name: name not in names) | st.sampled_from(
            ["item.add", "Item.Added", " item.added", "item.added ", "**", "all", "item.*", "\x00", "\ud800"]
        )
        refused = st.one_of(
            st.just([]),
            st.lists(unknown, min_size=1, max_size=4).flatmap(lambda bad: st.permutations([*bad, "item.added"])),
            st.lists(st.sampled_from(names[:-1]), min_size=1, max_size=4).map(lambda valid: ["*", *valid]),
            st.lists(st.sampled_from(names[:-1]), min_size=1, max_size=4).map(lambda valid: [*valid, "*"]),
            st.integers(min_value=EVENTS_MAX + 1, max_value=5000).map(lambda n: ["item.added"] * n),
        )
    else:
        subjects = list(Subject.values)
        unknown = st.text(max_size=20).filter(lambda name: name not in subjects) | st.sampled_from(
            ["*", "Agreed", " agreed", "item.added", "\x00", "\ud800"]
        )
        refused = st.one_of(
            st.just([]),
            st.lists(unknown, min_size=1, max_size=4).flatmap(lambda bad: st.permutations([*bad, "agreed"])),
            st.lists(unknown, min_size=200, max_size=2000, unique=False),
        )
    return st.one_of(
        refused.map(lambda value: ("events", value, "invalid")),
        not_a_list_of_names.map(lambda value: ("events", value, "bad_request")),
    )


def field_breaks(endpoint: str) -> st.SearchStrategy[tuple[str, Any, str]]:
    good = BODIES[endpoint]["url"]
    options = [url_breaks(good), events_breaks(endpoint)]
    if endpoint == "webhooks":
        options += [
            st.one_of(
                too_long(DESCRIPTION_MAX).map(lambda value: ("description", value, "invalid")),
                st.text(max_size=8).map(lambda text: ("description", f"{text}\x00{text}", "invalid")),
                st.text(max_size=8).map(lambda text: ("description", f"{text}\ud800{text}", "invalid")),
                json_values.filter(lambda value: not isinstance(value, str)).map(
                    lambda value: ("description", value, "bad_request")
                ),
            )
        ]
    else:
        kinds = {"slack", "mattermost", "teams", "discord"}
        options += [
            st.one_of(
                (st.text(max_size=12) | st.sampled_from(["Slack", " slack", "slack ", "msteams", "\x00", "*"]))
                .filter(lambda value: value not in kinds)
                .map(lambda value: ("kind", value, "invalid")),
                json_values.filter(lambda value: not isinstance(value, str)).map(
                    lambda value: ("kind", value, "bad_request")
                ),
            )
        ]
    return st.one_of(options)


NOT_JSON = st.one_of(
    st.text(max_size=40).filter(lambda text: not _is_json(text)),
    st.text(string.printable, max_size=40).map(lambda text: "{" + text).filter(lambda text: not _is_json(text)),
    st.integers(min_value=1001, max_value=100_000).map(lambda depth: "[" * depth + "]" * depth),
    st.integers(min_value=1001, max_value=20_000).map(lambda depth: '{"a":' * depth + "1" + "}" * depth),
    st.integers(min_value=4301, max_value=8000).map(lambda digits: '{"url": ' + "9" * digits + "}"),
    st.sampled_from(["1e999999", "-", "{", '{"url": "x",}', "\xff", "{'url': 'x'}"]),
)


def _is_json(text: str) -> bool:
    try:
        json.loads(text or "{}")
    except (ValueError, RecursionError):
        return False
    return True


def broken(endpoint: str) -> st.SearchStrategy[Broken]:
    body = BODIES[endpoint]
    fields = set(body) | ({"description"} if endpoint == "webhooks" else set())

    def with_field(case: tuple[str, Any, str]) -> Broken:
        name, value, code = case
        return Broken(wire({**body, name: value}), code, name)

    return st.one_of(
        json_values.filter(lambda value: not isinstance(value, dict)).map(
            lambda value: Broken(wire(value), "bad_request")
        ),
        NOT_JSON.map(lambda text: Broken(text, "bad_request")),
        st.builds(
            lambda name, value: Broken(wire({**body, name: value}), "bad_request", name),
            (st.text(min_size=1, max_size=12) | st.sampled_from(["URL", " url", "secret", "id", "\ud800"])).filter(
                lambda name: name not in fields
            ),
            json_values,
        ),
        st.sampled_from(REQUIRED[endpoint]).map(
            lambda name: Broken(wire({key: value for key, value in body.items() if key != name}), "bad_request", name)
        ),
        field_breaks(endpoint).map(with_field),
    )


def check_refusal(response: Any, case: Broken, status: int = 400) -> dict[str, Any]:
    """A 4xx JSON error object: the code, a message, the field named."""
    shown = case.body[:120]
    assert response.status_code == status, (shown, response.status_code, response.content[:300])
    assert response["Content-Type"] == "application/json", (shown, response["Content-Type"])
    error = response.json()
    assert set(error) == {"code", "message", "detail"}, (shown, error)
    assert isinstance(error["message"], str), (shown, error)
    assert error["message"], (shown, error)
    assert error["code"] == case.code, (shown, error)
    if case.field is not None:
        assert error["detail"].get("field") == case.field, (shown, error)
    return error


# 1. The bodies of POST /api/w/<id>/webhooks and POST /api/w/<id>/chat


def test_the_valid_bodies_are_accepted(api):
    """The unbroken bodies are taken: each refusal below is about its break, not the rest."""
    for endpoint, body in BODIES.items():
        response = api.client.post(f"{api.base}/{endpoint}", wire(body), content_type="application/json")
        assert response.status_code == 201, response.content


@pytest.mark.parametrize("endpoint", sorted(BODIES))
def test_every_broken_body_is_refused_with_its_field_named_and_changes_nothing(api, endpoint):
    before = everything()

    @settings(FUZZ, max_examples=BODY_EXAMPLES)
    @given(case=broken(endpoint))
    def fuzz(case: Broken) -> None:
        response = api.client.post(f"{api.base}/{endpoint}", case.body, content_type="application/json")
        check_refusal(response, case)
        assert everything() == before, f"{case.body[:120]!r} changed a table"

    fuzz()


# 2. The ids in the paths

UNICODE_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FULLWIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")


def bad_ids(real: str) -> st.SearchStrategy[str]:
    """Ids that are not the real one, though int() or str.isdigit() might think so."""
    return st.one_of(
        st.sampled_from(
            [
                "²",
                "³",
                "①",
                "٣",
                "-1",
                "0",
                "00",
                "-0",
                "1e3",
                "1.0",
                "0x1",
                "NaN",
                "null",
                "true",
                "[1]",
                "%00",
                "\x00",
                "\ud800",
                real.translate(UNICODE_DIGITS),
                real.translate(FULLWIDTH_DIGITS),
                f"+{real}",
                f" {real}",
                f"{real} ",
                f"{real}\n",
                f"{real}_",
                f"{real[:1]}_{real[1:]}" if len(real) > 1 else f"{real}_0",
                f"{real}.0",
                f"{real}abc",
                f"-{real}",
                "9" * 19,
                "9" * 30,
                "9" * 5000,
                str(2**63),
                str(2**64),
            ]
        ),
        st.sampled_from(BIG_NUMBERS).map(str),
        st.integers(min_value=10**9).map(str),
        st.integers(max_value=-1).map(str),
        st.text(min_size=1, max_size=20).filter(lambda text: "/" not in text and text != real),
        st.sampled_from(HOSTILE_STRINGS).filter(lambda text: "/" not in text),
    )


def id_requests(api: Api) -> dict[str, tuple[str, str]]:
    """Each URL with an id, as (method, template): `{}` is the id fuzzed."""
    base = api.base
    return {
        "webhook delete": ("delete", f"{base}/webhooks/{{}}"),
        "webhook test": ("post", f"{base}/webhooks/{{}}/test"),
        "webhook deliveries": ("get", f"{base}/webhooks/{{}}/deliveries"),
        "webhook retry (hook)": ("post", f"{base}/webhooks/{{}}/deliveries/{api.delivery}/retry"),
        "webhook retry (delivery)": ("post", f"{base}/webhooks/{api.hook}/deliveries/{{}}/retry"),
        "chat delete": ("delete", f"{base}/chat/{{}}"),
        "chat test": ("post", f"{base}/chat/{{}}/test"),
        "chat posts": ("get", f"{base}/chat/{{}}/posts"),
    }


ID_URLS = [
    "webhook delete",
    "webhook test",
    "webhook deliveries",
    "webhook retry (hook)",
    "webhook retry (delivery)",
    "chat delete",
    "chat test",
    "chat posts",
]


@pytest.mark.parametrize("which", ID_URLS)
def test_an_id_that_is_no_id_is_not_found_and_changes_nothing(api, which):
    method, template = id_requests(api)[which]
    real = api.delivery if "delivery" in which else str(api.room if which.startswith("chat") else api.hook)
    before = everything()

    @settings(FUZZ, max_examples=ID_EXAMPLES)
    @given(bad=bad_ids(real))
    def fuzz(bad: str) -> None:
        path = template.format(quote(bad.encode("utf-8", "surrogatepass"), safe=""))
        response = getattr(api.client, method)(path)
        check_refusal(response, Broken(repr(bad), "not_found"), status=404)
        assert everything() == before, f"{bad!r} changed a table"

    fuzz()


def test_the_id_urls_are_the_ones_the_views_take(api):
    assert set(id_requests(api)) == set(ID_URLS)
    # The real ids work, so a refusal above is about the id.
    assert api.client.get(f"{api.base}/webhooks/{api.hook}/deliveries").status_code == 200
    assert api.client.post(f"{api.base}/chat/{api.room}/test").status_code == 202


# 3. The calendar feed's API: no body is read; whatever is sent, the answer is the feed's.


@pytest.mark.parametrize("method", ["post", "delete"])
def test_the_calendar_api_ignores_any_body(api, method):
    @settings(FUZZ, max_examples=15)
    @given(text=NOT_JSON | json_values.map(wire))
    def fuzz(text: str) -> None:
        response = getattr(api.client, method)(f"{api.base}/me/calendar", text, content_type="application/json")
        assert response.status_code == (201 if method == "post" else 204), response.content[:200]

    fuzz()


# 4. What the fuzzer found, kept as plain examples


@pytest.mark.parametrize("endpoint", sorted(BODIES))
@pytest.mark.parametrize("depth", [1_001, 100_000])
def test_a_body_nested_past_the_parsers_limit_is_a_bad_request_not_a_server_error(api, endpoint, depth):
    """json.loads raises RecursionError, not ValueError: it was a 500 on every JSON endpoint."""
    before = everything()
    response = api.client.post(f"{api.base}/{endpoint}", "[" * depth + "]" * depth, content_type="application/json")
    check_refusal(response, Broken("deep", "bad_request"))
    assert everything() == before


FOUND_URLS = {
    "NUL in the path": "https://hooks.example.com/in\x00x",
    "lone surrogate in the path": "https://hooks.example.com/in\ud800",
    "space in the path": "https://hooks.example.com/in x",
    "tab in the host": "https://hooks.\texample.com/in",
    "space in the host": "https://hooks .example.com/in",
    "bidi override in the path": "https://hooks.example.com/\u202eni",
    "empty user name": "https://@hooks.example.com/in",
    "port 0": "https://hooks.example.com:0/in",
    "a label over 63": f"https://{'a' * 64}.example.com/",
    "a host over 253": "https://" + ".".join(["abcdefghij"] * 40) + "/",
    "6to4 of the metadata service": "https://[2002:a9fe:a9fe::1]/",
}


def anything_public(host: str, port: int) -> list[str]:
    """IP literals as they are, and any name a public address."""
    try:
        return resolve(host, port)
    except OSError:
        return [PUBLIC_V4]


@pytest.mark.parametrize("endpoint", sorted(BODIES))
@pytest.mark.parametrize("what", sorted(FOUND_URLS))
def test_an_address_found_by_the_fuzzer_is_invalid_and_stores_nothing(api, endpoint, what):
    """Each of these was taken and stored (a lone surrogate was a 500; a NUL or, for a chat room, a
    host over 300 characters would be one on PostgreSQL; a space in the path made every delivery
    fail), or reached the resolver, whose getaddrinfo raises UnicodeError, not OSError, for a
    label over 63. Here every name resolves to a public address: the address itself is refused."""
    before = everything()
    with mock.patch.object(guard, "resolver", anything_public):
        response = api.client.post(
            f"{api.base}/{endpoint}",
            wire({**BODIES[endpoint], "url": FOUND_URLS[what]}),
            content_type="application/json",
        )
    check_refusal(response, Broken(what, "invalid", "url"))
    assert everything() == before


@pytest.mark.parametrize("hid", ["²", "³", "①"])
@pytest.mark.parametrize("suffix", ["", "/test", "/deliveries"])
def test_a_superscript_digit_in_a_webhook_id_is_not_found_not_a_server_error(api, hid, suffix):
    """str.isdigit() takes "²", which int() refuses: it was a 500."""
    method = {"": "delete", "/test": "post", "/deliveries": "get"}[suffix]
    response = getattr(api.client, method)(f"{api.base}/webhooks/{quote(hid)}{suffix}")
    check_refusal(response, Broken(hid, "not_found"), status=404)


@pytest.mark.parametrize("spelling", ["arabic", "fullwidth", "plus", "space"])
@pytest.mark.parametrize("which", ["webhook", "chat"])
def test_an_id_spelled_otherwise_does_not_find_the_real_one(api, which, spelling):
    """int() reads "٣", "+3" and " 3" as 3: a chat room was deleted by them."""
    real = str(api.room if which == "chat" else api.hook)
    spelled = {
        "arabic": real.translate(UNICODE_DIGITS),
        "fullwidth": real.translate(FULLWIDTH_DIGITS),
        "plus": f"+{real}",
        "space": f" {real}",
    }[spelling]
    before = everything()
    path = f"{api.base}/{'chat' if which == 'chat' else 'webhooks'}/{quote(spelled)}"
    check_refusal(api.client.delete(path), Broken(spelled, "not_found"), status=404)
    assert everything() == before


def test_a_unicode_name_and_path_are_taken_and_sent_as_ascii(api):
    """What the stricter rules still take: a Unicode host (connected to by its IDNA name) and a
    Unicode path (sent %-encoded as UTF-8: http.client sends only ASCII on the request line)."""
    url = "https://Bücher.example/hooks/ünï?q=ü"
    response = api.client.post(f"{api.base}/webhooks", wire({**WEBHOOK, "url": url}), content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["url"] == url
    target = guard.parse(url)
    assert (target.host, target.path) == ("xn--bcher-kva.example", "/hooks/%C3%BCn%C3%AF?q=%C3%BC")


@pytest.mark.parametrize("where", ["delivery", "workshop"])
def test_a_nul_in_a_path_is_not_found_not_a_server_error(api, where):
    """PostgreSQL stores no NUL: a delivery id holding one reached the query and was a 500 there."""
    if where == "delivery":
        path = f"{api.base}/webhooks/{api.hook}/deliveries/msg_%00/retry"
        expected = Broken("NUL", "not_found")
    else:
        path = f"/api/w/%00{api.base.removeprefix('/api/w/')}/webhooks/{api.hook}/deliveries/{api.delivery}/retry"
        expected = None
    before = everything()
    response = api.client.post(path)
    if expected is not None:
        check_refusal(response, expected, status=404)
    else:
        assert 400 <= response.status_code < 500, response.content[:300]
        assert set(response.json()) == {"code", "message", "detail"}
    assert everything() == before
