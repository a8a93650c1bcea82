"""The daemon as systemd runs it: sd_notify, the watchdog, reloads, health endpoints,
and `monitor feeds` reading the store while the daemon writes it."""

from __future__ import annotations

import asyncio
import re
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import aiohttp
import pytest
from daemon_process import DaemonProcess
from feedsite import FeedSite, Story
from notify_socket import NotifySocket
from servers import FakeSlack, free_port


@pytest.fixture
async def site() -> AsyncIterator[FeedSite]:
    site = await FeedSite().start()
    yield site
    await site.stop()


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[NotifySocket]:
    sock = NotifySocket(tmp_path / "notify.sock")
    yield sock
    sock.close()


def simple_config(path: Path, site: FeedSite, extra: str = "") -> Path:
    path.write_text(
        f"""
state_dir: {path.parent / "state"}
http:
  allow_private: [127.0.0.1]
defaults:
  interval: 1s
feeds:
  - url: {site.feed_url}
    name: desk
rules:
  - name: kazan
    any: [Kazan]
{extra}
"""
    )
    return path


async def test_sd_notify_ready_watchdog_reload_and_stop(
    tmp_path: Path, site: FeedSite, notify_socket: NotifySocket
) -> None:
    config = simple_config(tmp_path / "config.yaml", site)
    env = {"NOTIFY_SOCKET": str(notify_socket.path), "WATCHDOG_USEC": "4000000"}
    daemon = await DaemonProcess(config, env=env).start()
    try:
        ready = await notify_socket.wait_for("READY")
        assert notify_socket.messages[ready]["STATUS"] == "watching 1 feed, 1 rule"
        first = await notify_socket.wait_for("WATCHDOG", after=ready)
        await notify_socket.wait_for("WATCHDOG", after=first)
        assert daemon.proc is not None
        daemon.proc.send_signal(__import__("signal").SIGHUP)
        reloading = await notify_socket.wait_for("RELOADING", after=first)
        assert int(notify_socket.messages[reloading]["MONOTONIC_USEC"]) > 0
        await notify_socket.wait_for("READY", after=reloading)
        assert await daemon.terminate() == 0
    finally:
        await daemon.kill()
    stopping = notify_socket.index("STOPPING")
    assert stopping > reloading
    assert "config reloaded" in daemon.log


async def test_watchdog_pings_stop_while_the_store_does_not_answer(
    tmp_path: Path, site: FeedSite, notify_socket: NotifySocket
) -> None:
    config = simple_config(tmp_path / "config.yaml", site)
    env = {"NOTIFY_SOCKET": str(notify_socket.path), "WATCHDOG_USEC": "4000000"}
    daemon = await DaemonProcess(config, env=env).start()
    try:
        await notify_socket.wait_for("WATCHDOG")
        # Another process holds the write lock: the daemon cannot record anything.
        db = sqlite3.connect(tmp_path / "state" / "monitor.sqlite3", timeout=10)
        db.execute("BEGIN IMMEDIATE")
        await daemon.wait_until(lambda: "not feeding the watchdog" in daemon.log, "unhealthy")
        silent_from = notify_socket.count("WATCHDOG")
        await asyncio.sleep(5)  # two and a half watchdog intervals
        assert notify_socket.count("WATCHDOG") == silent_from
        db.rollback()
        db.close()
        await daemon.wait_until(
            lambda: notify_socket.count("WATCHDOG") > silent_from, "the watchdog fed again"
        )
        assert await daemon.terminate() == 0
    finally:
        await daemon.kill()


async def settled(count: Callable[[], int], quiet: float = 2.0, limit: float = 30.0) -> None:
    """Wait until ``count()`` stops changing for ``quiet`` seconds."""
    deadline = asyncio.get_running_loop().time() + limit
    last = count()
    while asyncio.get_running_loop().time() < deadline:
        await asyncio.sleep(quiet)
        if count() == last:
            return
        last = count()
    raise AssertionError(f"still changing after {limit}s")


def replace_file(path: Path, text: str) -> None:
    """Save as editors do: write a temporary file, then rename it over the original."""
    temporary = path.with_name(f".{path.name}.swp")
    temporary.write_text(text)
    temporary.replace(path)


async def test_editing_the_config_under_a_running_daemon(
    tmp_path: Path, site: FeedSite, fake_slack: FakeSlack
) -> None:
    other = await FeedSite().start()
    try:
        await _edit_config_scenario(tmp_path, site, other, fake_slack)
    finally:
        await other.stop()


async def _edit_config_scenario(
    tmp_path: Path, site: FeedSite, other: FeedSite, slack: FakeSlack
) -> None:
    config = tmp_path / "config.yaml"

    def write(feeds: list[FeedSite], rules: str, broken: bool = False) -> None:
        feed_lines = "".join(
            f"  - url: {s.feed_url}\n    name: {'desk' if s is site else 'wire'}\n" for s in feeds
        )
        replace_file(
            config,
            f"state_dir: {tmp_path / 'state'}\n"
            "http:\n  allow_private: [127.0.0.1]\n"
            "defaults:\n  interval: 1s\n  notify: [slack]\n  admin: [slack]\n"
            f"feeds:\n{feed_lines}"
            f"rules:\n{rules}"
            f"notifiers:\n  slack:\n    type: slack\n    webhook: {slack.url}\n"
            + ("  bogus: {type: pager}\n" if broken else ""),
        )

    kazan = "  - name: kazan\n    any: [Kazan]\n"
    tashkent = "  - name: tashkent\n    any: [Tashkent]\n"
    write([site], kazan)
    daemon = await DaemonProcess(config).start()
    try:
        await daemon.wait_until(lambda: site.requests["feed"] >= 1, "the first feed polled")

        write([site, other], kazan)  # a new feed is polled
        await daemon.wait_until(lambda: other.requests["feed"] >= 1, "the added feed polled")

        write([site, other], kazan + tashkent)  # a new rule alerts on the next story
        await daemon.wait_until(lambda: "rules=2" in daemon.log, "the reload with two rules")
        site.add(Story("uz", "Talks in Tashkent", ["Delegations met in Tashkent on Monday."]))
        await daemon.wait_until(lambda: len(slack.received) >= 1, "an alert under the new rule")
        assert "tashkent" in str(slack.received[0])

        write([other], kazan + tashkent)  # a removed feed is no longer polled
        await daemon.wait_until(lambda: "feed removed" in daemon.log, "the feed removed")
        await settled(lambda: site.requests["feed"])  # a poll under way may still finish
        polls = site.requests["feed"]
        await asyncio.sleep(3)
        assert site.requests["feed"] == polls

        write([other], kazan + tashkent, broken=True)  # an invalid edit keeps the old config
        await daemon.wait_until(lambda: len(slack.received) >= 2, "the admin notice")
        assert "config.yaml has errors" in str(slack.received[1])
        await daemon.wait_until(
            lambda: re.search(r"line \d+: notifiers\.bogus", daemon.log) is not None,
            "the config error logged with its line",
        )
        write([other], kazan + tashkent, broken=True)  # the same mistake saved again: said once
        await asyncio.sleep(2)
        assert len(slack.received) == 2

        write([site, other], kazan + tashkent)  # fixed: applied again
        polls = site.requests["feed"]
        await daemon.wait_until(lambda: site.requests["feed"] > polls, "the feed back")
        assert await daemon.terminate() == 0
    finally:
        await daemon.kill()
    assert daemon.log.count("config not applied") == 1  # one error, logged once


async def test_health_metrics_and_feeds_while_running(tmp_path: Path, site: FeedSite) -> None:
    site.feed_status = 500
    port = free_port()
    config = simple_config(tmp_path / "config.yaml", site, extra=f"listen: 127.0.0.1:{port}\n")
    daemon = await DaemonProcess(config).start()
    try:
        await daemon.wait_until(lambda: "feed poll failed" in daemon.log, "a failed poll")
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/healthz") as response:
                assert response.status == 200
                assert (await response.text()).startswith("ok")
            async with http.get(f"http://127.0.0.1:{port}/metrics") as response:
                assert response.status == 200
                metrics = await response.text()
        assert 'monitor_polls_total{feed="desk",result="error"}' in metrics
        assert "monitor_poll_duration_seconds_bucket" in metrics
        feeds = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "monitor", "feeds", "-c", str(config)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert feeds.returncode == 0, feeds.stderr
        (row,) = [line for line in feeds.stdout.splitlines() if line.startswith("desk")]
        assert "HTTP 500" in row
        assert await daemon.terminate() == 0
    finally:
        await daemon.kill()
