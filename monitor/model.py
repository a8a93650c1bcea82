"""Domain values passed between the parts of monitor.

All frozen; all datetimes are aware and in UTC. Nothing here does I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True, slots=True)
class Entry:
    """One item of a parsed feed, before its page is fetched."""

    guid: str  # the feed's id, else the link, else a hash of title+summary
    url: str | None  # canonical link (tracking parameters stripped), when the entry has one
    title: str
    summary: str  # plain text, markup removed
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    title: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True, slots=True)
class Removal:
    """A piece of a page removed as an appeal, and why."""

    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class Article:
    """The clean text of a page: article paragraphs joined by newlines, appeals removed."""

    title: str | None
    text: str
    removed: tuple[Removal, ...] = ()


class TextSource(StrEnum):
    """Where the body text a story was matched on came from."""

    ARTICLE = "article"  # the fetched page, extracted
    SUMMARY = "summary"  # the feed's own summary: the page was not fetched or yielded too little


@dataclass(frozen=True, slots=True)
class Story:
    """What rules are matched against: a story's title, feed summary and clean text."""

    feed: str
    url: str | None
    title: str
    summary: str
    text: str
    text_source: TextSource = TextSource.ARTICLE
    published_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """One rule that matched a story: the terms found and where, in short snippets."""

    rule: str
    terms: tuple[str, ...]
    snippets: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Alert:
    """What a notifier sends: one story and every rule it matched."""

    story_id: int
    feed: str
    title: str
    url: str | None
    found_at: datetime
    published_at: datetime | None
    matches: tuple[Match, ...]
    text_source: TextSource = TextSource.ARTICLE

    @property
    def rules(self) -> tuple[str, ...]:
        return tuple(match.rule for match in self.matches)
