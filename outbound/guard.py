"""Which addresses Rallypoint may send to: the webhook and chat address rules of protocol §9.

A URL given by a facilitator is a request to make our server connect somewhere: to a database on
10.0.0.5, a cloud's metadata service on 169.254.169.254, the app itself on 127.0.0.1. So the URL
must be https, and the address connected to must be public. A name is checked when a URL is added
(`check_url`) and again at every delivery on the address actually connected to (`connect_to`):
DNS may answer differently the second time. `WEBHOOKS_ALLOW_HTTP` and `WEBHOOKS_ALLOW_PRIVATE`
lift the rules for an intranet, and for tests, which send to receivers on loopback.

Names are resolved through `resolver`, which tests replace, so that no test depends on real DNS
or ever connects anywhere but loopback.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from django.conf import settings

from core.errors import BadRequest, Invalid

Resolver = Callable[[str, int], list[str]]

URL_MAX = 2000
# A host name as DNS has it (RFC 1035, with the underscores some internal names use): labels of at
# most 63 letters, digits, hyphens, in at most 253 characters. A Unicode name is taken in its IDNA
# (punycode) form, as getaddrinfo would send it.
HOST_MAX = 253
LABEL = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)")
# What a path and query may hold as they are: printable ASCII; anything else is %-encoded as
# UTF-8, as a browser does, since http.client sends only ASCII on the request line.
PATH_SAFE = "".join(chr(code) for code in range(0x21, 0x7F))


def system_resolver(host: str, port: int) -> list[str]:
    return [info[4][0] for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


resolver: Resolver = system_resolver


class Refused(Exception):
    """This address may not be sent to; the message says why, for the deliveries list."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with the query


def public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        # A 6to4 address (2002::/16) is routed to the IPv4 address inside it: it is as public as that.
        if ip.sixtofour is not None and not public(str(ip.sixtofour)):
            return False
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local)


def _unusable(character: str) -> bool:
    """Whitespace, control and format characters (bidi overrides, zero widths), lone surrogates:
    nothing an address holds, and what makes one read as another."""
    return unicodedata.category(character)[0] in "CZ"


def _host(hostname: str, field: str) -> str:
    """The host as connected to: an IP address, or a DNS name in ASCII (IDNA for a Unicode one)."""
    literal = hostname.split("%", 1)[0]
    try:
        ipaddress.ip_address(literal)
    except ValueError:
        pass
    else:
        return hostname
    try:
        name = hostname.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise Invalid(field, "The address's host is not a name.") from None
    labels = name.removesuffix(".").split(".")
    if len(name) > HOST_MAX or not all(LABEL.fullmatch(label) for label in labels):
        raise Invalid(field, "The address's host is not a name.")
    return name


def parse(url: str, *, field: str = "url") -> Target:
    """The URL's parts, or `invalid` naming `field` when it is not an address we may send to."""
    if not isinstance(url, str) or not url.strip():
        raise Invalid(field, "Give the address to send to.")
    url = url.strip()
    if len(url) > URL_MAX:
        raise Invalid(field, f"An address is at most {URL_MAX} characters.")
    if any(_unusable(character) for character in url):
        raise Invalid(field, "An address has no spaces or invisible characters in it.")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise Invalid(field, f"That is not an address: {error}.") from None
    allowed = ("https", "http") if settings.WEBHOOKS_ALLOW_HTTP else ("https",)
    if parts.scheme not in allowed:
        raise Invalid(field, "The address must start with https://.")
    if not parts.hostname:
        raise Invalid(field, "The address names no host.")
    if "@" in parts.netloc:
        raise Invalid(field, "Put no user name or password in the address.")
    if port == 0:
        raise Invalid(field, "The address's port must be 1–65535.")
    host = _host(parts.hostname, field)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80), quote(path, safe=PATH_SAFE))


def url_field(value: Any, *, field: str = "url") -> str:
    """An API body's address, as stored: a string (else `bad_request`), stripped, and checked."""
    if not isinstance(value, str):
        raise BadRequest(f"`{field}` must be a string.", field=field)
    url = value.strip()
    check_url(url, field=field)
    return url


def check_url(url: str, *, field: str = "url") -> Target:
    """Refuse (as `invalid`) a URL that is not https or whose host resolves to a non-public address."""
    target = parse(url, field=field)
    try:
        allowed_addresses(target)
    except Refused as refusal:
        raise Invalid(field, str(refusal)) from None
    return target


def allowed_addresses(target: Target) -> list[str]:
    try:
        addresses = resolver(target.host, target.port)
    except (OSError, UnicodeError):
        raise Refused(f"{target.host} could not be found.") from None
    if not addresses:
        raise Refused(f"{target.host} could not be found.")
    if settings.WEBHOOKS_ALLOW_PRIVATE:
        return addresses
    refused = [address for address in addresses if not public(address)]
    if refused:
        raise Refused(f"{target.host} resolves to {refused[0]}, which is not a public address.")
    return addresses


def connect_to(target: Target, timeout: float) -> socket.socket:
    """A socket connected to an allowed address of the target's host, checked once connected."""
    last: OSError | None = None
    for address in allowed_addresses(target):
        try:
            sock = socket.create_connection((address, target.port), timeout=timeout)
        except OSError as error:
            last = error
            continue
        peer = sock.getpeername()[0]
        if not settings.WEBHOOKS_ALLOW_PRIVATE and not public(peer):
            sock.close()
            raise Refused(f"Connected to {peer}, which is not a public address.")
        return sock
    raise Refused(f"Could not connect to {target.host}: {last}.")
