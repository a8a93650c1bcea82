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
import signal
from concurrent.futures.process import BrokenProcessPool
from contextlib import suppress
from datetime import datetime, timedelta
from typing import Any

from monitor.appeals.readiness import ensure_ready
from monitor.clock import utcnow
from monitor.config import Config
from monitor.config import load as load_config
from monitor.delivery import Dispatcher
from monitor.errors import ConfigError, SetupError, StoreError
from monitor.health import (
    HealthLimits,
    HealthReport,
    HealthServer,
    LoopLagProbe,
    assess,
    parse_listen,
)
from monitor.http import HttpClient
from monitor.metrics import Metrics
from monitor.model import Notice
from monitor.pipeline import Pipeline
from monitor.polling import Poller
from monitor.render.text import counted
from monitor.runtime import Runtime, build_http
from monitor.store import SqliteStore
from monitor.systemd import SystemdNotifier
from monitor.watch import fingerprint, watch_config
from monitor.workers import Workers

log = logging.getLogger(__name__)

STORE_FILE = "monitor.sqlite3"
# How long a stop waits for deliveries in flight before leaving them to the next start.
STOP_GRACE = timedelta(seconds=10)
# `run --once` waits this long for retries (a 429's Retry-After, say) before exiting.
ONCE_PATIENCE = timedelta(seconds=60)
HEARTBEAT = timedelta(seconds=30)
HEARTBEAT_JOB = "heartbeat"
# A poll's requests end within their timeout; the longest allowed is well below this.
RETIRE_AFTER = timedelta(minutes=5)


class Daemon:
    def __init__(self, config: Config, *, systemd: SystemdNotifier | None = None) -> None:
        self.config = config
        self.systemd = systemd or SystemdNotifier.from_environ()
        self.metrics = Metrics()
        self._stop = asyncio.Event()
        self._background: set[asyncio.Task[Any]] = set()
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

    async def run(self, *, once: bool = False) -> int:
        """Run until stopped (or, with ``once``, for one poll of every feed)."""
        config = self.config
        # What the running config was read from, so an edit made while starting up
        # is still seen as one.
        self._loaded = (
            await asyncio.to_thread(fingerprint, config.source) if config.source else None
        )
        self.workers = Workers()
        try:
            await self._check_install()
            self.store = await SqliteStore.open(config.state_dir / STORE_FILE)
        except BaseException:
            self.workers.shutdown()
            raise
        self._store_ok_at = utcnow()
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
        self.poller = Poller(
            config.feeds,
            store=self.store,
            pipeline=self.pipeline,
            metrics=self.metrics,
            admin=lambda: self.config.defaults.admin,
            on_notice=self._on_notice,
            on_tick=self._on_tick,
        )
        self.metrics.configure(
            feeds=[f.name for f in config.feeds],
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

    async def _check_install(self) -> None:
        """Load what extraction reads from disk in a worker: a broken install (a
        missing dictionary) or workers that cannot start stop the daemon here,
        in one line, not on every page; and the first page finds a warm worker."""
        try:
            await self.workers.run(ensure_ready)
        except TimeoutError as e:
            raise SetupError(
                "an extraction worker took too long to load the appeal model and dictionaries"
            ) from e
        except (BrokenProcessPool, OSError) as e:
            raise SetupError(
                f"the extraction worker processes cannot start ({type(e).__name__}: {e})"
            ) from e

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
            Poller.warn_if_impolite(feed)

    async def _run_once(self) -> None:
        polls = asyncio.gather(*(self.poller.poll_once(f) for f in self.poller.feeds.values()))
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
        scheduler = self.poller.scheduler
        for feed in self.poller.feeds.values():
            await self.poller.schedule_first(feed)
        scheduler.add_job(
            self._beat,
            "interval",
            seconds=self._heartbeat.total_seconds(),
            id=HEARTBEAT_JOB,
            next_run_time=utcnow(),
        )
        scheduler.start()
        self._probe.start()
        server = await self._start_health_server()
        dispatching = asyncio.create_task(self.dispatcher.run(self._stop))
        helpers = [asyncio.create_task(self._feed_watchdog())]
        if self.config.source is not None:
            helpers.append(
                asyncio.create_task(
                    watch_config(
                        self.config.source, self._on_file_change, self._stop, last=self._loaded
                    )
                )
            )
        self.systemd.ready(self.status())
        log.info("ready", extra={"feeds": len(self.poller.feeds)})
        await self._stop.wait()
        self.poller.stopping = True
        scheduler.shutdown(wait=False)
        # A poll cut short has committed whole stories only; the rest is redone next time.
        running = [*self.poller.polls, *self._background]
        for task in running:
            task.cancel()
        await asyncio.gather(*running, return_exceptions=True)
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
            feeds_failing=len(self.poller.failing),
            outbox_backlog=self._backlog,
        )

    def status(self) -> str:
        """One line for ``systemctl status``: "watching 12 feeds, 5 rules, 1 failing"."""
        parts = [
            f"watching {counted(len(self.poller.feeds), 'feed')}",
            counted(len(self.config.rules), "rule"),
        ]
        if self.poller.failing:
            parts.append(f"{len(self.poller.failing)} failing")
        if self._backlog:
            parts.append(f"{counted(self._backlog, 'alert')} queued")
        return ", ".join(parts)

    def _on_tick(self) -> None:
        self._tick_at = utcnow()

    def _on_notice(self) -> None:
        self.dispatcher.wake()
        self.systemd.status(self.status())

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
        """Load the config file again; apply it if valid, else keep running the old one.
        Never raises: a reload that fails leaves the daemon running as it was."""
        source = self.config.source
        if source is None:
            return
        async with self._reload_lock:
            self.systemd.reloading()
            try:
                config = await asyncio.to_thread(load_config, source)
            except ConfigError as e:
                await self._refuse(e)
            except Exception:
                log.exception("reload failed; still running the previous config")
            else:
                await self._apply_logged(config)
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

    async def _apply_logged(self, config: Config) -> None:
        try:
            await self._apply(config)
        except Exception:
            # Half applied (the store failed mid-way, say): the next edit or SIGHUP
            # applies it all again, idempotently.
            log.exception("reload only partly applied; save the config again to retry")

    @staticmethod
    async def _retire(http: HttpClient) -> None:
        """Close an HTTP client replaced by a reload once the polls using it are done
        (they end within the request timeout), or at stop."""
        try:
            await asyncio.sleep(RETIRE_AFTER.total_seconds())
        finally:
            await http.aclose()

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
            self._spawn(self._retire, self.runtime.http)
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
        await self.poller.apply(config.feeds)
        self.dispatcher.wake()

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
