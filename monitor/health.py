"""Is the daemon healthy, and the small HTTP server that says so.

``assess`` decides, purely, from timestamps the daemon keeps; the same
function serves ``GET /healthz`` here and the systemd watchdog elsewhere, so
the two can never disagree. ``HealthServer`` serves ``/healthz`` and
``/metrics`` on the optional ``listen:`` address; ``LoopLagProbe`` measures
how late the event loop runs timers.

What this module does not do: it does not probe the store or tick the
scheduler itself (the daemon records when they last answered), and it cannot
see a loop that is stalled right now. Such a loop answers no HTTP request and
sends no watchdog ping, which is the signal; the probe catches a loop that
stalls and recovers, again and again.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from aiohttp import web

from monitor.metrics import Metrics

# A DNS name: dot-separated labels of letters, digits and inner hyphens.
_HOSTNAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*\.?")
_EXAMPLE = "expected HOST:PORT, e.g. 127.0.0.1:9108 or [::1]:9108"


def parse_listen(value: str) -> tuple[str, int]:
    """``"127.0.0.1:9108"`` -> ``("127.0.0.1", 9108)``; IPv6 in brackets.

    The host is required: serving everywhere (the endpoint has no
    authentication) must be asked for as ``0.0.0.0:9108`` or ``[::]:9108``.
    """
    host, sep, port_text = value.rpartition(":")
    if not sep:
        raise ValueError(f"{value!r}: no port; {_EXAMPLE}")
    if host.startswith("["):
        if not host.endswith("]"):
            raise ValueError(f"{value!r}: unclosed '[' in the IPv6 address; {_EXAMPLE}")
        host = host[1:-1]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise ValueError(f"{value!r}: {host!r} is not an IPv6 address") from None
    elif ":" in host:
        raise ValueError(f"{value!r}: put an IPv6 address in brackets, e.g. [::1]:9108")
    elif not host:
        raise ValueError(f"{value!r}: no host; {_EXAMPLE} (0.0.0.0 for every interface)")
    elif re.fullmatch(r"[\d.]+", host):
        try:
            ipaddress.IPv4Address(host)
        except ValueError:
            raise ValueError(f"{value!r}: {host!r} is not an IPv4 address") from None
    elif not _HOSTNAME.fullmatch(host):
        raise ValueError(f"{value!r}: {host!r} is not a host name or address")
    if not port_text.isascii() or not port_text.isdigit():
        raise ValueError(f"{value!r}: the port must be a number; {_EXAMPLE}")
    port = int(port_text)
    if not 1 <= port <= 65535:
        raise ValueError(f"{value!r}: the port must be between 1 and 65535")
    return host, port


@dataclass(frozen=True, slots=True)
class HealthLimits:
    # The daemon refreshes its timestamps well inside these (every ~30s), so
    # one slow answer is not yet a failure.
    store_stale_after: timedelta = timedelta(minutes=2)
    tick_stale_after: timedelta = timedelta(minutes=2)
    # Until then, a store or scheduler that has not answered yet is starting, not failing.
    start_grace: timedelta = timedelta(minutes=2)
    max_loop_lag: timedelta = timedelta(seconds=5)


@dataclass(frozen=True, slots=True)
class HealthReport:
    """The verdict, why, and details a human or a dashboard wants beside it.

    ``feeds_failing`` and ``outbox_backlog`` are reported, never judged: a
    broken feed is that feed's problem (it gets its own admin notice), and a
    backlog while Slack is down is the outbox doing its job. Restarting the
    daemon (what a watchdog does on "unhealthy") would cure neither.
    """

    healthy: bool
    reasons: tuple[str, ...] = ()
    feeds_failing: int = 0
    outbox_backlog: int = 0
    loop_lag: timedelta = field(default=timedelta(0))

    def text(self) -> str:
        """The ``/healthz`` body: ``ok`` or ``unhealthy``, the reasons, then key=value details."""
        lines = ["ok" if self.healthy else "unhealthy", *self.reasons]
        lines += [
            f"feeds_failing={self.feeds_failing}",
            f"outbox_backlog={self.outbox_backlog}",
            f"loop_lag={self.loop_lag.total_seconds():.3f}s",
        ]
        return "\n".join(lines) + "\n"


def assess(
    now: datetime,
    *,
    store_ok_at: datetime | None,
    scheduler_tick_at: datetime | None,
    loop_lag: timedelta,
    started_at: datetime,
    limits: HealthLimits,
    feeds_failing: int = 0,
    outbox_backlog: int = 0,
) -> HealthReport:
    """Healthy when the store answered recently, the scheduler ticked recently,
    and the event loop runs timers on time. Pure: ``now`` is passed in."""
    starting = now - started_at < limits.start_grace
    reasons = [
        *_staleness("store last answered", now, store_ok_at, limits.store_stale_after, starting),
        *_staleness(
            "scheduler last ticked", now, scheduler_tick_at, limits.tick_stale_after, starting
        ),
    ]
    if loop_lag > limits.max_loop_lag:
        reasons.append(
            f"event loop lagging {_human(loop_lag)} (limit {_human(limits.max_loop_lag)})"
        )
    return HealthReport(
        healthy=not reasons,
        reasons=tuple(reasons),
        feeds_failing=feeds_failing,
        outbox_backlog=outbox_backlog,
        loop_lag=loop_lag,
    )


def _staleness(
    event: str, now: datetime, at: datetime | None, limit: timedelta, starting: bool
) -> list[str]:
    if at is None:
        return [] if starting else [f"{event}: never since start"]
    # A timestamp "from the future" (the wall clock stepped back) counts as fresh:
    # the next refresh corrects it, and a clock step is no reason to restart.
    age = now - at
    if age > limit:
        return [f"{event} {_human(age)} ago (limit {_human(limit)})"]
    return []


def _human(span: timedelta) -> str:
    seconds = span.total_seconds()
    if seconds < 120:
        return f"{seconds:.1f}s"
    return f"{seconds / 60:.0f}m"


class LoopLagProbe:
    """Sleeps ``interval`` in a loop and records how late it woke.

    ``lag`` is the worst lateness within the last ``window``, not the latest
    one: a loop that stalls for 6s once a minute is on time 99% of the time,
    and a check sampling only the latest wake would almost never see it.
    """

    def __init__(
        self,
        *,
        interval: timedelta = timedelta(seconds=0.5),
        window: timedelta = timedelta(seconds=30),
        on_sample: Callable[[timedelta], None] = lambda lag: None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._interval = interval.total_seconds()
        self._window = window.total_seconds()
        self._on_sample = on_sample
        self._clock = clock
        self._sleep = sleep
        self._samples: deque[tuple[float, float]] = deque()  # (woke at, seconds late)
        self._task: asyncio.Task[None] | None = None

    @property
    def lag(self) -> timedelta:
        horizon = self._clock() - self._window
        late = (late for at, late in self._samples if at >= horizon)
        return timedelta(seconds=max(late, default=0.0))

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="loop-lag-probe")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            before = self._clock()
            await self._sleep(self._interval)
            woke = self._clock()
            self._record(woke, max(woke - before - self._interval, 0.0))

    def _record(self, woke: float, late: float) -> None:
        self._samples.append((woke, late))
        while self._samples and self._samples[0][0] < woke - self._window:
            self._samples.popleft()
        self._on_sample(self.lag)


class HealthServer:
    """``GET /healthz`` and ``GET /metrics`` over HTTP; every other path is 404.

    ``check`` is called on each ``/healthz`` request; it should return
    ``assess(...)`` over the daemon's current timestamps. No access log: a
    scraper every 15s would otherwise be most of the daemon's log.
    """

    def __init__(
        self, host: str, port: int, metrics: Metrics, check: Callable[[], HealthReport]
    ) -> None:
        self._host = host
        self._requested_port = port
        self._metrics = metrics
        self._check = check
        self._runner: web.AppRunner | None = None

    @property
    def port(self) -> int:
        """The bound port (the OS's pick when constructed with port 0)."""
        if self._runner is None or not self._runner.addresses:
            raise RuntimeError("HealthServer is not started")
        return int(self._runner.addresses[0][1])

    async def start(self) -> None:
        """Bind and serve; raises ``OSError`` if the address is taken or not ours."""
        app = web.Application()
        app.router.add_get("/healthz", self._healthz)
        app.router.add_get("/metrics", self._metrics_page)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, self._host, self._requested_port).start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()

    async def _healthz(self, request: web.Request) -> web.Response:
        report = self._check()
        return web.Response(
            status=200 if report.healthy else 503,
            text=report.text(),
            headers={"Cache-Control": "no-store"},
        )

    async def _metrics_page(self, request: web.Request) -> web.Response:
        body, content_type = self._metrics.exposition()
        # aiohttp refuses a charset inside content_type=, so the header goes in whole.
        return web.Response(body=body, headers={"Content-Type": content_type})
