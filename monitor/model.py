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
class StoredStory:
    """A story as the store kept it, for ``monitor backtest``: what it was matched
    on then, whether it alerted, and its first copy (itself, if it is one)."""

    first_copy: int
    found_at: datetime
    alerted: bool
    story: Story


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


@dataclass(frozen=True, slots=True)
class Notice:
    """A message about the daemon itself, for ``defaults.admin``: a feed failing,
    recovered or gone, alerts that could not be delivered. Not about a story."""

    subject: str
    body: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class Digest:
    """Alerts owed to one notifier, sent together as one message (email ``digest``)."""

    alerts: tuple[Alert, ...]


Message = Alert | Notice | Digest


def message_key(message: Message) -> str:
    """What a message is about, stable across resends (for Message-IDs)."""
    if isinstance(message, Alert):
        return f"story-{message.story_id}"
    if isinstance(message, Digest):
        ids = [alert.story_id for alert in message.alerts]
        return f"digest-{min(ids)}-{max(ids)}-{len(ids)}"
    stamp = message.created_at.strftime("%Y%m%d%H%M%S%f")
    return f"notice-{stamp}"


@dataclass(frozen=True, slots=True)
class FeedState:
    """What the store remembers about a feed between polls and restarts."""

    name: str
    url: str  # the configured URL, or where a permanent redirect moved it
    configured_url: str  # as in config.yaml, to notice when the user changes it
    etag: str | None = None
    last_modified: str | None = None
    first_polled_at: datetime | None = None
    last_poll_at: datetime | None = None
    last_status: str | None = None  # "ok", "not-modified", or the error
    consecutive_errors: int = 0
    next_poll_at: datetime | None = None
    stories_seen: int = 0
    last_alert_at: datetime | None = None
    gone: bool = False  # the server said 410 Gone: polling stopped


@dataclass(frozen=True, slots=True)
class Delivery:
    """One pending outbox row: an alert or a notice owed to one notifier."""

    id: int
    notifier: str
    message: Alert | Notice
    attempts: int
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    """An outbox row as ``monitor alerts`` shows it, whatever its state."""

    id: int
    notifier: str
    state: str  # "pending", "delivered" or "dead"
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    delivered_at: datetime | None
    last_error: str | None
    message: Alert | Notice
