"""Keeping every feed polled: one APScheduler date job per feed, set again after
each poll from ``schedule.next_poll_at``, with the outcome stored, measured,
logged, and told to the admin when a feed breaks, recovers or is gone.

A poll's own failures are data (``pipeline``); anything else that goes wrong
around a poll (the store, a bug) still leaves the feed on the schedule.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor.clock import utcnow
from monitor.config import FeedConfig
from monitor.errors import StoreError
from monitor.metrics import Metrics, PollOutcome
from monitor.model import FeedState
from monitor.notices import feed_notice
from monitor.pipeline import Pipeline, PollResult
from monitor.runtime import feed_changes
from monitor.schedule import first_poll_at, fresh_delay, next_poll_at, resume_poll_at
from monitor.store import Store

log = logging.getLogger(__name__)

POLITE_INTERVAL = timedelta(minutes=1)


class Poller:
    def __init__(
        self,
        feeds: Sequence[FeedConfig],
        *,
        store: Store,
        pipeline: Pipeline,
        metrics: Metrics,
        admin: Callable[[], Sequence[str]],
        on_notice: Callable[[], None] = lambda: None,
        on_tick: Callable[[], None] = lambda: None,
    ) -> None:
        self.feeds = {feed.name: feed for feed in feeds}
        self.store = store
        self.pipeline = pipeline
        self.metrics = metrics
        self.admin = admin
        self.on_notice = on_notice
        self.on_tick = on_tick
        self.failing: set[str] = set()
        self.stopping = False  # set at shutdown: polls finishing now schedule no more
        self.polls: set[asyncio.Task[None]] = set()
        self.scheduler = AsyncIOScheduler(timezone=UTC)
        self._rng = random.Random()  # noqa: S311 - jitter, not secrets

    @staticmethod
    def warn_if_impolite(feed: FeedConfig) -> None:
        if feed.interval < POLITE_INTERVAL:
            log.warning(
                "polling more often than once a minute; fine for your own servers,"
                " impolite to others",
                extra={"feed": feed.name, "interval": f"{feed.interval.total_seconds():g}s"},
            )

    async def poll_once(self, feed: FeedConfig) -> None:
        state = await self.store.feed_state(feed.name, feed.url)
        if state.gone:
            log.warning("feed is gone (HTTP 410); not polling it", extra={"feed": feed.name})
            return
        await self._poll(feed, state)

    async def apply(self, feeds: Sequence[FeedConfig]) -> None:
        """Take a reloaded config's feeds: schedule new ones, drop removed ones,
        move polls of feeds whose URL or interval changed."""
        changes = feed_changes(self.feeds, feeds)
        self.feeds = {feed.name: feed for feed in feeds}
        for name in changes.removed:
            with suppress(Exception):  # not scheduled (gone, or mid-poll): nothing to remove
                self.scheduler.remove_job(name)
            self.failing.discard(name)
            log.info("feed removed", extra={"feed": name})
        for feed in changes.added:
            self.warn_if_impolite(feed)
            try:
                await self.schedule_first(feed)
            except StoreError as e:
                # Its stored state is out of reach for now: poll it soon regardless.
                log.error("feed added; its state could not be read", extra={"error": str(e)})
                self._schedule(feed.name, first_poll_at(utcnow(), feed.interval, draw=0.5))
            log.info("feed added", extra={"feed": feed.name})
        now = utcnow()
        for feed in changes.moved:
            self._schedule(feed.name, first_poll_at(now, feed.interval, draw=self._rng.random()))
        for feed in changes.retimed:
            self.warn_if_impolite(feed)
            job = self.scheduler.get_job(feed.name)
            if job is not None and job.next_run_time > now + feed.interval:
                self._schedule(feed.name, now + feed.interval)

    async def schedule_first(self, feed: FeedConfig) -> None:
        state = await self.store.feed_state(feed.name, feed.url)
        if state.gone:
            log.warning("feed is gone (HTTP 410); not polling it", extra={"feed": feed.name})
            return
        now = utcnow()
        self._schedule(
            feed.name,
            resume_poll_at(now, feed.interval, state.next_poll_at, draw=self._rng.random()),
        )

    def _schedule(self, name: str, at: datetime) -> None:
        self.scheduler.add_job(
            self._poll_job,
            "date",
            run_date=at,
            args=[name],
            id=name,
            name=f"poll {name}",
            replace_existing=True,
            misfire_grace_time=None,
        )

    async def _poll_job(self, name: str) -> None:
        self.on_tick()
        feed = self.feeds.get(name)
        if feed is None or self.stopping:
            return
        task = asyncio.current_task()
        assert task is not None  # APScheduler runs coroutine jobs as tasks
        self.polls.add(task)
        try:
            at = await self._poll(feed)
        except Exception as e:
            # A store failure, or a bug: whatever it is, the feed must stay on the
            # schedule, or it would silently never be polled again.
            log.exception(
                "poll not recorded; will try again", extra={"feed": name, "error": str(e)}
            )
            at = next_poll_at(
                utcnow(), feed.interval, consecutive_errors=1, draw=self._rng.random()
            )
        finally:
            self.polls.discard(task)
        current = self.feeds.get(name)  # a reload may have changed or removed it meanwhile
        if at is None or current is None or self.stopping:
            return
        if current.url != feed.url:
            at = first_poll_at(utcnow(), current.interval, draw=self._rng.random())
        elif current.interval < feed.interval:
            at = min(at, utcnow() + current.interval)
        self._schedule(name, at)

    async def _poll(self, feed: FeedConfig, state: FeedState | None = None) -> datetime | None:
        """Poll once and store the outcome; return the next poll time (None: gone)."""
        started = time.monotonic()
        if state is None:
            state = await self.store.feed_state(feed.name, feed.url)
        try:
            result = await self.pipeline.poll(feed, state)
        except Exception as e:  # a bug or a store failure: log it, keep the feed scheduled
            log.exception("poll failed unexpectedly", extra={"feed": feed.name})
            result = PollResult(
                replace(
                    state,
                    last_status=f"internal error: {e!r}",
                    consecutive_errors=state.consecutive_errors + 1,
                )
            )
        after = result.state
        at = next_poll_at(
            utcnow(),
            feed.interval,
            consecutive_errors=after.consecutive_errors,
            retry_after=result.retry_after,
            fresh_for=result.fresh_for,
            draw=self._rng.random(),
        )
        await self.store.save_feed_state(replace(after, next_poll_at=at))
        await self._after_poll(feed, state, result, time.monotonic() - started)
        self._log_poll(feed, result, at)
        return None if after.gone else at

    async def _after_poll(
        self, feed: FeedConfig, before: FeedState, result: PollResult, seconds: float
    ) -> None:
        after = result.state
        outcome: PollOutcome = "ok"
        if after.consecutive_errors:
            outcome = "error"
            self.failing.add(feed.name)
        else:
            self.failing.discard(feed.name)
            if after.last_status == "not modified":
                outcome = "not_modified"
        self.metrics.poll_finished(
            feed.name, outcome, seconds, consecutive_errors=after.consecutive_errors
        )
        self.metrics.stories_new(feed.name, result.new)
        notice = feed_notice(before, after, utcnow())
        if notice is not None:
            await self.store.enqueue_notice(notice, self.admin())
            self.on_notice()

    def _log_poll(self, feed: FeedConfig, result: PollResult, at: datetime) -> None:
        state = result.state
        fields: dict[str, object] = {"feed": feed.name, "next_poll": at.strftime("%H:%M:%S")}
        if state.consecutive_errors:
            fields.update(error=state.last_status, errors_in_a_row=state.consecutive_errors)
            if state.gone:
                log.error("feed is gone (HTTP 410); polling stopped", extra=fields)
            else:
                log.warning("feed poll failed", extra=fields)
            return
        fields.update(status=state.last_status, new=result.new, alerts=result.alerts)
        delay = fresh_delay(feed.interval, result.fresh_for)
        if result.fresh_for is not None and delay > feed.interval:
            # Why the next poll is later than the interval: the server asked.
            fields["server_fresh_for"] = f"{result.fresh_for.total_seconds():g}s"
            fields["poll_delay"] = f"{delay.total_seconds():g}s"
        log.info("feed polled", extra=fields)
