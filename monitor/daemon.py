"""The daemon: the event loop, the scheduler, signals and a graceful stop.

The only module that sleeps, handles signals or owns long-lived resources.
Polling is driven by APScheduler (one date-triggered job per feed, set again
after every poll from ``schedule.next_poll_at``); the poll time is stored with
the feed's state, so a restart resumes where it was, backoff included.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
from collections.abc import Iterator
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor.config import Config, EmailNotifierConfig, FeedConfig, SlackNotifierConfig
from monitor.delivery import Dispatcher, Pacing
from monitor.http import AddressPolicy, HttpClient
from monitor.notices import feed_notice
from monitor.notify import Notifier
from monitor.notify.build import build_notifiers
from monitor.pipeline import Pipeline, PollResult, Routing
from monitor.rules import RuleSet
from monitor.schedule import next_poll_at, resume_poll_at
from monitor.store import SqliteStore
from monitor.workers import Workers

log = logging.getLogger(__name__)

STORE_FILE = "monitor.sqlite3"
# How long a stop waits for deliveries in flight before leaving them to the next start.
STOP_GRACE = timedelta(seconds=10)
# `run --once` waits this long for retries (a 429's Retry-After, say) before exiting.
ONCE_PATIENCE = timedelta(seconds=60)
POLITE_INTERVAL = timedelta(minutes=1)


def utcnow() -> datetime:
    return datetime.now(UTC)


def routing_for(config: Config) -> Routing:
    return Routing(
        rules=RuleSet.compile(config.rules, config.entities),
        notify={rule.name: tuple(rule.notify) for rule in config.rules},
    )


def pacing_for(config: Config) -> dict[str, Pacing]:
    return {
        name: Pacing(quiet_hours=notifier.quiet_hours, digest=notifier.digest)
        for name, notifier in config.notifiers.items()
        if isinstance(notifier, EmailNotifierConfig)
    }


def address_policy(config: Config) -> AddressPolicy:
    """Hosts the user configured (feeds, webhooks) may be anywhere, loopback included;
    links found inside feeds may reach private addresses only if allowed."""
    trusted = [urlsplit(feed.url).hostname or "" for feed in config.feeds]
    for notifier in config.notifiers.values():
        if isinstance(notifier, SlackNotifierConfig):
            trusted.append(urlsplit(notifier.webhook.get_secret_value()).hostname or "")
    return AddressPolicy.from_allowed([*config.http.allow_private, *filter(None, trusted)])


class Daemon:
    def __init__(self, config: Config) -> None:
        self.config = config
        self._stop = asyncio.Event()
        self._rng = random.Random()  # noqa: S311 - jitter, not secrets
        self._polls: set[asyncio.Task[None]] = set()
        self._feeds = {feed.name: feed for feed in config.feeds}

    def stop(self) -> None:
        self._stop.set()

    async def run(self, *, once: bool = False) -> int:
        """Run until stopped (or, with ``once``, for one poll of every feed)."""
        config = self.config
        store = await SqliteStore.open(config.state_dir / STORE_FILE)
        http = HttpClient(
            user_agent=config.http.user_agent,
            timeout=config.http.timeout,
            max_body=config.http.max_body,
            concurrency=config.http.concurrency,
            per_host=config.http.per_host,
            policy=address_policy(config),
        )
        workers = Workers()
        notifiers: dict[str, Notifier] = build_notifiers(config.notifiers, http.session)
        self.dispatcher = Dispatcher(
            store,
            notifiers,
            utcnow,
            pacing=pacing_for(config),
            admin=config.defaults.admin,
        )
        self.pipeline = Pipeline(
            http=http,
            store=store,
            workers=workers,
            routing=routing_for(config),
            clock=utcnow,
            on_alert=self.dispatcher.wake,
        )
        self.store = store
        self._install_signals()
        self._log_start(once)
        try:
            if once:
                await self._run_once()
            else:
                await self._run_forever()
        finally:
            for notifier in notifiers.values():
                with suppress(Exception):
                    await notifier.aclose()
            await http.aclose()
            workers.shutdown()
            await store.aclose()
            log.info("stopped")
        return 0

    def _install_signals(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        log.info("stopping", extra={"signal": sig.name})
        self._stop.set()

    def _log_start(self, once: bool) -> None:
        config = self.config
        log.info(
            "starting",
            extra={
                "config": config.source or "-",
                "feeds": len(config.feeds),
                "rules": len(config.rules),
                "notifiers": len(config.notifiers),
                "state_dir": config.state_dir,
                "mode": "once" if once else "daemon",
            },
        )
        for feed in config.feeds:
            if feed.interval < POLITE_INTERVAL:
                log.warning(
                    "polling more often than once a minute; fine for your own servers,"
                    " impolite to others",
                    extra={"feed": feed.name, "interval": f"{feed.interval.total_seconds():g}s"},
                )

    def _active_feeds(self) -> Iterator[FeedConfig]:
        return iter(self._feeds.values())

    async def _run_once(self) -> None:
        polls = asyncio.gather(*(self._poll(feed) for feed in self._active_feeds()))
        if not await self._unless_stopped(polls):
            return
        drain = asyncio.ensure_future(self.dispatcher.drain(ONCE_PATIENCE))
        if await self._unless_stopped(drain, grace=STOP_GRACE):
            pending = drain.result()
            if pending:
                log.warning(
                    "alerts still owed; the next run will send them", extra={"pending": pending}
                )

    async def _run_forever(self) -> None:
        scheduler = AsyncIOScheduler(timezone=UTC)
        self._scheduler = scheduler
        now = utcnow()
        for feed in self._active_feeds():
            state = await self.store.feed_state(feed.name, feed.url)
            if state.gone:
                log.warning("feed is gone (HTTP 410); not polling it", extra={"feed": feed.name})
                continue
            at = resume_poll_at(now, feed.interval, state.next_poll_at, draw=self._rng.random())
            self._schedule(feed.name, at)
        scheduler.start()
        dispatching = asyncio.create_task(self.dispatcher.run(self._stop))
        log.info("ready", extra={"feeds": len(scheduler.get_jobs())})
        await self._stop.wait()
        scheduler.shutdown(wait=False)
        # A poll cut short has committed whole stories only; the rest is redone next time.
        for task in self._polls:
            task.cancel()
        await asyncio.gather(*self._polls, return_exceptions=True)
        await self._finish(dispatching, STOP_GRACE)

    def _schedule(self, name: str, at: datetime) -> None:
        self._scheduler.add_job(
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
        feed = self._feeds.get(name)
        if feed is None or self._stop.is_set():
            return
        task = asyncio.current_task()
        assert task is not None  # APScheduler runs coroutine jobs as tasks
        self._polls.add(task)
        try:
            at = await self._poll(feed)
        finally:
            self._polls.discard(task)
        if at is not None and not self._stop.is_set():
            self._schedule(name, at)

    async def _poll(self, feed: FeedConfig) -> datetime | None:
        """Poll once and store the outcome; return the next poll time (None: gone)."""
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
        new_state = result.state
        notice = feed_notice(state, new_state, utcnow())
        if notice is not None:
            await self.store.enqueue_notice(notice, self.config.defaults.admin)
            self.dispatcher.wake()
        at = next_poll_at(
            utcnow(),
            feed.interval,
            consecutive_errors=new_state.consecutive_errors,
            retry_after=result.retry_after,
            draw=self._rng.random(),
        )
        await self.store.save_feed_state(replace(new_state, next_poll_at=at))
        self._log_poll(feed, result, at)
        return None if new_state.gone else at

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
        log.info("feed polled", extra=fields)

    async def _unless_stopped(
        self, work: asyncio.Future[Any], grace: timedelta | None = None
    ) -> bool:
        """Wait for ``work``; on a stop, give it ``grace`` and then cancel it.
        True if it finished."""
        stopping = asyncio.ensure_future(self._stop.wait())
        try:
            await asyncio.wait({work, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        if work.done():
            work.result()
            return True
        return await self._finish(work, grace or timedelta(0))

    @staticmethod
    async def _finish(work: asyncio.Future[Any], grace: timedelta) -> bool:
        try:
            await asyncio.wait_for(asyncio.shield(work), grace.total_seconds())
        except TimeoutError:
            work.cancel()
            with suppress(asyncio.CancelledError):
                await work
            return False
        return True
