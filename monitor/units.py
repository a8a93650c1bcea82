"""Parsing of the small value languages in config.yaml: durations, sizes, quiet hours.

Every parser takes the user's text and returns a value or raises ``ValueError``
with a message fit to show next to the key; none of them echoes its input, so a
value that came from a secret never reaches an error message.

Sizes use binary multiples: ``1KB`` is 1024 bytes and ``10MB`` is 10 485 760
bytes, as nginx and systemd read them (``KiB``/``MiB`` are accepted as synonyms).
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cssselect import GenericTranslator, SelectorError

_DURATION_PART = re.compile(r"(\d+)\s*([smhd])")
_DURATION = re.compile(r"(?:\d+\s*[smhd]\s*)+")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}

_SIZE = re.compile(r"(\d+)\s*(B|KB|KIB|K|MB|MIB|M|GB|GIB|G)?", re.IGNORECASE)
_SIZE_FACTOR = {"": 1, "B": 1, "K": 1024, "M": 1024**2, "G": 1024**3}

_QUIET = re.compile(r"(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})(?:\s+(\S+))?")
_HOSTNAME = re.compile(
    r"(?=.{1,253}$)(?!-)[a-z0-9-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9-]{1,63}(?<!-))*\.?"
)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def parse_duration(value: object) -> timedelta:
    """``30s``, ``10m``, ``2h``, ``1d`` or a sum such as ``1h30m``; at least one second."""
    if isinstance(value, timedelta):
        result = value
    elif isinstance(value, str) and _DURATION.fullmatch(value.strip()):
        seconds = sum(
            int(n) * _UNIT_SECONDS[unit] for n, unit in _DURATION_PART.findall(value.lower())
        )
        try:
            result = timedelta(seconds=seconds)
        except OverflowError:
            raise ValueError("too long a duration") from None
    else:
        # A bare number is refused: "interval: 10" could mean seconds or minutes.
        raise ValueError("expected a duration such as 30s, 10m, 2h or 1d")
    if result < timedelta(seconds=1):
        raise ValueError("a duration must be at least 1s")
    return result


def parse_size(value: object) -> int:
    """``512KB``, ``10MB``, ``1GB`` (binary multiples) or a plain number of bytes."""
    if isinstance(value, int) and not isinstance(value, bool):
        number, unit = value, ""
    elif isinstance(value, str) and (found := _SIZE.fullmatch(value.strip())):
        number, unit = int(found[1]), (found[2] or "").upper()
    else:
        raise ValueError("expected a size such as 512KB or 10MB")
    size = number * _SIZE_FACTOR[unit[:1]]
    if size < 1:
        raise ValueError("a size must be at least 1 byte")
    return size


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A daily window of wall-clock time in one zone; it may wrap past midnight."""

    start: time
    end: time
    zone: str

    def contains(self, at: datetime) -> bool:
        """Whether the aware datetime ``at`` falls inside the window (start inclusive)."""
        local = at.astimezone(ZoneInfo(self.zone)).time().replace(tzinfo=None)
        if self.start < self.end:
            return self.start <= local < self.end
        return local >= self.start or local < self.end

    def ends_after(self, at: datetime) -> datetime:
        """The first end of the window after ``at`` (in UTC): when held alerts go out."""
        zone = ZoneInfo(self.zone)
        local = at.astimezone(zone)
        end = datetime.combine(local.date(), self.end, tzinfo=zone)
        if end <= local:
            end = datetime.combine(local.date() + timedelta(days=1), self.end, tzinfo=zone)
        return end.astimezone(UTC)


def parse_quiet_hours(value: object) -> QuietHours:
    """``22:00-07:00 Europe/Moscow``; the zone defaults to UTC."""
    if isinstance(value, QuietHours):
        return value
    found = _QUIET.fullmatch(value.strip()) if isinstance(value, str) else None
    if not found:
        raise ValueError("expected HH:MM-HH:MM and a time zone, e.g. 22:00-07:00 Europe/Moscow")
    h1, m1, h2, m2, zone = found.groups()
    try:
        start, end = time(int(h1), int(m1)), time(int(h2), int(m2))
    except ValueError:
        raise ValueError("hours must be 0-23 and minutes 0-59") from None
    if start == end:
        raise ValueError("the window is empty: start and end are the same")
    zone = zone or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {zone!r}") from None
    return QuietHours(start, end, zone)


def split_host_port(value: str) -> tuple[str, int | None]:
    """``host:port``, ``host``, ``[::1]:25``; the port is None when absent."""
    host, sep, port = value.strip().rpartition(":")
    if not sep or (host.count(":") and not host.startswith("[")):
        # No colon, or a bare IPv6 address without brackets: all of it is the host.
        host, port = value.strip(), ""
    host = host.removeprefix("[").removesuffix("]")
    if not host:
        raise ValueError("expected host or host:port")
    if not port:
        return host, None
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError("the port must be a number from 1 to 65535")
    return host, int(port)


def check_host_or_network(value: str) -> str:
    """A hostname, an IP address or a CIDR network (host bits must be zero)."""
    text = value.strip().lower()
    if "/" in text:
        try:
            return str(ipaddress.ip_network(text))
        except ValueError as e:
            raise ValueError(f"not a valid CIDR network: {e}") from None
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        pass
    if not _HOSTNAME.fullmatch(text):
        raise ValueError("expected a host name, an IP address or a CIDR such as 10.0.0.0/8")
    return text.rstrip(".")


def check_name(value: str) -> str:
    """Feed, tag and notifier names: no spaces, and no leading '#' (that marks a tag)."""
    if not value or any(ch.isspace() for ch in value):
        raise ValueError("a name must be non-empty and without spaces")
    if value.startswith("#"):
        raise ValueError("a name may not start with '#' (in a rule's feeds:, '#' marks a tag)")
    return value


def check_header_value(value: str) -> str:
    """Printable ASCII only: a CR or LF would inject headers."""
    if not value or not value.isascii() or not value.isprintable():
        raise ValueError("must be non-empty printable ASCII")
    return value


def check_feed_url(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("a feed URL must be http:// or https:// with a host")
    if any(ch.isspace() for ch in value):
        raise ValueError("a URL may not contain spaces")
    return value


def check_webhook(value: str) -> str:
    """https only; http only to this machine, for local test servers. Never echoes the URL."""
    parts = urlsplit(value)
    local = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
    if not (parts.scheme == "https" or local) or not parts.hostname:
        raise ValueError("the webhook must be an https:// URL (http:// only to localhost)")
    return value


def check_address(value: str) -> str:
    """An email address, bare or with a display name: ``Monitor <alerts@example.org>``."""
    if "\r" in value or "\n" in value:
        raise ValueError("an address may not contain line breaks")
    _, address = parseaddr(value)
    if "@" not in address:
        raise ValueError("expected an email address such as desk@example.org")
    return value


def check_listen(value: str) -> str:
    _, port = split_host_port(value)
    if port is None:
        raise ValueError("expected host:port, e.g. 127.0.0.1:9108")
    return value


def check_selector(value: str) -> str:
    """A CSS selector that lxml can apply (lxml translates them with cssselect)."""
    try:
        GenericTranslator().css_to_xpath(value)
    except SelectorError as e:
        raise ValueError(f"not a valid CSS selector: {e}") from None
    return value


_SECOND_LEVEL = {"co", "com", "org", "net", "gov", "ac", "edu", "or", "ne"}
_HOST_PREFIXES = {"www", "feeds", "feed", "rss"}


def derive_feed_name(url: str) -> str:
    """A feed's default name from its host: ``www.themoscowtimes.com`` → ``themoscowtimes``.

    Leading ``www.``/``feeds.``/``rss.`` and the public suffix (``.com``, ``.co.uk``)
    go; what remains is joined with ``-``. IP addresses and single labels stay as
    they are. Returns "" for a URL without a host.
    """
    host = (urlsplit(url).hostname or "").rstrip(".")
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    labels = host.split(".")
    while len(labels) > 2 and labels[0] in _HOST_PREFIXES:
        labels.pop(0)
    if len(labels) > 1:
        tld = labels.pop()
        if len(labels) > 1 and len(tld) == 2 and labels[-1] in _SECOND_LEVEL:
            labels.pop()
    return "-".join(labels)
