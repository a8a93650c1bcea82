"""The one HTTP client: connection limits, conditional GET, size caps, and the
address guard for links taken from feed content.

Feed URLs and webhooks come from the user's config and may point anywhere,
loopback included (an RSS bridge on 127.0.0.1, a test server). Story links come
from feeds, that is from strangers: they go through a separate connection pool
whose resolver drops loopback, private, link-local, reserved and multicast
addresses (IPv4 addresses embedded in IPv6 included) unless ``http.allow_private``
allows them, so the checked address is the one connected to; IP literals, which
skip the resolver, are checked on every hop of a redirect.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin, urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from monitor import __version__
from monitor.errors import FetchError

MAX_REDIRECTS = 5
_CHUNK = 64 * 1024
_PERMANENT_REDIRECTS = frozenset({301, 308})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True, slots=True)
class Fetched:
    """A 200 response, body read in full (within the cap)."""

    url: str  # after redirects
    body: bytes
    content_type: str | None
    etag: str | None = None
    last_modified: str | None = None
    moved_to: str | None = None  # set when the first hop was a permanent redirect
    fresh_for: timedelta | None = None  # Cache-Control: how long the server calls it fresh


@dataclass(frozen=True, slots=True)
class NotModified:
    """A 304: the feed has not changed since the validators we sent."""

    etag: str | None
    last_modified: str | None
    fresh_for: timedelta | None = None


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which private addresses story links may reach."""

    hosts: frozenset[str] = frozenset()
    networks: tuple[IPNetwork, ...] = ()

    @classmethod
    def from_allowed(cls, allowed: Iterable[str]) -> AddressPolicy:
        hosts: set[str] = set()
        networks: list[IPNetwork] = []
        for item in allowed:
            try:
                networks.append(ipaddress.ip_network(item, strict=False))
            except ValueError:
                hosts.add(item.lower())
        return cls(frozenset(hosts), tuple(networks))

    def allows(self, host: str, address: str) -> bool:
        if host.lower() in self.hosts:
            return True
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if any(ip in net for net in self.networks):
            return True
        return all(a.is_global and not a.is_multicast for a in _addresses_within(ip))


# IPv6 ranges whose low 32 bits are an IPv4 address a packet may end up at:
# NAT64 (well-known and local-use), SIIT, and the deprecated IPv4-compatible form.
_EMBEDS_IPV4 = tuple(
    ipaddress.ip_network(net)
    for net in ("64:ff9b::/96", "64:ff9b:1::/48", "::ffff:0:0:0/96", "::/96")
)


def _addresses_within(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> list[IPAddress]:
    """``ip`` and any IPv4 address it carries (mapped, 6to4, NAT64), which is
    where a packet to it may really go."""
    found: list[IPAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            found.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            found.append(ip.sixtofour)
        if any(ip in net for net in _EMBEDS_IPV4):
            found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


class GuardedResolver(AbstractResolver):
    """Resolves names, then drops every address the policy does not allow."""

    def __init__(self, policy: AddressPolicy) -> None:
        self.policy = policy
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        results = await self._inner.resolve(host, port, family)
        allowed = [r for r in results if self.policy.allows(host, r["host"])]
        if not allowed:
            raise OSError(f"{host} resolves only to private or reserved addresses")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


class HttpClient:
    """Two aiohttp sessions: one for what the user configured (feeds, webhooks), one,
    address-guarded, for links from feeds. Call ``aclose`` when done.

    Each has ``concurrency`` connections in all and ``per_host`` per host.
    """

    def __init__(
        self,
        *,
        user_agent: str = f"monitor/{__version__}",
        timeout: timedelta = timedelta(seconds=20),
        max_body: int = 10_000_000,
        concurrency: int = 50,
        per_host: int = 2,
        policy: AddressPolicy | None = None,
    ) -> None:
        self.max_body = max_body
        self._resolver = GuardedResolver(policy or AddressPolicy())

        def session(resolver: AbstractResolver | None) -> aiohttp.ClientSession:
            return aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(
                    limit=concurrency, limit_per_host=per_host, resolver=resolver
                ),
                timeout=aiohttp.ClientTimeout(total=timeout.total_seconds()),
                headers={"User-Agent": user_agent},
            )

        self._session = session(None)
        self._links = session(self._resolver)

    @property
    def session(self) -> aiohttp.ClientSession:
        """The session for destinations the user configured (webhooks)."""
        return self._session

    @property
    def policy(self) -> AddressPolicy:
        return self._resolver.policy

    @policy.setter
    def policy(self, policy: AddressPolicy) -> None:
        self._resolver.policy = policy

    async def aclose(self) -> None:
        await self._session.close()
        await self._links.close()

    async def fetch_feed(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Fetched | NotModified:
        """Conditional GET of a feed the user configured."""
        headers = {"Accept": _FEED_ACCEPT}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return await self._get(url, headers, guard=False)

    async def fetch_page(self, url: str) -> Fetched:
        """GET a story page whose link came from a feed: address-guarded."""
        result = await self._get(url, {"Accept": "text/html,application/xhtml+xml"}, guard=True)
        if isinstance(result, NotModified):  # we sent no validators; a 304 is the server's bug
            raise FetchError("page answered 304 Not Modified to a plain GET", status=304)
        return result

    async def _get(
        self, url: str, headers: dict[str, str], *, guard: bool
    ) -> Fetched | NotModified:
        moved_to: str | None = None
        session = self._links if guard else self._session
        for hop in range(MAX_REDIRECTS + 1):
            try:
                if guard:
                    self._check_literal_address(url)
                async with session.get(url, headers=headers, allow_redirects=False) as resp:
                    if resp.status in _REDIRECTS and "Location" in resp.headers:
                        target = urljoin(url, resp.headers["Location"])
                        if hop == 0 and resp.status in _PERMANENT_REDIRECTS:
                            moved_to = target
                        url = target
                        continue
                    return await self._finish(resp, url, moved_to)
            except FetchError:
                raise
            except TimeoutError as e:
                raise FetchError(f"timed out fetching {_host(url)}") from e
            except aiohttp.InvalidURL as e:
                raise FetchError(f"not a usable link: {redact(str(e.url))}") from e
            except aiohttp.ClientError as e:
                raise FetchError(f"could not fetch {_host(url)}: {_describe(e)}") from e
            except (ValueError, UnicodeError) as e:
                # A malformed link from a feed ("http://a..b/", a 64-letter label,
                # "http://[::1/"): that story's problem, not the poll's.
                raise FetchError(f"not a usable link: {redact(url)}") from e
        raise FetchError(f"more than {MAX_REDIRECTS} redirects from {_host(url)}")

    async def _finish(
        self, resp: aiohttp.ClientResponse, url: str, moved_to: str | None
    ) -> Fetched | NotModified:
        etag = resp.headers.get("ETag")
        last_modified = resp.headers.get("Last-Modified")
        # Several Cache-Control lines make one list (RFC 9110 5.3).
        cache_control = ", ".join(resp.headers.getall("Cache-Control", []))
        fresh_for = parse_fresh_for(cache_control, resp.headers.get("Age"))
        if resp.status == 304:
            return NotModified(etag=etag, last_modified=last_modified, fresh_for=fresh_for)
        if resp.status != 200:
            raise FetchError(
                f"HTTP {resp.status} {resp.reason or ''}".strip() + f" from {_host(url)}",
                status=resp.status,
                retry_after=parse_retry_after(resp.headers.get("Retry-After"), datetime.now(UTC)),
            )
        body = await self._read_capped(resp, url)
        return Fetched(
            url=url,
            body=body,
            content_type=resp.headers.get("Content-Type"),
            etag=etag,
            last_modified=last_modified,
            moved_to=moved_to,
            fresh_for=fresh_for,
        )

    async def _read_capped(self, resp: aiohttp.ClientResponse, url: str) -> bytes:
        # Content-Length is only a hint (and is the compressed size); the real
        # cap is counted on decompressed bytes as they stream in.
        declared = resp.content_length
        if declared is not None and declared > self.max_body:
            raise FetchError(f"{_host(url)} sent {declared} bytes, over the {self.max_body} cap")
        chunks: list[bytes] = []
        size = 0
        async for chunk in resp.content.iter_chunked(_CHUNK):
            size += len(chunk)
            if size > self.max_body:
                raise FetchError(f"{_host(url)} sent more than the {self.max_body}-byte cap")
            chunks.append(chunk)
        return b"".join(chunks)

    def _check_literal_address(self, url: str) -> None:
        # aiohttp does not consult the resolver for IP literals, so check them here.
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(f"refusing a {parts.scheme or 'relative'}: link")
        host = parts.hostname or ""
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return
        if not self.policy.allows(host, host):
            raise FetchError(f"refusing a link to the private or reserved address {host}")


# A server may ask for any wait; past a day it is a mistake or hostile, and obeying
# it would silence a feed (or a notifier) for years, or overflow the date.
RETRY_AFTER_MAX = timedelta(days=1)


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """Retry-After as seconds or an HTTP date, at most ``RETRY_AFTER_MAX``; None when
    absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():  # any digits, "²" too: only plain ones are a number of seconds
        seconds = _seconds(value)
        return None if seconds is None else min(timedelta(seconds=seconds), RETRY_AFTER_MAX)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return min(max(when - now, timedelta(0)), RETRY_AFTER_MAX)


def _host(url: str) -> str:
    """Host and port of ``url`` for messages: never the ``user:password@`` part."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "an invalid URL"
    if not host:
        return "an invalid URL"
    return f"{host}:{port}" if port else host


def redact(url: str) -> str:
    """``url`` without credentials or query, for logs and notices: a feed URL may
    carry a token (``?key=...``) or ``user:password@``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "an invalid URL"
    return f"{parts.scheme}://{_host(url)}{parts.path}"


def _describe(error: BaseException) -> str:
    if isinstance(error, aiohttp.ClientConnectorError):
        return f"connection failed ({error.os_error.strerror or error.os_error})"
    return str(error) or type(error).__name__


# One directive of a Cache-Control list: a token, and a token or quoted-string
# value (RFC 9111 5.2). Quoted strings may hold commas; what is not a directive
# is skipped, not an error.
_DIRECTIVE = re.compile(
    r"""\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,]*))?\s*(?:,|$)"""
)
_DIGITS = re.compile(r"[0-9]+")  # ASCII only: str.isdigit() takes "²" too, which int() refuses
_HUGE = 10**10  # seconds: more than any cap; a longer number is not converted (int() refuses some)


def _seconds(value: str) -> int | None:
    value = value.strip().strip('"').strip()
    if not _DIGITS.fullmatch(value):
        return None
    value = value.lstrip("0") or "0"  # "000…060" is a minute, not a huge number
    return int(value) if len(value) <= len(str(_HUGE)) else _HUGE


def parse_fresh_for(cache_control: str | None, age: str | None) -> timedelta | None:
    """How much longer a response stays fresh, by its ``Cache-Control: max-age``
    less its ``Age`` (time it already spent in a cache); None when the server
    gives no lifetime, or says ``no-cache`` or ``no-store`` (revalidate each time:
    our conditional GET does). ``cache_control`` holds every such header line,
    joined by commas. Unreadable directives are no hint, not an error."""
    if not cache_control:
        return None
    lifetime: int | None = None
    for name, value in _DIRECTIVE.findall(cache_control):
        directive = name.lower()
        if directive in ("no-cache", "no-store"):
            return None
        if directive == "max-age" and lifetime is None:
            lifetime = _seconds(value)
    if lifetime is None:
        return None
    spent = _seconds(age) if age else None
    return timedelta(seconds=max(lifetime - (spent or 0), 0))
