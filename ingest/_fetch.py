"""Fetching URLs safely: timeouts, a byte cap, checked redirects and no private addresses."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

from ._errors import FetchError
from ._settings import IngestSettings

_REDIRECTS = frozenset({301, 302, 303, 307, 308})


@dataclass(frozen=True)
class Fetched:
    """A fetched resource: the final URL after redirects, its content type and bytes."""

    url: str
    content_type: str
    content: bytes


def fetch(url: str, settings: IngestSettings) -> Fetched:
    """GET `url`, following at most `max_redirects` redirects, each hop's address checked."""
    timeout = httpx.Timeout(settings.timeout)
    headers = {"User-Agent": settings.user_agent}
    start = url
    with httpx.Client(timeout=timeout, headers=headers, follow_redirects=False) as client:
        for _ in range(settings.max_redirects + 1):
            check_address(url, settings)
            try:
                with client.stream("GET", url) as response:
                    if response.status_code in _REDIRECTS and "location" in response.headers:
                        url = urljoin(url, response.headers["location"])
                        continue
                    if response.status_code >= 400:
                        raise FetchError(
                            f"HTTP {response.status_code} {response.reason_phrase} for {url}"
                        )
                    content = _read_capped(response, settings.max_bytes)
                    content_type = response.headers.get("content-type", "").split(";")[0]
                    return Fetched(url, content_type.strip().lower(), content)
            except httpx.TimeoutException as exc:
                raise FetchError(f"timed out after {settings.timeout:g} s fetching {url}") from exc
            except httpx.HTTPError as exc:
                raise FetchError(f"could not fetch {url}: {exc or type(exc).__name__}") from exc
    raise FetchError(f"more than {settings.max_redirects} redirects starting at {start}")


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


def check_address(url: str, settings: IngestSettings) -> None:
    """Refuse non-HTTP URLs and, unless allowed, hosts resolving to non-public addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(f"not an http(s) URL: {url}")
    if settings.allow_private_urls:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve host {parts.hostname}") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global or address.is_multicast:
            raise FetchError(
                f"refused {url}: {parts.hostname} is a private or reserved address ({address});"
                " set INGEST_ALLOW_PRIVATE_URLS=true to allow it"
            )
