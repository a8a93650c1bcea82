"""Feed bytes to entries (wrapping feedparser), and story URL canonicalisation.

Pure: no network. ``parse_feed`` runs in a worker process, so it takes and
returns only picklable values. It does not fetch anything: feedparser is given
bytes, never a URL, so it can't make requests of its own.
"""

from __future__ import annotations

import calendar
import hashlib
import re
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urldefrag, urljoin
from xml.sax import SAXParseException

import courlan
import feedparser
import lxml.html
from lxml.etree import LxmlError, ParserError

from monitor.errors import ParseError
from monitor.model import Entry, ParsedFeed

_SPACE = re.compile(r"\s+")


def parse_feed(data: bytes, *, base_url: str, content_type: str | None = None) -> ParsedFeed:
    """Parse RSS or Atom bytes into entries, newest information feedparser can give.

    Raises ``ParseError`` when the bytes are not a feed. A feed with minor
    errors that still yields entries is accepted, as feed readers do.
    """
    headers = {"content-location": base_url}
    if content_type:
        headers["content-type"] = content_type
    try:
        parsed = feedparser.parse(data, response_headers=headers, sanitize_html=False)
    except Exception as e:  # feedparser raises anything on hostile input
        raise ParseError(f"feed could not be parsed: {type(e).__name__}: {e}") from e
    if not parsed.entries and not parsed.get("version"):
        cause = parsed.get("bozo_exception")
        # Only XML syntax errors say something useful; feedparser's other
        # complaints ("no Content-type specified") would mislead.
        detail = f" ({_describe(cause)})" if isinstance(cause, SAXParseException) else ""
        raise ParseError(f"not an RSS or Atom feed{detail}")
    entries = tuple(_entry(raw, base_url) for raw in parsed.entries)
    return ParsedFeed(title=_clean(parsed.feed.get("title", "")), entries=entries)


def canonical_url(url: str, base_url: str | None = None) -> str | None:
    """The URL that identifies a story: absolute, normalised, tracking parameters and
    fragment removed. None for anything that is not an http(s) URL."""
    absolute = urljoin(base_url, url.strip()) if base_url else url.strip()
    if not absolute.lower().startswith(("http://", "https://")):
        return None
    try:
        normalised = courlan.normalize_url(absolute)
    except ValueError:
        return None
    return urldefrag(normalised).url


def _entry(raw: Any, base_url: str) -> Entry:
    link = raw.get("link") or ""
    url = canonical_url(link, base_url) if link else None
    title = _clean(raw.get("title", ""))
    summary = html_to_text(raw.get("summary", "") or "")
    guid = raw.get("id") or url or _fingerprint(title, summary)
    return Entry(
        guid=str(guid)[:2000],
        url=url,
        title=title,
        summary=summary,
        published_at=_published(raw),
    )


def html_to_text(markup: str) -> str:
    """Visible text of an HTML fragment with whitespace collapsed."""
    if "<" not in markup and "&" not in markup:
        return _clean(markup)
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except (ParserError, LxmlError, ValueError):
        return _clean(markup)
    for dropped in root.xpath(".//script|.//style"):
        dropped.drop_tree()
    return _clean(root.text_content())


def _published(raw: Any) -> datetime | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = raw.get(key)
        if isinstance(value, time.struct_time):
            try:
                return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)
            except (OverflowError, ValueError, OSError):
                continue
    return None


def _fingerprint(title: str, summary: str) -> str:
    digest = hashlib.sha256(f"{title}\n{summary}".encode()).hexdigest()
    return f"sha256:{digest}"


def _clean(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def _describe(error: object) -> str:
    if error is None:
        return "unknown error"
    message = str(error).strip() or type(error).__name__
    return message[:200]
