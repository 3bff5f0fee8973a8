"""Fetching URLs safely: one deadline, a byte cap, checked redirects and no private addresses.

Every hop's host is resolved once, its addresses judged, and the connection made to an address
that passed: a name answering differently on a second lookup (DNS rebinding) never gets one.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin

import httpcore
import httpx

from ._errors import FetchError
from ._settings import IngestSettings

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Well-known NAT64 prefix (RFC 6052): the last 32 bits are the IPv4 address reached.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class Fetched:
    """A fetched resource: the final URL after redirects, its content type and bytes."""

    url: str
    content_type: str
    content: bytes


def fetch(url: str, settings: IngestSettings) -> Fetched:
    """GET `url` within `settings.timeout` seconds in all, redirects included.

    At most `max_redirects` redirects are followed; each hop's address is checked and pinned.
    """
    network = _PinnedNetwork(_Deadline(time.monotonic() + settings.timeout))
    headers = {"User-Agent": settings.user_agent}
    transport = _PinnedTransport(network)
    with httpx.Client(transport=transport, timeout=settings.timeout, headers=headers) as client:
        hop = url
        for _ in range(settings.max_redirects + 1):
            network.pin(*check_address(hop, settings))
            fetched = _get(client, hop, settings)
            if isinstance(fetched, Fetched):
                return fetched
            hop = fetched
    raise FetchError(f"more than {settings.max_redirects} redirects starting at {url}")


def _get(client: httpx.Client, url: str, settings: IngestSettings) -> Fetched | str:
    """One hop: the fetched resource, or the URL a redirect points to."""
    try:
        with client.stream("GET", url) as response:
            if response.status_code in _REDIRECTS:
                return _location(response, url)
            if response.status_code >= 400:
                raise FetchError(f"HTTP {response.status_code} {response.reason_phrase} for {url}")
            content = _read_capped(response, settings.max_bytes)
            content_type = response.headers.get("content-type", "").split(";")[0]
            return Fetched(url, content_type.strip().lower(), content)
    except httpx.TimeoutException as exc:
        raise FetchError(f"timed out after {settings.timeout:g} s fetching {url}") from exc
    except httpx.HTTPError as exc:
        raise FetchError(f"could not fetch {url}: {exc or type(exc).__name__}") from exc


def _location(response: httpx.Response, url: str) -> str:
    location = str(response.headers.get("location", "")).strip()
    if not location:
        raise FetchError(
            f"HTTP {response.status_code} {response.reason_phrase} for {url}"
            " without a Location to follow"
        )
    try:
        return urljoin(url, location)
    except ValueError as exc:
        raise FetchError(f"{url} redirects to an invalid URL: {location} ({exc})") from None


def _read_capped(response: httpx.Response, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    too_big = FetchError(
        f"{response.url} is larger than the {max_bytes:,}-byte cap (INGEST_MAX_BYTES)"
    )
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_big
    body = bytearray()
    for part in response.iter_bytes():
        body += part
        if len(body) > max_bytes:
            raise too_big
    return bytes(body)


def check_address(url: str, settings: IngestSettings) -> tuple[str, list[str]]:
    """`url`'s host and the addresses it resolves to, looked up once; unless allowed, all public.

    The host is named as the connection pool names it (IDNA, IPv6 without brackets). Other
    schemes than http(s) and malformed URLs are a `FetchError` like a private address.
    """
    target = _parse(url)
    host = target.raw_host.decode("ascii")
    try:
        infos = socket.getaddrinfo(
            host, target.port or _DEFAULT_PORTS[target.scheme], type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(f"cannot resolve host {host}") from exc
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if settings.allow_private_urls:
        return host, addresses
    for address in map(ipaddress.ip_address, addresses):
        judged = _embedded_ipv4(address) or address
        if not judged.is_global or judged.is_multicast:
            raise FetchError(
                f"refused {url}: {host} is a private or reserved address ({address});"
                " set INGEST_ALLOW_PRIVATE_URLS=true to allow it"
            )
    return host, addresses


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise FetchError(f"not a valid URL: {url} ({exc})") from None
    if parsed.scheme not in _DEFAULT_PORTS or not parsed.raw_host:
        raise FetchError(f"only http(s) URLs can be fetched: {url}")
    if parsed.port is not None and not 0 < parsed.port < 65_536:
        raise FetchError(f"not a valid URL: {url} (port {parsed.port} is out of range)")
    return parsed


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one reaches (mapped, 6to4, NAT64), which is what is judged."""
    if isinstance(address, ipaddress.IPv4Address):
        return None
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return address.ipv4_mapped or address.sixtofour


@dataclass(frozen=True)
class _Deadline:
    """The moment (`time.monotonic()`) by which a whole fetch must be done."""

    at: float

    def left(self, timeout: float | None, expired: type[httpcore.TimeoutException]) -> float:
        """Seconds one network operation may take: its own timeout, cut to the deadline."""
        left = self.at - time.monotonic()
        if left <= 0:
            raise expired("the fetch's deadline has passed")
        return left if timeout is None else min(timeout, left)


class _PinnedNetwork(httpcore.NetworkBackend):
    """Connections only to the addresses `fetch` checked, every operation within its deadline."""

    def __init__(self, deadline: _Deadline) -> None:
        self._deadline = deadline
        self._pins: dict[str, list[str]] = {}
        self._sockets = httpcore.SyncBackend()

    def pin(self, host: str, addresses: list[str]) -> None:
        """Connect to `host` at these addresses (and never look the name up again)."""
        self._pins[host] = addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        """A connection to the first pinned address of `host` that answers."""
        failure = httpcore.ConnectError(f"no address for {host}")
        # `fetch` pins each hop's host before requesting it: a missing pin is a bug, a KeyError.
        for address in self._pins[host]:
            seconds = self._deadline.left(timeout, httpcore.ConnectTimeout)
            try:
                stream = self._sockets.connect_tcp(
                    address, port, seconds, local_address, socket_options
                )
            except httpcore.ConnectError as exc:
                failure = exc
                continue
            return _DeadlineStream(stream, self._deadline)
        raise failure


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose reads, writes and TLS handshake all end by the fetch's deadline."""

    def __init__(self, stream: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._stream = stream
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        """Read up to `max_bytes`, waiting no later than the deadline."""
        return self._stream.read(max_bytes, self._deadline.left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        """Write `buffer`, waiting no later than the deadline."""
        self._stream.write(buffer, self._deadline.left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        """Close the connection."""
        self._stream.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        """The connection over TLS, its certificate checked against `server_hostname`."""
        seconds = self._deadline.left(timeout, httpcore.ConnectTimeout)
        tls = self._stream.start_tls(ssl_context, server_hostname, seconds)
        return _DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        """What the underlying connection tells about itself."""
        return self._stream.get_extra_info(info)


class _PinnedTransport(httpx.HTTPTransport):
    """httpx's own transport (request mapping, errors) over a `_PinnedNetwork`.

    It also means the environment's HTTP(S)_PROXY is not used: a proxy would resolve names itself.
    """

    def __init__(self, network: _PinnedNetwork) -> None:
        context = _ssl_context()
        super().__init__(verify=context)
        # httpx 0.28 passes no network backend to its connection pool, so the pool is made here.
        self._pool = httpcore.ConnectionPool(ssl_context=context, network_backend=network)


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One TLS context for every fetch: loading the CA certificates takes some 30 ms."""
    return httpx.create_ssl_context()
