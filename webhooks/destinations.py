"""Where a webhook may be sent: over https, to a host whose every address is public, so a
subscription cannot make the service post into its own network (SSRF: the metadata service,
the database, an admin port on 127.0.0.1).

The address is checked when the subscription is made (a clear 400) and again at every delivery,
on the address the connection is actually made to (a name may resolve elsewhere by then). `http`
is accepted only in development (`DEBUG`) or with `WEBHOOKS_ALLOW_PRIVATE`; private, loopback,
link-local and reserved addresses only with `WEBHOOKS_ALLOW_PRIVATE` (tests, a receiver on the
same host in development). Deliveries do not go through the environment's HTTP proxies."""

import http.client
import ipaddress
import socket
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings

from core.errors import ServiceError


class DestinationRefused(OSError):
    """A delivery's URL or address is not one a webhook may go to (recorded as its error)."""


def _allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE", False))


def schemes() -> tuple[str, ...]:
    return ("https", "http") if settings.DEBUG or _allow_private() else ("https",)


def is_public(address: str) -> bool:
    """Whether an IP address is a public one (an IPv4-mapped IPv6 address as its IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_reserved or ip.is_multicast
    )


def _addresses(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _refusal(host: str, addresses: list[str]) -> str | None:
    private = [a for a in addresses if not is_public(a)]
    if not private:
        return None
    return (
        f"The URL's host {host} resolves to {private[0]}, a private, loopback, link-local or "
        "reserved address; webhooks go to public addresses only."
    )


def url_check(url: str) -> None:
    """A subscription's URL, when it is made or changed: ServiceError (400) if refused. A host
    that does not resolve now is accepted; each delivery checks it again."""
    parts = urlsplit(url)
    if parts.scheme not in schemes() or not parts.hostname:
        raise ServiceError(f"The URL must be {' or '.join(schemes())}.", code="bad_url")
    if _allow_private():
        return
    try:
        addresses = _addresses(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80))
    except (OSError, UnicodeError):
        return
    refusal = _refusal(parts.hostname, addresses)
    if refusal:
        raise ServiceError(refusal, code="private_url")


def _connect(address: tuple[str, int], timeout: Any = None, source_address: Any = None) -> socket.socket:
    """socket.create_connection, to a checked address of the host (what `http.client` calls)."""
    if _allow_private():
        return socket.create_connection(address, timeout, source_address)
    host, port = address
    addresses = _addresses(host, port)
    refusal = _refusal(host, addresses)
    if refusal:
        raise DestinationRefused(refusal)
    error: OSError = DestinationRefused(f"{host} has no address.")
    for ip in addresses:
        try:
            return socket.create_connection((ip, port), timeout, source_address)
        except OSError as exc:
            error = exc
    raise error


class _HTTPConnection(http.client.HTTPConnection):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _HTTPSConnection(http.client.HTTPSConnection):
    # TLS is still checked against the host's name: only the address is pinned.
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._create_connection = _connect


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> http.client.HTTPResponse:
        return self.do_open(_HTTPSConnection, req, context=self._context)  # type: ignore[attr-defined]


def post(request: urllib.request.Request, *, timeout: float) -> http.client.HTTPResponse:
    """urlopen for a delivery: the scheme and the address it connects to checked, no proxies
    from the environment, and no redirect followed (a 3xx is a failed delivery: urllib would
    follow one to ftp:// past the address check, and turn the POST into a GET)."""
    if urlsplit(request.full_url).scheme not in schemes():
        raise DestinationRefused(f"The URL must be {' or '.join(schemes())}.")
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.ProxyHandler({}),
        _HTTPHandler(),
        _HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ):
        opener.add_handler(handler)
    return opener.open(request, timeout=timeout)
