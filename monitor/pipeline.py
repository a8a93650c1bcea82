"""Poll one feed end to end: fetch, parse, find new entries, fetch and extract
their pages, match rules, and record each story with the alerts it owes.

This module orchestrates; it decides nothing itself. What is new is the
store's answer, what matches is ``rules``', when to poll next is the daemon's
(via ``schedule``). One feed's failure is data in the returned state, never an
exception that reaches the scheduler.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TypeVar

from monitor.config import FeedConfig
from monitor.dedup import sketch
from monitor.errors import ExtractError, FeedError, FetchError
from monitor.extract import extract_article
from monitor.feeds import parse_feed
from monitor.http import Fetched, HttpClient, NotModified, redact
from monitor.metrics import Metrics
from monitor.model import Alert, Entry, FeedState, ParsedFeed, Story, TextSource
from monitor.rules import RuleSet
from monitor.store import Store
from monitor.workers import Workers

log = logging.getLogger(__name__)

# Below this, an extracted page is a teaser, a consent wall or a paywall stub:
# the feed's own summary says more.
MIN_ARTICLE_CHARS = 200
STORIES_IN_FLIGHT = 8

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class PollResult:
    state: FeedState  # to be saved once the next poll time is set
    new: int = 0
    alerts: int = 0
    retry_after: timedelta | None = None
    fresh_for: timedelta | None = None  # the feed's Cache-Control lifetime, on success


@dataclass(frozen=True, slots=True)
class Routing:
    """The matching half of the config, swapped whole on reload."""

    rules: RuleSet
    notify: Mapping[str, tuple[str, ...]]  # rule name -> notifier names

    def notifiers_for(self, rules: Sequence[str]) -> tuple[str, ...]:
        names = (n for rule in rules for n in self.notify.get(rule, ()))
        return tuple(dict.fromkeys(names))


class Pipeline:
    def __init__(
        self,
        *,
        http: HttpClient,
        store: Store,
        workers: Workers,
        routing: Routing,
        clock: Callable[[], datetime],
        on_alert: Callable[[], None] = lambda: None,
        metrics: Metrics | None = None,
    ) -> None:
        self.http = http
        self.store = store
        self.workers = workers
        self.routing = routing
        self._clock = clock
        self._on_alert = on_alert
        self.metrics = metrics or Metrics()

    async def poll(self, feed: FeedConfig, state: FeedState) -> PollResult:
        """Poll ``feed`` once. Never raises for the feed's own failures."""
        now = self._clock()
        state = replace(state, last_poll_at=now)
        try:
            fetched = await self.http.fetch_feed(
                state.url, etag=state.etag, last_modified=state.last_modified
            )
            if isinstance(fetched, NotModified):
                return PollResult(
                    _succeeded(state, "not modified", fetched), fresh_for=fetched.fresh_for
                )
            parsed: ParsedFeed = await self._cpu(
                parse_feed, fetched.body, base_url=fetched.url, content_type=fetched.content_type
            )
        except FetchError as e:
            return PollResult(
                _failed(state, str(e), gone=e.status == 410), retry_after=e.retry_after
            )
        except FeedError as e:
            return PollResult(_failed(state, str(e)))
        state = _succeeded(state, "ok", fetched)
        if fetched.moved_to:
            log.warning(
                "feed moved permanently", extra={"feed": feed.name, "to": redact(fetched.moved_to)}
            )
            state = replace(state, url=fetched.moved_to)
        new, alerts = await self._process(feed, state, parsed.entries, now)
        if state.first_polled_at is None:
            state = replace(state, first_polled_at=now)
        return PollResult(state, new=new, alerts=alerts, fresh_for=fetched.fresh_for)

    async def _process(
        self, feed: FeedConfig, state: FeedState, entries: Sequence[Entry], now: datetime
    ) -> tuple[int, int]:
        fresh = await self.store.unseen(feed.name, entries)
        if state.first_polled_at is None:
            # A new feed's backlog is remembered, not alerted: only what is
            # newer than `lookback` counts as news.
            cutoff = now - feed.lookback
            old = [e for e in fresh if e.published_at is None or e.published_at < cutoff]
            if old:
                await self.store.mark_seen(feed.name, old, now)
            fresh = [e for e in fresh if e not in old]
        limit = asyncio.Semaphore(STORIES_IN_FLIGHT)

        async def one(entry: Entry) -> bool:
            async with limit:
                return await self._story(feed, entry)

        alerted = await asyncio.gather(*(one(e) for e in fresh))
        return len(fresh), sum(alerted)

    async def _story(self, feed: FeedConfig, entry: Entry) -> bool:
        story = await self._read(feed, entry)
        routing = self.routing
        matches = routing.rules.match(story, feed=feed)
        now = self._clock()
        alert = None
        notifiers: tuple[str, ...] = ()
        if matches:
            alert = Alert(
                story_id=0,
                feed=feed.name,
                title=story.title or entry.url or "(untitled)",
                url=entry.url,
                found_at=now,
                published_at=entry.published_at,
                matches=matches,
                text_source=story.text_source,
            )
            notifiers = routing.notifiers_for([m.rule for m in matches])
        # On the loop, not in the pool: under a millisecond, and only for stories
        # that matched, so shipping the text to a worker would cost as much.
        fingerprint = sketch(story.text or story.summary) if alert is not None else None
        recorded = await self.store.record_story(
            feed.name, entry, alert, notifiers, sketch=fingerprint, story=story
        )
        if recorded is None or alert is None:
            return False
        self.metrics.matched(alert.rules)
        fields = {
            "feed": feed.name,
            "story": recorded.story_id,
            "rules": ",".join(alert.rules),
            "title": alert.title,
            "source": story.text_source.value,
        }
        if not recorded.notified:
            # The same link or text came through another feed first and alerted them all.
            log.info(
                "story matched; already alerted", extra={**fields, "first": recorded.first_copy}
            )
            return False
        log.info("story matched", extra={**fields, "notify": ",".join(recorded.notified)})
        self._on_alert()
        return True

    async def _read(self, feed: FeedConfig, entry: Entry) -> Story:
        """The story's text: the extracted page, else the feed's summary."""
        summary_only = Story(
            feed=feed.name,
            url=entry.url,
            title=entry.title,
            summary=entry.summary,
            text="",
            text_source=TextSource.SUMMARY,
            published_at=entry.published_at,
        )
        if not feed.fetch_article or not entry.url:
            return summary_only
        try:
            page = await self.http.fetch_page(entry.url)
            started = time.monotonic()
            try:
                article = await self._cpu(
                    extract_article,
                    page.body,
                    url=page.url,
                    remove=feed.extract.remove,
                    keep=feed.extract.keep,
                )
            finally:
                self.metrics.extraction_took(time.monotonic() - started)
        except FeedError as e:
            log.warning(
                "story page unusable; matching the feed summary",
                extra={"feed": feed.name, "url": entry.url, "error": str(e)},
            )
            return summary_only
        if len(article.text) < MIN_ARTICLE_CHARS:
            log.info(
                "story page too short; matching the feed summary",
                extra={"feed": feed.name, "url": entry.url, "chars": len(article.text)},
            )
            return summary_only
        return replace(
            summary_only,
            title=entry.title or article.title or "",
            text=article.text,
            text_source=TextSource.ARTICLE,
        )

    async def _cpu(self, fn: Callable[..., T], *args: object, **kwargs: object) -> T:
        try:
            return await self.workers.run(fn, *args, **kwargs)
        except BrokenProcessPool as e:
            raise ExtractError("a worker process died on this input") from e
        except TimeoutError as e:
            raise ExtractError(f"gave up after {self.workers.timeout:.0f}s on this input") from e
        except FeedError:
            raise
        except Exception as e:  # a bug on one input must cost that input, not the poll
            log.exception(
                "worker failed unexpectedly", extra={"call": getattr(fn, "__name__", "?")}
            )
            raise ExtractError(f"internal error on this input: {e!r}") from e


def _succeeded(state: FeedState, status: str, fetched: Fetched | NotModified) -> FeedState:
    etag, last_modified = fetched.etag, fetched.last_modified
    if isinstance(fetched, NotModified):
        # A 304 may omit the validators: the ones we sent still hold.
        etag, last_modified = etag or state.etag, last_modified or state.last_modified
    return replace(
        state,
        last_status=status,
        consecutive_errors=0,
        etag=etag,
        last_modified=last_modified,
    )


def _failed(state: FeedState, error: str, *, gone: bool = False) -> FeedState:
    return replace(
        state, last_status=error, consecutive_errors=state.consecutive_errors + 1, gone=gone
    )
