"""The command line as a user runs it: a subprocess, its exit code and its output."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from corpus import SEED_HTML, need_corpus

from monitor.daemon import STORE_FILE
from monitor.model import Alert, Entry, Match
from monitor.store import SqliteStore

REPO = Path(__file__).resolve().parents[1]

BROKEN = """\
feeds:
  - url: https://example.org/rss
    intervall: 5m
rules:
  - name: dup
    any: [Kazan]
  - name: dup
    any: [/Kaz(an/]
  - name: nothing
    none: [sports]
  - name: elsewhere
    any: [Kazan]
    notify: [pager]
notifiers:
  desk:
    type: slack
    webhook: ${MONITOR_TEST_MISSING_SECRET}
"""


def monitor(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
        check=False,
    )


def test_check_accepts_the_bundled_config() -> None:
    result = monitor("check", "-c", str(REPO / "config.yaml"))
    assert result.returncode == 0, result.stderr
    assert "ok" in result.stdout


def test_check_lists_every_error_with_its_line_and_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(BROKEN)
    result = monitor("check", "-c", str(config))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    report = result.stderr
    for line, words in [
        (3, "intervall"),
        (7, "dup"),
        (8, "Kaz(an"),
        (9, "needs 'all' or 'any'"),
        (13, "pager"),
        (17, "MONITOR_TEST_MISSING_SECRET"),
    ]:
        assert any(f"line {line}:" in row and words in row for row in report.splitlines()), (
            f"no error for line {line} ({words}) in:\n{report}"
        )


def test_check_reports_a_yaml_syntax_error_with_its_line(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("feeds:\n  - url: https://example.org/rss\n    name: [unclosed\n")
    result = monitor("check", "-c", str(config))
    assert result.returncode == 2
    assert "line " in result.stderr
    assert "Traceback" not in result.stderr


def test_check_without_a_config_file_says_where_it_looked(tmp_path: Path) -> None:
    result = monitor("check", cwd=tmp_path)
    assert result.returncode == 2
    assert "config.yaml" in result.stderr


def test_test_json_on_the_seed_page_gives_clean_text_and_matches() -> None:
    need_corpus()
    result = monitor("test", "--json", str(SEED_HTML), "-c", str(REPO / "config.yaml"))
    assert result.returncode == 0, result.stderr
    (line,) = result.stdout.splitlines()
    report = json.loads(line)
    article = (SEED_HTML.parent / "moscow-times-taliban.article.txt").read_text().split("\n")
    appeal = (SEED_HTML.parent / "moscow-times-taliban.appeal.txt").read_text().split("\n")
    assert report["text"].split("\n") == [p for p in article if p.strip()]
    assert not any(sentence.strip() in report["text"] for sentence in appeal if sentence.strip())
    assert report["removed"]
    assert all(r["reason"] for r in report["removed"])
    matched = {m["rule"]: m for m in report["matches"]}
    assert set(matched) == {"taliban-in-russia", "k2"}
    assert {"Taliban", "Kazan"} <= set(matched["taliban-in-russia"]["terms"])
    assert any("Kazan" in s for s in matched["taliban-in-russia"]["snippets"])
    assert any('"K-2" air base' in s for s in matched["k2"]["snippets"])


def test_test_without_config_reads_several_files_in_order(tmp_path: Path) -> None:
    first = tmp_path / "first.html"
    first.write_text(
        "<html><body><article><h1>First</h1>"
        + "<p>The first page talks about the harvest in the region this year.</p>" * 5
        + "</article></body></html>"
    )
    missing = tmp_path / "missing.html"
    result = monitor("test", "--json", str(first), str(missing), cwd=tmp_path)
    assert result.returncode == 1  # one input could not be read
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [row["source"] for row in rows] == [str(first), str(missing)]
    assert "harvest" in rows[0]["text"]
    assert rows[0]["matches"] == []
    assert rows[1]["error"]


def test_feeds_and_alerts_read_the_store_even_without_the_services_secrets(
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.yaml"
    config.write_text(
        "feeds:\n  - url: https://www.example.org/rss\n  - url: https://example.net/feed\n"
        "    name: wire\n"
        "notifiers:\n  desk: {type: slack, webhook: '${MONITOR_TEST_ABSENT}'}\n"
    )
    feeds = monitor("feeds", "-c", str(config))
    assert feeds.returncode == 0, feeds.stderr
    rows = feeds.stdout.splitlines()
    assert rows[0].split()[:3] == ["FEED", "LAST", "POLL"]
    assert [row.split()[0] for row in rows[1:]] == ["example", "wire"]
    assert "not polled yet" in rows[1]
    alerts = monitor("alerts", "-c", str(config))
    assert alerts.returncode == 0, alerts.stderr
    assert "no alerts yet" in alerts.stdout


async def test_alerts_lists_deliveries_and_retry_requeues_dead_letters(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("feeds:\n  - url: https://example.org/rss\n    name: desk\n")
    store = await SqliteStore.open(tmp_path / "state" / STORE_FILE)
    now = datetime.now(UTC)
    try:
        for n, notifier in enumerate(["slack", "email"]):
            entry = Entry(f"g{n}", f"https://example.org/{n}", f"Kazan story {n}", "", None)
            match = Match("kazan", ("Kazan",), ("…in Kazan…",))
            alert = Alert(0, "desk", entry.title, entry.url, now, None, (match,))
            await store.record_story("desk", entry, alert, [notifier])
        (dead,) = await store.due_deliveries(now, ["email"], 10)
        await store.mark_failed([dead.id], "535 login refused", None)
    finally:
        await store.aclose()

    listing = await asyncio.to_thread(monitor, "alerts", "-c", str(config))
    assert listing.returncode == 0, listing.stderr
    assert "kazan: Kazan story 0" in listing.stdout
    assert "dead" in listing.stdout
    failed = await asyncio.to_thread(monitor, "alerts", "--failed", "-c", str(config))
    assert "Kazan story 0" not in failed.stdout
    assert "535 login refused" in failed.stdout
    retry = await asyncio.to_thread(monitor, "alerts", "retry", "-c", str(config))
    assert retry.stdout.startswith("1 dead letter queued again")
    feeds = await asyncio.to_thread(monitor, "feeds", "-c", str(config))
    (row,) = feeds.stdout.splitlines()[1:]
    assert row.split()[0] == "desk"
    assert "not polled yet" in row
