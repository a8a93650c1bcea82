"""A news site on 127.0.0.1 for tests: an RSS feed and article pages, written here.

It honours conditional GET like a good server, counts requests, and can be
told to misbehave (an HTTP error, Retry-After, a gzip bomb, a huge body).
"""

from __future__ import annotations

import gzip
import hashlib
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from html import escape

from aiohttp import web
from multidict import CIMultiDict

ARTICLE_FILLER = (
    "The regional administration said the measures would stay in place until further notice. "
    "Officials declined to give a timetable, citing the changing situation on the ground. "
    "Residents interviewed by reporters described long queues at checkpoints and shops. "
)

APPEAL = [
    "Dear readers,",
    "Independent journalism is under threat. The Taliban and Kazan are words we report on "
    "every day, and we need your help to keep doing it.",
    "Please support us monthly starting from just $2. Every contribution makes a difference.",
    "Remind me later.",
]


@dataclass
class Story:
    slug: str
    title: str
    paragraphs: list[str]
    summary: str = ""
    published_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    appeal: bool = False  # add a plain-paragraph donation appeal at the end of the page
    status: int = 200  # the page's HTTP status


def article_html(story: Story) -> str:
    paragraphs = [*story.paragraphs, ARTICLE_FILLER, ARTICLE_FILLER]
    body = "\n".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    appeal = "\n".join(f"<p>{escape(p)}</p>" for p in APPEAL) if story.appeal else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{escape(story.title)} - Test Times</title></head>
<body>
<header><nav><a href="/">Home</a> <a href="/world">World</a></nav></header>
<main><article>
<h1>{escape(story.title)}</h1>
<div class="article-body">
{body}
{appeal}
</div>
</article></main>
<footer><p>Copyright Test Times. All rights reserved.</p></footer>
</body></html>"""


class FeedSite:
    """An aiohttp app serving ``/feed.xml`` and ``/story/<slug>``."""

    def __init__(self) -> None:
        self.stories: list[Story] = []
        self.requests: Counter[str] = Counter()
        self.feed_status = 200
        self.feed_headers: Mapping[str, str] = {}
        self.feed_body: bytes | None = None  # replaces the generated feed when set
        self.not_modified = 0  # 304s answered
        self.base_url = ""
        self._runner: web.AppRunner | None = None

    def add(self, story: Story) -> Story:
        self.stories.append(story)
        return story

    @property
    def feed_url(self) -> str:
        return f"{self.base_url}/feed.xml"

    def story_url(self, slug: str) -> str:
        return f"{self.base_url}/story/{slug}"

    def rss(self) -> bytes:
        items = []
        for s in self.stories:
            items.append(
                f"<item><title>{escape(s.title)}</title>"
                f"<link>{self.story_url(s.slug)}?utm_source=rss</link>"
                f"<guid isPermaLink='false'>test-{s.slug}</guid>"
                f"<description>{escape(s.summary)}</description>"
                f"<pubDate>{format_datetime(s.published_at)}</pubDate></item>"
            )
        return (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            "<title>Test Times</title><link>http://example.org/</link>"
            f"<description>Test feed</description>{''.join(items)}</channel></rss>"
        ).encode()

    async def _feed(self, request: web.Request) -> web.StreamResponse:
        self.requests["feed"] += 1
        if self.feed_status != 200:
            return web.Response(status=self.feed_status, headers=self.feed_headers)
        body = self.feed_body if self.feed_body is not None else self.rss()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        headers = CIMultiDict(self.feed_headers)  # a header may come on several lines
        headers["ETag"] = etag
        if request.headers.get("If-None-Match") == etag:
            self.not_modified += 1
            return web.Response(status=304, headers=headers)
        return web.Response(body=body, content_type="application/rss+xml", headers=headers)

    async def _story(self, request: web.Request) -> web.StreamResponse:
        slug = request.match_info["slug"]
        self.requests[f"story:{slug}"] += 1
        for story in self.stories:
            if story.slug == slug:
                if story.status != 200:
                    return web.Response(status=story.status)
                return web.Response(text=article_html(story), content_type="text/html")
        raise web.HTTPNotFound

    async def _bomb(self, request: web.Request) -> web.StreamResponse:
        # 64 MB of zeros, about 64 KB on the wire.
        payload = gzip.compress(b"\0" * (64 * 1024 * 1024))
        return web.Response(
            body=payload, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"}
        )

    async def _redirect(self, request: web.Request) -> web.StreamResponse:
        raise web.HTTPMovedPermanently(location=request.query.get("to", "/feed.xml"))

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/feed.xml", self._feed)
        app.router.add_get("/story/{slug}", self._story)
        app.router.add_get("/bomb", self._bomb)
        app.router.add_get("/moved", self._redirect)
        return app

    async def start(self) -> FeedSite:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.base_url = f"http://127.0.0.1:{port}"
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


def hours_ago(hours: float) -> datetime:
    return datetime.now(UTC) - timedelta(hours=hours)
