"""End to end: the real daemon as a subprocess against a local news site, a
Slack-like webhook and an SMTP server."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from daemon_process import DaemonProcess
from feedsite import FeedSite, Story
from servers import FakeSlack, FakeSmtp

from monitor.daemon import STORE_FILE
from monitor.store import SqliteStore

TALIBAN = Story(
    "taliban-kazan",
    "Russia hosts Taliban delegation",
    [
        "Russia hosted Taliban leaders for talks on regional security in the city of Kazan.",
        'Uzbekistan once let U.S. forces use its Soviet-era "K-2" air base.',
    ],
    summary="Talks on regional security.",
)
K2 = Story(
    "k2",
    "Uzbekistan and the US talk military ties",
    ["Officials discussed the Karshi-Khanabad base and joint exercises."],
)
WEATHER = Story("weather", "Snow expected in Moscow", ["Forecasters expect heavy snow."])
# The page's only mention of Taliban and Kazan is in its donation appeal.
APPEAL_ONLY = Story(
    "football",
    "Local club wins the cup",
    ["The home side won the final two goals to one after extra time."],
    appeal=True,
)


def write_config(path: Path, site: FeedSite, slack: FakeSlack, smtp: FakeSmtp) -> Path:
    path.write_text(
        f"""
state_dir: {path.parent / "state"}
http:
  allow_private: [127.0.0.1]   # the test site's story pages live on loopback
defaults:
  interval: 1s
  notify: [desk-slack, desk-email]
feeds:
  - url: {site.feed_url}
    name: test-times
entities:
  Taliban: [Taliban, Taleban]
  K-2 air base: [K-2 air base, Karshi-Khanabad]
rules:
  - name: taliban-in-russia
    all: [Taliban]
    any: [Kazan, Lavrov]
  - name: k2
    any: [K-2 air base]
notifiers:
  desk-slack:
    type: slack
    webhook: ${{TEST_SLACK_WEBHOOK}}
  desk-email:
    type: email
    smtp: {smtp.host}:{smtp.port}
    security: none
    from: "Monitor <monitor@example.org>"
    to: [desk@example.org]
"""
    )
    return path


@pytest.fixture
async def site() -> AsyncIterator[FeedSite]:
    site = await FeedSite().start()
    yield site
    await site.stop()


def titles(slack: FakeSlack) -> list[str]:
    return sorted(str(payload["text"]) for payload in slack.received)


async def test_daemon_alerts_once_per_story_survives_restart_and_stops_cleanly(
    tmp_path: Path, site: FeedSite, fake_slack: FakeSlack, fake_smtp: FakeSmtp
) -> None:
    for story in (TALIBAN, K2, WEATHER, APPEAL_ONLY):
        site.add(story)
    config = write_config(tmp_path / "config.yaml", site, fake_slack, fake_smtp)
    env = {"TEST_SLACK_WEBHOOK": fake_slack.url}
    fake_slack.fail_next(
        429, retry_after=1
    )  # Slack is busy at first: the alert must wait, not drop

    daemon = await DaemonProcess(config, env=env).start()
    try:
        await daemon.wait_until(lambda: len(fake_slack.received) >= 2, "two Slack alerts")
        await daemon.wait_until(lambda: len(fake_smtp.messages) >= 2, "two emails")
        polls = site.requests["feed"]
        await daemon.wait_until(lambda: site.requests["feed"] >= polls + 3, "three more polls")
        assert await daemon.terminate() == 0
    finally:
        await daemon.kill()

    assert len(fake_slack.received) == 2, daemon.log
    (both, k2_only) = sorted(fake_slack.received, key=lambda p: "Russia" not in str(p["text"]))
    assert "Russia hosts Taliban delegation" in str(both["text"])
    assert "taliban-in-russia" in str(both)
    assert "k2" in str(both)
    assert "Uzbekistan and the US" in str(k2_only["text"])
    assert "taliban-in-russia" not in str(k2_only)
    subjects = sorted(str(m.message["Subject"]) for m in fake_smtp.messages)
    assert subjects == [
        "[monitor] k2: Uzbekistan and the US talk military ties",
        "[monitor] taliban-in-russia, k2: Russia hosts Taliban delegation",
    ]
    assert all(m.rcpt_tos == ("desk@example.org",) for m in fake_smtp.messages)
    assert site.requests["story:weather"] == 1  # fetched and read, but no alert
    assert site.not_modified >= 1  # conditional GET in use
    assert "level=error" not in daemon.log

    # A restart resends nothing, and a new story still alerts exactly once.
    daemon = await DaemonProcess(config, env=env).start()
    try:
        polls = site.requests["feed"]
        await daemon.wait_until(
            lambda: site.requests["feed"] >= polls + 2, "two polls after restart"
        )
        assert len(fake_slack.received) == 2
        site.add(
            Story(
                "kazan-2",
                "Second round of Taliban talks in Kazan",
                ["The Taliban returned to Kazan."],
            )
        )
        await daemon.wait_until(lambda: len(fake_slack.received) >= 3, "the new story's alert")
        await daemon.wait_until(lambda: len(fake_smtp.messages) >= 3, "the new story's email")
        polls = site.requests["feed"]
        await daemon.wait_until(lambda: site.requests["feed"] >= polls + 2, "two more polls")
        assert await daemon.terminate() == 0
    finally:
        await daemon.kill()
    assert len(fake_slack.received) == 3
    assert len(fake_smtp.messages) == 3
    assert "Second round" in str(fake_slack.received[-1]["text"])


async def run_once(
    tmp_path: Path, site: FeedSite, slack: FakeSlack, smtp: FakeSmtp
) -> DaemonProcess:
    """``monitor run --once``, which must exit 0."""
    config = write_config(tmp_path / "config.yaml", site, slack, smtp)
    daemon = await DaemonProcess(config, "--once", env={"TEST_SLACK_WEBHOOK": slack.url}).start()
    try:
        assert await daemon.wait(timeout=60) == 0, daemon.log
    finally:
        await daemon.kill()
    return daemon


async def test_run_once_polls_delivers_and_exits(
    tmp_path: Path, site: FeedSite, fake_slack: FakeSlack, fake_smtp: FakeSmtp
) -> None:
    site.add(K2)
    await run_once(tmp_path, site, fake_slack, fake_smtp)
    assert len(fake_slack.received) == 1
    assert len(fake_smtp.messages) == 1
    assert site.requests["feed"] == 1


async def test_the_next_poll_waits_as_long_as_the_server_calls_the_feed_fresh(
    tmp_path: Path, site: FeedSite, fake_slack: FakeSlack, fake_smtp: FakeSmtp
) -> None:
    """The config asks for a poll every second; the feed's Cache-Control says it
    stays fresh for half an hour: the stored next poll waits, but no more than
    four intervals (four seconds), and the log says why."""
    site.feed_headers = {"Cache-Control": "public, max-age=1800"}
    before = datetime.now(UTC)
    daemon = await run_once(tmp_path, site, fake_slack, fake_smtp)
    store = await SqliteStore.open(tmp_path / "state" / STORE_FILE)
    try:
        state = await store.feed_state("test-times", site.feed_url)
    finally:
        await store.aclose()
    assert state.next_poll_at is not None
    assert state.next_poll_at >= before + timedelta(seconds=4)
    assert state.next_poll_at <= datetime.now(UTC) + timedelta(seconds=4.4)  # with jitter
    assert "server_fresh_for=1800s" in daemon.log
    assert "poll_delay=4s" in daemon.log


async def test_backtest_reads_what_the_daemon_stored(
    tmp_path: Path, site: FeedSite, fake_slack: FakeSlack, fake_smtp: FakeSmtp
) -> None:
    """The stories a run kept are matched again with the rules of today: a rule
    added after the run finds the story the run did not alert on."""
    site.add(K2)
    site.add(WEATHER)
    await run_once(tmp_path, site, fake_slack, fake_smtp)
    config = tmp_path / "config.yaml"
    config.write_text(
        config.read_text().replace("rules:\n", "rules:\n  - name: snow\n    any: [snow]\n", 1)
    )
    env = {**os.environ, "TEST_SLACK_WEBHOOK": fake_slack.url}
    command = [sys.executable, "-m", "monitor", "backtest", "--json", "-c", str(config)]
    result = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    hits = {h["title"]: h for h in map(json.loads, result.stdout.splitlines())}
    assert set(hits) == {K2.title, WEATHER.title}
    assert hits[K2.title]["alerted_then"] is True
    assert hits[K2.title]["text_source"] == "article"
    assert hits[WEATHER.title]["alerted_then"] is False
    assert [m["rule"] for m in hits[WEATHER.title]["matches"]] == ["snow"]


async def test_run_once_with_a_broken_feed_still_exits_zero(
    tmp_path: Path, site: FeedSite, fake_slack: FakeSlack, fake_smtp: FakeSmtp
) -> None:
    site.feed_body = b"<html>this is not a feed</html>"
    daemon = await run_once(tmp_path, site, fake_slack, fake_smtp)
    assert "not an RSS or Atom feed" in daemon.log
    assert fake_slack.received == []


async def test_a_broken_install_stops_the_daemon_at_start_up_in_one_line(
    tmp_path: Path, site: FeedSite, fake_slack: FakeSlack, fake_smtp: FakeSmtp
) -> None:
    """The Russian dictionary missing (pymorphy3 reads its place from this
    variable): exit 1 before any poll, saying what is missing and how to fix it,
    not an error on every Russian page later."""
    config = write_config(tmp_path / "config.yaml", site, fake_slack, fake_smtp)
    env = {"TEST_SLACK_WEBHOOK": fake_slack.url, "PYMORPHY2_DICT_PATH": str(tmp_path / "none")}
    daemon = await DaemonProcess(config, "--once", env=env).start()
    try:
        assert await daemon.wait(timeout=60) == 1, daemon.log
    finally:
        await daemon.kill()
    failures = [line for line in daemon.log.splitlines() if "monitor failed" in line]
    assert len(failures) == 1, daemon.log
    assert "Russian morphology dictionary cannot be loaded" in failures[0]
    assert "pymorphy3-dicts-ru" in failures[0]
    assert site.requests["feed"] == 0
