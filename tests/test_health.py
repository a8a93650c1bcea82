"""Health and metrics: ``assess`` and ``parse_listen`` as pure functions, the
server over real HTTP on 127.0.0.1, the loop-lag probe against a real stall."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest

from monitor.health import (
    HealthLimits,
    HealthReport,
    HealthServer,
    LoopLagProbe,
    assess,
    parse_listen,
)
from monitor.metrics import Metrics

T0 = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)
LIMITS = HealthLimits()


@dataclass(frozen=True)
class Inputs:
    """What the daemon hands ``assess``; by default, a daemon up for an hour with
    every probe fresh at ``T0``."""

    store_ok_at: datetime | None = T0 - timedelta(seconds=10)
    scheduler_tick_at: datetime | None = T0 - timedelta(seconds=10)
    loop_lag: timedelta = timedelta(milliseconds=3)
    started_at: datetime = T0 - timedelta(hours=1)
    feeds_failing: int = 0
    outbox_backlog: int = 0

    def assess(self, now: datetime = T0) -> HealthReport:
        return assess(
            now,
            store_ok_at=self.store_ok_at,
            scheduler_tick_at=self.scheduler_tick_at,
            loop_lag=self.loop_lag,
            started_at=self.started_at,
            limits=LIMITS,
            feeds_failing=self.feeds_failing,
            outbox_backlog=self.outbox_backlog,
        )


# -- assess -----------------------------------------------------------------


def test_assess_healthy_when_everything_is_fresh() -> None:
    report = Inputs(feeds_failing=2, outbox_backlog=7).assess()
    assert report.healthy
    assert report.reasons == ()
    # Reported, not judged.
    assert (report.feeds_failing, report.outbox_backlog) == (2, 7)


def test_assess_stale_store() -> None:
    report = Inputs(store_ok_at=T0 - timedelta(minutes=3)).assess()
    assert not report.healthy
    assert report.reasons == ("store last answered 3m ago (limit 2m)",)


def test_assess_stale_scheduler_and_lagging_loop_give_both_reasons() -> None:
    report = Inputs(
        scheduler_tick_at=T0 - timedelta(minutes=5), loop_lag=timedelta(seconds=7)
    ).assess()
    assert not report.healthy
    assert report.reasons == (
        "scheduler last ticked 5m ago (limit 2m)",
        "event loop lagging 7.0s (limit 5.0s)",
    )


def test_assess_at_the_limit_is_still_healthy() -> None:
    at_limit = T0 - LIMITS.store_stale_after
    assert Inputs(store_ok_at=at_limit, scheduler_tick_at=at_limit).assess().healthy
    assert Inputs(loop_lag=LIMITS.max_loop_lag).assess().healthy


def test_assess_grace_after_start() -> None:
    silent = Inputs(store_ok_at=None, scheduler_tick_at=None)
    assert replace(silent, started_at=T0 - timedelta(seconds=30)).assess().healthy
    assert silent.assess().reasons == (
        "store last answered: never since start",
        "scheduler last ticked: never since start",
    )
    # Grace covers "not yet", never "answered once, then went quiet".
    went_quiet = Inputs(
        started_at=T0 - timedelta(seconds=30), store_ok_at=T0 - timedelta(minutes=3)
    )
    assert not went_quiet.assess().healthy


def test_assess_timestamp_from_the_future_is_fresh() -> None:
    # The wall clock stepped back after the store answered.
    assert Inputs(store_ok_at=T0 + timedelta(minutes=10)).assess().healthy


# -- parse_listen -------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1:9108", ("127.0.0.1", 9108)),
        ("0.0.0.0:80", ("0.0.0.0", 80)),
        ("localhost:9108", ("localhost", 9108)),
        ("metrics.internal.example.org:65535", ("metrics.internal.example.org", 65535)),
        ("[::1]:9108", ("::1", 9108)),
        ("[::]:1", ("::", 1)),
    ],
)
def test_parse_listen(value: str, expected: tuple[str, int]) -> None:
    assert parse_listen(value) == expected


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("127.0.0.1", "no port"),
        ("9108", "no port"),
        (":9108", "no host"),
        ("::1:9108", "in brackets"),
        ("[::1:9108", "unclosed"),
        ("[nope]:9108", "not an IPv6 address"),
        ("300.1.1.1:9108", "not an IPv4 address"),
        ("bad_host:9108", "not a host name"),
        ("127.0.0.1:http", "must be a number"),
        ("127.0.0.1:", "must be a number"),
        ("127.0.0.1:-1", "must be a number"),
        ("127.0.0.1:0", "between 1 and 65535"),
        ("127.0.0.1:65536", "between 1 and 65535"),
    ],
)
def test_parse_listen_rejects(value: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_listen(value)


# -- the server ---------------------------------------------------------------


class Daemonish:
    """The daemon's side: the timestamps it keeps, the check it hands the server."""

    def __init__(self) -> None:
        self.now = T0
        self.store_ok_at: datetime | None = T0

    def check(self) -> HealthReport:
        return Inputs(store_ok_at=self.store_ok_at, outbox_backlog=4).assess(self.now)


@pytest.fixture
def daemon() -> Daemonish:
    return Daemonish()


@pytest.fixture
def metrics() -> Metrics:
    return Metrics()


@pytest.fixture
async def base_url(daemon: Daemonish, metrics: Metrics) -> AsyncIterator[str]:
    server = HealthServer("127.0.0.1", 0, metrics, daemon.check)
    await server.start()
    try:
        yield f"http://127.0.0.1:{server.port}"
    finally:
        await server.stop()


async def get(url: str) -> tuple[int, str, str]:
    """Status, Content-Type header and body of ``GET url``."""
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, response.headers["Content-Type"], await response.text()


async def test_healthz_ok(base_url: str) -> None:
    status, _, body = await get(f"{base_url}/healthz")
    assert status == 200
    assert body.splitlines()[0] == "ok"
    assert "outbox_backlog=4" in body.splitlines()


async def test_healthz_503_with_the_reason_when_the_store_is_stale(
    base_url: str, daemon: Daemonish
) -> None:
    daemon.store_ok_at = T0 - timedelta(minutes=10)
    status, _, body = await get(f"{base_url}/healthz")
    assert status == 503
    assert body.splitlines()[:2] == ["unhealthy", "store last answered 10m ago (limit 2m)"]
    # And it recovers as soon as the store answers again.
    daemon.store_ok_at = T0
    assert (await get(f"{base_url}/healthz"))[0] == 200


async def test_metrics_exposition(base_url: str, metrics: Metrics) -> None:
    metrics.poll_finished("x", "ok", 0.3, consecutive_errors=0)
    metrics.extraction_took(0.02)
    metrics.delivery_failed("desk-slack", dead=True)
    status, content_type, body = await get(f"{base_url}/metrics")
    assert status == 200
    assert content_type == "text/plain; version=0.0.4; charset=utf-8"
    lines = body.splitlines()
    assert 'monitor_polls_total{feed="x",result="ok"} 1.0' in lines
    assert 'monitor_poll_duration_seconds_bucket{le="0.5"} 1.0' in lines
    assert 'monitor_poll_duration_seconds_bucket{le="0.25"} 0.0' in lines
    assert 'monitor_poll_duration_seconds_bucket{le="+Inf"} 1.0' in lines
    assert 'monitor_extraction_duration_seconds_bucket{le="0.025"} 1.0' in lines
    assert 'monitor_delivery_failures_total{kind="dead",notifier="desk-slack"} 1.0' in lines
    assert "# TYPE monitor_outbox_backlog gauge" in lines


@pytest.mark.parametrize("path", ["/", "/health", "/metrics/x", "/healthz/"])
async def test_anything_else_is_404(base_url: str, path: str) -> None:
    assert (await get(base_url + path))[0] == 404


async def test_port_before_start_is_an_error(metrics: Metrics, daemon: Daemonish) -> None:
    server = HealthServer("127.0.0.1", 0, metrics, daemon.check)
    with pytest.raises(RuntimeError, match="not started"):
        _ = server.port
    await server.stop()  # stopping a server never started is harmless


# -- metrics without HTTP -----------------------------------------------------


def series(metrics: Metrics) -> list[str]:
    body, _ = metrics.exposition()
    return [line for line in body.decode().splitlines() if not line.startswith("#")]


def test_configure_creates_zero_series_and_forgets_removed_names() -> None:
    metrics = Metrics()
    metrics.configure(feeds=["a", "b"], rules=["r1", "r2"], notifiers=["console"])
    lines = series(metrics)
    assert 'monitor_polls_total{feed="b",result="error"} 0.0' in lines
    assert 'monitor_matches_total{rule="r2"} 0.0' in lines
    assert 'monitor_delivery_failures_total{kind="retry",notifier="console"} 0.0' in lines
    assert "monitor_feeds 2.0" in lines

    metrics.poll_finished("b", "error", 1.0, consecutive_errors=3)
    metrics.stories_new("a", 5)
    metrics.configure(feeds=["a"], rules=["r1"], notifiers=["console"])
    lines = series(metrics)
    assert not [line for line in lines if 'feed="b"' in line or 'rule="r2"' in line]
    assert 'monitor_stories_new_total{feed="a"} 5.0' in lines
    assert "monitor_feeds 1.0" in lines


def test_matched_counts_each_rule_once_per_story() -> None:
    metrics = Metrics()
    metrics.matched(["k2", "taliban", "k2"])
    lines = series(metrics)
    assert 'monitor_matches_total{rule="k2"} 1.0' in lines
    assert 'monitor_matches_total{rule="taliban"} 1.0' in lines


def test_instances_do_not_share_a_registry() -> None:
    first, second = Metrics(), Metrics()
    first.delivered("console")
    assert 'monitor_deliveries_total{notifier="console"} 1.0' in series(first)
    assert not [line for line in series(second) if line.startswith("monitor_deliveries")]


# -- the loop-lag probe ---------------------------------------------------------


async def test_loop_lag_probe_sees_a_blocked_loop() -> None:
    samples: asyncio.Queue[timedelta] = asyncio.Queue()
    probe = LoopLagProbe(interval=timedelta(seconds=0.1), on_sample=samples.put_nowait)
    probe.start()
    try:
        # On an idle loop the probe wakes on time.
        assert await asyncio.wait_for(samples.get(), 5) < timedelta(seconds=0.3)
        while not samples.empty():
            samples.get_nowait()
        time.sleep(0.8)  # noqa: ASYNC251 - the stall under test
        assert await asyncio.wait_for(samples.get(), 5) > timedelta(seconds=0.3)
        # The worst wake of the window stays visible after the loop recovers.
        await asyncio.wait_for(samples.get(), 5)
        assert probe.lag > timedelta(seconds=0.3)
    finally:
        await probe.stop()


class ScriptedLoop:
    """A fake clock and sleep: each sleep wakes late by the next scripted amount;
    when the script runs out, the sleeper parks until cancelled."""

    def __init__(self, lateness: list[float]) -> None:
        self.now = 0.0
        self.lateness = lateness
        self.done = asyncio.Event()

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        if not self.lateness:
            self.done.set()
            await asyncio.Event().wait()
        self.now += seconds + self.lateness.pop(0)


async def test_loop_lag_is_the_worst_of_the_window() -> None:
    one_stall = [0.0, 6.0, 0.0, 0.0]
    for script, expected in [
        (one_stall, timedelta(seconds=6)),
        # ~35s of on-time wakes later, the stall has left the 30s window.
        ([*one_stall, *[0.0] * 70], timedelta(0)),
    ]:
        loop = ScriptedLoop(script)
        probe = LoopLagProbe(
            interval=timedelta(seconds=0.5),
            window=timedelta(seconds=30),
            clock=loop.clock,
            sleep=loop.sleep,
        )
        probe.start()
        await loop.done.wait()
        assert probe.lag == expected
        await probe.stop()
