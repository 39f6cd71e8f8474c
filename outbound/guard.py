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
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from core.errors import Invalid

Resolver = Callable[[str, int], list[str]]

URL_MAX = 2000


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
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local)


def parse(url: str, *, field: str = "url") -> Target:
    """The URL's parts, or `invalid` naming `field` when it is not an address we may send to."""
    if not isinstance(url, str) or not url.strip():
        raise Invalid(field, "Give the address to send to.")
    if len(url) > URL_MAX:
        raise Invalid(field, f"An address is at most {URL_MAX} characters.")
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
    if parts.username or parts.password:
        raise Invalid(field, "Put no user name or password in the address.")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80), path)


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
    except OSError:
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
