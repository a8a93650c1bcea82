"""How fast monitor polls, and whether the event loop stays free while it does.

Prints, in one run, each figure beside its baseline:

1. Feed parsing: ``feeds.parse_feed`` (feedparser plus cleaning and URL
   canonicalisation) against bare ``feedparser.parse``, over feedparser's own
   test documents in the shared corpus.
2. One first poll of a local site serving the corpus's real article pages as N
   new stories (feed, pages, extraction, rules, SQLite): the pipeline with its
   process pool against a naive loop that fetches each page and runs
   ``trafilatura.extract`` on the event loop.
3. The worst event-loop lag seen during each of those polls: the pool keeps the
   loop free for other feeds, signals and the watchdog; the naive loop does not.

Run: ``.venv/bin/python benchmarks/polling.py [--stories N]``. Needs nothing from
the internet; the site runs on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import tempfile
import time
from collections.abc import Coroutine
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import feedparser
import trafilatura
from aiohttp import web

from monitor.config import parse
from monitor.feeds import parse_feed
from monitor.health import LoopLagProbe
from monitor.http import HttpClient
from monitor.pipeline import Pipeline
from monitor.runtime import address_policy, routing_for
from monitor.store import SqliteStore
from monitor.workers import Workers

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
T = TypeVar("T")


def bench_parsing() -> None:
    wellformed = CORPUS / "feeds" / "feedparser" / "wellformed"
    documents = [p.read_bytes() for p in sorted(wellformed.rglob("*.xml"))]
    if not documents:
        print("1. feed parsing: skipped (no corpus at", CORPUS, ")")
        return
    started = time.process_time()
    for data in documents:
        feedparser.parse(data)
    bare = time.process_time() - started
    started = time.process_time()
    for data in documents:
        try:
            parse_feed(data, base_url="http://example.org/feed")
        except Exception:  # noqa: BLE001 - refused documents count too
            continue
    ours = time.process_time() - started
    n = len(documents)
    print(f"1. feed parsing, {n} documents (CPU time)")
    print(f"   feedparser.parse      {n / bare:8.0f} docs/s")
    print(f"   feeds.parse_feed      {n / ours:8.0f} docs/s   ({ours / bare - 1:+.0%} CPU)")


class CorpusSite:
    """An RSS feed on 127.0.0.1 whose stories are the corpus's real article pages."""

    def __init__(self, pages: list[bytes]) -> None:
        self.pages = pages
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def _feed(self, _request: web.Request) -> web.Response:
        now = format_datetime(datetime.now(UTC))
        items = "".join(
            f"<item><title>Story {i}</title><link>{self.url}/story/{i}</link>"
            f"<guid>bench-{i}</guid><pubDate>{now}</pubDate>"
            f"<description>{escape('A story.')}</description></item>"
            for i in range(len(self.pages))
        )
        body = f'<rss version="2.0"><channel><title>bench</title>{items}</channel></rss>'
        return web.Response(text=body, content_type="application/rss+xml")

    async def _story(self, request: web.Request) -> web.Response:
        return web.Response(body=self.pages[int(request.match_info["n"])], content_type="text/html")

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/feed.xml", self._feed)
        app.router.add_get("/story/{n}", self._story)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


async def pipeline_poll(site: CorpusSite, workers: Workers, state_dir: Path) -> tuple[float, int]:
    config = parse(
        "http:\n  allow_private: [127.0.0.1]\n"
        f"feeds:\n  - url: {site.url}/feed.xml\n    name: bench\n"
        "rules:\n  - name: government\n    any: [government, minister]\n",
        base_dir=state_dir,
    )
    store = await SqliteStore.open(state_dir / "monitor.sqlite3")
    http = HttpClient(policy=address_policy(config), per_host=4)
    pipeline = Pipeline(
        http=http,
        store=store,
        workers=workers,
        routing=routing_for(config),
        clock=lambda: datetime.now(UTC),
    )
    feed = config.feeds[0]
    started = time.perf_counter()
    result = await pipeline.poll(feed, await store.feed_state(feed.name, feed.url))
    elapsed = time.perf_counter() - started
    await http.aclose()
    await store.aclose()
    return elapsed, result.alerts


async def naive_poll(site: CorpusSite) -> float:
    started = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{site.url}/feed.xml") as response:
            parsed = feedparser.parse(await response.read())
        for entry in parsed.entries:
            async with session.get(entry.link) as response:
                trafilatura.extract(await response.text())
    return time.perf_counter() - started


async def measure(work: Coroutine[Any, Any, T]) -> tuple[T, timedelta]:
    probe = LoopLagProbe(interval=timedelta(seconds=0.02), window=timedelta(minutes=10))
    probe.start()
    result = await work
    await asyncio.sleep(0.1)
    lag = probe.lag
    await probe.stop()
    return result, lag


async def bench_polling(n: int) -> None:
    paths = sorted((CORPUS / "extraction" / "aeb" / "html").glob("*.html.gz"))[:n]
    if not paths:
        print("2. polling: skipped (no corpus at", CORPUS, ")")
        return
    site = CorpusSite([gzip.decompress(p.read_bytes()) for p in paths])
    await site.start()
    workers = Workers()
    try:
        # Warm the pool (process start, imports) outside the measurement.
        await workers.run(parse_feed, b"<rss version='2.0'><channel/></rss>", base_url="http://x/")
        with tempfile.TemporaryDirectory() as tmp:
            (ours, alerts), ours_lag = await measure(pipeline_poll(site, workers, Path(tmp)))
        naive, naive_lag = await measure(naive_poll(site))
    finally:
        workers.shutdown()
        await site.stop()
    n = len(paths)
    rows = [
        ("naive loop, extraction on the event loop", naive, naive_lag, ""),
        ("pipeline: pool, appeals, SQLite, rules", ours, ours_lag, f"  ({alerts} alerts)"),
    ]
    print(f"2. first poll of a local site with {n} new stories, real article pages (wall time)")
    for label, seconds, _, note in rows:
        print(f"   {label:42} {seconds:6.2f} s  {n / seconds:6.1f} stories/s{note}")
    print("3. worst event-loop lag during that poll")
    for label, _, lag, _ in rows:
        print(f"   {label:42} {lag.total_seconds() * 1000:6.0f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--stories", type=int, default=123)
    args = parser.parse_args()
    bench_parsing()
    asyncio.run(bench_polling(args.stories))


if __name__ == "__main__":
    main()
