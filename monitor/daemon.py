"""The daemon: the event loop, the scheduler, signals, reloads and a graceful stop.

The only module that handles signals or owns long-lived resources. Polling is
driven by APScheduler (one date-triggered job per feed, set again after every
poll from ``schedule.next_poll_at``); the poll time is stored with the feed's
state, so a restart resumes where it was, backoff included. A heartbeat job
checks the store; the systemd watchdog is fed only while the store answers,
the scheduler ticks and the event loop runs on time.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import time
from contextlib import suppress
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from monitor.config import Config, FeedConfig
from monitor.config import load as load_config
from monitor.delivery import Dispatcher
from monitor.errors import ConfigError, StoreError
from monitor.health import (
    HealthLimits,
    HealthReport,
    HealthServer,
    LoopLagProbe,
    assess,
    parse_listen,
)
from monitor.http import HttpClient
from monitor.metrics import Metrics, PollOutcome
from monitor.model import FeedState, Notice
from monitor.notices import feed_notice
from monitor.pipeline import Pipeline, PollResult
from monitor.runtime import Runtime, build_http, feed_changes
from monitor.schedule import first_poll_at, next_poll_at, resume_poll_at
from monitor.store import SqliteStore
from monitor.systemd import SystemdNotifier
from monitor.watch import watch_config
from monitor.workers import Workers

log = logging.getLogger(__name__)

STORE_FILE = "monitor.sqlite3"
# How long a stop waits for deliveries in flight before leaving them to the next start.
STOP_GRACE = timedelta(seconds=10)
# `run --once` waits this long for retries (a 429's Retry-After, say) before exiting.
ONCE_PATIENCE = timedelta(seconds=60)
POLITE_INTERVAL = timedelta(minutes=1)
HEARTBEAT = timedelta(seconds=30)
HEARTBEAT_JOB = "heartbeat"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Daemon:
    def __init__(self, config: Config, *, systemd: SystemdNotifier | None = None) -> None:
        self.config = config
        self.systemd = systemd or SystemdNotifier.from_environ()
        self.metrics = Metrics()
        self._stop = asyncio.Event()
        self._rng = random.Random()  # noqa: S311 - jitter, not secrets
        self._polls: set[asyncio.Task[None]] = set()
        self._background: set[asyncio.Task[Any]] = set()
        self._feeds = {feed.name: feed for feed in config.feeds}
        self._failing: set[str] = set()
        self._backlog = 0
        self._reload_lock = asyncio.Lock()
        self._refused: str | None = None  # the last config refused, so admin hears of it once
        # The watchdog beats faster than the default heartbeat: check at least as often.
        interval = self.systemd.watchdog_interval
        self._heartbeat = min(HEARTBEAT, interval) if interval else HEARTBEAT
        self._limits = HealthLimits(
            store_stale_after=self._heartbeat * 4, tick_stale_after=self._heartbeat * 4
        )
        self._started_at = utcnow()
        self._store_ok_at: datetime | None = None
        self._tick_at: datetime | None = None
        self._store_check: asyncio.Task[None] | None = None
        self._probe = LoopLagProbe(
            on_sample=lambda lag: self.metrics.set_loop_lag(lag.total_seconds())
        )
        self._retired_http: list[HttpClient] = []

    def stop(self) -> None:
        self._stop.set()

    async def run(self, *, once: bool = False) -> int:
        """Run until stopped (or, with ``once``, for one poll of every feed)."""
        config = self.config
        self.store = await SqliteStore.open(config.state_dir / STORE_FILE)
        self._store_ok_at = utcnow()
        self.workers = Workers()
        self.runtime = Runtime.build(config, build_http(config))
        self.dispatcher = Dispatcher(self.store, {}, utcnow, metrics=self.metrics)
        self.runtime.apply_to(self.dispatcher)
        self.pipeline = Pipeline(
            http=self.runtime.http,
            store=self.store,
            workers=self.workers,
            routing=self.runtime.routing,
            clock=utcnow,
            on_alert=self.dispatcher.wake,
            metrics=self.metrics,
        )
        self.metrics.configure(
            feeds=list(self._feeds),
            rules=[r.name for r in config.rules],
            notifiers=list(config.notifiers),
        )
        self._install_signals(once)
        self._log_start(once)
        try:
            if once:
                await self._run_once()
            else:
                await self._run_forever()
        finally:
            await self.runtime.aclose()
            for http in self._retired_http:
                await http.aclose()
            self.workers.shutdown()
            await self.store.aclose()
            log.info("stopped")
        return 0

    # -- life cycle ---------------------------------------------------------

    def _install_signals(self, once: bool) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_stop_signal, sig)
        if not once:
            loop.add_signal_handler(signal.SIGHUP, self._spawn, self.reload, "SIGHUP")

    def _on_stop_signal(self, sig: signal.Signals) -> None:
        log.info("stopping", extra={"signal": sig.name})
        self.systemd.stopping()
        self._stop.set()

    def _spawn(self, func: Any, *args: Any) -> None:
        task = asyncio.create_task(func(*args))
        self._background.add(task)
        task.add_done_callback(self._background.discard)

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
            self._warn_if_impolite(feed)

    @staticmethod
    def _warn_if_impolite(feed: FeedConfig) -> None:
        if feed.interval < POLITE_INTERVAL:
            log.warning(
                "polling more often than once a minute; fine for your own servers,"
                " impolite to others",
                extra={"feed": feed.name, "interval": f"{feed.interval.total_seconds():g}s"},
            )

    async def _run_once(self) -> None:
        polls = asyncio.gather(*(self._poll(feed) for feed in self._feeds.values()))
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
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        for feed in self._feeds.values():
            await self._schedule_first(feed)
        self._scheduler.add_job(
            self._beat,
            "interval",
            seconds=self._heartbeat.total_seconds(),
            id=HEARTBEAT_JOB,
            next_run_time=utcnow(),
        )
        self._scheduler.start()
        self._probe.start()
        server = await self._start_health_server()
        dispatching = asyncio.create_task(self.dispatcher.run(self._stop))
        helpers = [asyncio.create_task(self._feed_watchdog())]
        if self.config.source is not None:
            helpers.append(
                asyncio.create_task(
                    watch_config(self.config.source, self._on_file_change, self._stop)
                )
            )
        self.systemd.ready(self.status())
        log.info("ready", extra={"feeds": len(self._feeds)})
        await self._stop.wait()
        self._scheduler.shutdown(wait=False)
        # A poll cut short has committed whole stories only; the rest is redone next time.
        for task in [*self._polls, *self._background]:
            task.cancel()
        await asyncio.gather(*self._polls, *self._background, return_exceptions=True)
        await self._finish(dispatching, STOP_GRACE)
        for task in helpers:
            task.cancel()
        await asyncio.gather(*helpers, return_exceptions=True)
        await self._probe.stop()
        if server is not None:
            await server.stop()

    async def _start_health_server(self) -> HealthServer | None:
        if not self.config.listen:
            return None
        host, port = parse_listen(self.config.listen)
        server = HealthServer(host, port, self.metrics, self.health)
        try:
            await server.start()
        except OSError as e:
            # Monitoring is a side job: alerts matter more than the endpoint.
            log.error(
                "cannot serve /healthz and /metrics",
                extra={"listen": self.config.listen, "error": str(e)},
            )
            return None
        log.info("serving /healthz and /metrics", extra={"listen": f"{host}:{server.port}"})
        return server

    # -- health -------------------------------------------------------------

    def health(self) -> HealthReport:
        return assess(
            utcnow(),
            store_ok_at=self._store_ok_at,
            scheduler_tick_at=self._tick_at,
            loop_lag=self._probe.lag,
            started_at=self._started_at,
            limits=self._limits,
            feeds_failing=len(self._failing),
            outbox_backlog=self._backlog,
        )

    def status(self) -> str:
        """One line for ``systemctl status``: "watching 12 feeds, 5 rules, 1 failing"."""
        parts = [
            f"watching {_count(len(self._feeds), 'feed')}",
            _count(len(self.config.rules), "rule"),
        ]
        if self._failing:
            parts.append(f"{len(self._failing)} failing")
        if self._backlog:
            parts.append(f"{_count(self._backlog, 'alert')} queued")
        return ", ".join(parts)

    async def _beat(self) -> None:
        """The heartbeat: proves the scheduler runs jobs, and checks the store.

        The store check runs on its own and is never cancelled (cutting a
        transaction short could leave it open); while one hangs, no other starts,
        and the health check sees ``store_ok_at`` grow old.
        """
        self._tick_at = utcnow()
        if self._store_check is None or self._store_check.done():
            self._store_check = asyncio.create_task(self._check_store())

    async def _check_store(self) -> None:
        try:
            await self.store.ping()
            self._backlog = await self.store.pending_count(self.dispatcher.notifiers)
        except StoreError as e:
            log.error("the store is not answering", extra={"error": str(e)})
            return
        self._store_ok_at = utcnow()
        self.metrics.set_backlog(self._backlog)
        self.systemd.status(self.status())

    async def _feed_watchdog(self) -> None:
        interval = self.systemd.watchdog_interval
        if interval is None:
            return
        while not self._stop.is_set():
            report = self.health()
            if report.healthy:
                self.systemd.watchdog()
            else:
                log.error(
                    "unhealthy; not feeding the watchdog", extra={"why": "; ".join(report.reasons)}
                )
            with suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), interval.total_seconds())

    # -- reloading ----------------------------------------------------------

    async def _on_file_change(self) -> None:
        await self.reload("file changed")

    async def reload(self, trigger: str) -> None:
        """Load the config file again; apply it if valid, else keep running the old one."""
        source = self.config.source
        if source is None:
            return
        async with self._reload_lock:
            self.systemd.reloading()
            try:
                config = await asyncio.to_thread(load_config, source)
            except ConfigError as e:
                await self._refuse(e)
            else:
                await self._apply(config)
                self._refused = None
                log.info(
                    "config reloaded",
                    extra={
                        "trigger": trigger,
                        "feeds": len(config.feeds),
                        "rules": len(config.rules),
                        "notifiers": len(config.notifiers),
                    },
                )
            finally:
                self.systemd.ready(self.status())

    async def _refuse(self, error: ConfigError) -> None:
        if str(error) == self._refused:
            return  # the same broken file seen again: said already
        self._refused = str(error)
        for issue in error.issues:
            log.error(
                "config not applied; still running the previous one",
                extra={"config": error.source, "problem": str(issue)},
            )
        notice = Notice(
            subject="config.yaml has errors; the previous config keeps running",
            body=str(error),
            created_at=utcnow(),
        )
        await self.store.enqueue_notice(notice, self.config.defaults.admin)
        self.dispatcher.wake()

    async def _apply(self, config: Config) -> None:
        old, self.config = self.config, config
        if config.state_dir != old.state_dir:
            log.warning("state_dir changes take effect at the next restart")
        runtime = self.runtime.rebuild(config)
        if runtime.http is not self.runtime.http:
            # Polls in flight still use the old client; close it at stop.
            self._retired_http.append(self.runtime.http)
        await self.runtime.aclose_notifiers()
        self.runtime = runtime
        runtime.apply_to(self.dispatcher)
        self.pipeline.http = runtime.http
        self.pipeline.routing = runtime.routing
        self.metrics.configure(
            feeds=[f.name for f in config.feeds],
            rules=[r.name for r in config.rules],
            notifiers=list(config.notifiers),
        )
        await self._apply_feeds(config)
        self.dispatcher.wake()

    async def _apply_feeds(self, config: Config) -> None:
        changes = feed_changes(self._feeds, config.feeds)
        self._feeds = {feed.name: feed for feed in config.feeds}
        for name in changes.removed:
            with suppress(Exception):  # not scheduled (gone, or mid-poll): nothing to remove
                self._scheduler.remove_job(name)
            self._failing.discard(name)
            log.info("feed removed", extra={"feed": name})
        for feed in changes.added:
            self._warn_if_impolite(feed)
            await self._schedule_first(feed)
            log.info("feed added", extra={"feed": feed.name})
        now = utcnow()
        for feed in changes.moved:
            self._schedule(feed.name, first_poll_at(now, feed.interval, draw=self._rng.random()))
        for feed in changes.retimed:
            self._warn_if_impolite(feed)
            job = self._scheduler.get_job(feed.name)
            if job is not None and job.next_run_time > now + feed.interval:
                self._schedule(feed.name, now + feed.interval)

    # -- polling ------------------------------------------------------------

    async def _schedule_first(self, feed: FeedConfig) -> None:
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
        self._tick_at = utcnow()
        feed = self._feeds.get(name)
        if feed is None or self._stop.is_set():
            return
        task = asyncio.current_task()
        assert task is not None  # APScheduler runs coroutine jobs as tasks
        self._polls.add(task)
        try:
            at = await self._poll(feed)
        except StoreError as e:
            # The store will be back (a full disk, a lock held too long); the feed
            # must not fall off the schedule meanwhile.
            log.error("poll not recorded; will try again", extra={"feed": name, "error": str(e)})
            at = next_poll_at(
                utcnow(), feed.interval, consecutive_errors=1, draw=self._rng.random()
            )
        finally:
            self._polls.discard(task)
        # The feed may have been removed, or replaced, by a reload meanwhile.
        if at is not None and not self._stop.is_set() and self._feeds.get(name) == feed:
            self._schedule(name, at)

    async def _poll(self, feed: FeedConfig) -> datetime | None:
        """Poll once and store the outcome; return the next poll time (None: gone)."""
        started = time.monotonic()
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
            self._failing.add(feed.name)
        else:
            self._failing.discard(feed.name)
            if after.last_status == "not modified":
                outcome = "not_modified"
        self.metrics.poll_finished(
            feed.name, outcome, seconds, consecutive_errors=after.consecutive_errors
        )
        self.metrics.stories_new(feed.name, result.new)
        notice = feed_notice(before, after, utcnow())
        if notice is not None:
            await self.store.enqueue_notice(notice, self.config.defaults.admin)
            self.dispatcher.wake()
            self.systemd.status(self.status())

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

    # -- waiting --------------------------------------------------------------

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


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"
