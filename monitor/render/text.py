"""Text helpers shared by every channel: one-line cleaning, truncation, times,
term highlighting. Everything a feed wrote is treated as hostile: control
characters never reach a terminal or a mail header."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import urlsplit

from monitor.model import Alert

SNIPPET_CHARS = 280  # the window of a snippet shown around its first matched term
SNIPPETS_SHOWN = 3  # per rule
FROM_SUMMARY = "Matched text is from the feed summary."
UNTITLED = "(untitled)"

# C0, DEL, C1 (with NEL), and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")


def one_line(text: str) -> str:
    """``text`` with every control character and line break turned into one space."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, on a word boundary when close, plus ``…``."""
    if len(text) <= limit:
        return text
    return clip_words(text[: limit - 1]) + "…"


def clip_words(text: str) -> str:
    """Drop a trailing partial word, unless that would lose more than a fifth of ``text``."""
    cut = text.rfind(" ")
    if cut >= len(text) * 4 // 5:
        text = text[:cut]
    return text.rstrip()


def counted(n: int, one: str, many: str | None = None) -> str:
    """``3 feeds``, ``1 story``: a number with its noun (``many`` when not ``one`` + s)."""
    return f"{n} {one if n == 1 else many or one + 's'}"


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def title_of(alert: Alert) -> str:
    return one_line(alert.title) or UNTITLED


def web_url(url: str | None) -> str | None:
    """``url`` when it is an http(s) URL worth linking, else None."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def term_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    """A pattern finding the plain and prefix terms in text, to highlight them.

    Regex terms are skipped (they are for matching, not for showing); entity
    aliases are not known here, so only the words the rule names are bold.
    """
    parts = []
    for term in terms:
        if len(term) > 1 and term.startswith("/") and term.endswith("/"):
            continue
        prefix = term.endswith("*")
        words = _WORD.findall(term)
        if not words:
            continue
        body = r"\W+".join(re.escape(word) for word in words)
        body = rf"\b{body}\w*" if prefix else rf"\b{body}\b"
        letters = [char for char in term if char.isalpha()]
        exact = bool(letters) and all(char.isupper() for char in letters)
        parts.append(body if exact else f"(?i:{body})")
    return re.compile("|".join(parts)) if parts else None


def window(text: str, pattern: re.Pattern[str] | None, width: int) -> str:
    """At most about ``width`` characters of ``text``, around its first match."""
    if len(text) <= width:
        return text
    found = pattern.search(text) if pattern else None
    start = max(0, found.start() - width // 3) if found else 0
    start = min(start, len(text) - width)
    if start > 0:
        space = text.find(" ", start, start + 20)
        start = space + 1 if space != -1 else start
    end = start + width
    piece = text[start:end]
    if end < len(text):
        piece = clip_words(piece) + "…"
    return ("…" + piece) if start > 0 else piece
