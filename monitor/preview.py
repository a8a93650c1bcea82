"""``monitor test``: what the daemon would make of a page, without storing or sending
anything: the clean text, what was removed as appeal and why, which rules match."""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass
from pathlib import Path

from monitor.config import FeedConfig
from monitor.errors import FeedError
from monitor.extract import extract_article
from monitor.http import HttpClient
from monitor.model import Article, Match, Story
from monitor.rules import RuleSet


@dataclass(frozen=True, slots=True)
class Preview:
    source: str
    title: str
    text: str
    removed: tuple[dict[str, str], ...]
    matches: tuple[Match, ...]
    error: str | None = None

    def to_json(self) -> str:
        data = asdict(self)
        if self.error is None:
            del data["error"]
        return json.dumps(data, ensure_ascii=False)

    def to_text(self) -> str:
        lines = [f"== {self.source}"]
        if self.error:
            return "\n".join([*lines, f"error: {self.error}"])
        lines += [f"title: {self.title}", "", self.text, ""]
        if self.removed:
            lines.append(f"removed as appeal ({len(self.removed)}):")
            lines += [f"  - [{r['reason']}] {_shorten(r['text'])}" for r in self.removed]
        else:
            lines.append("removed as appeal: nothing")
        if self.matches:
            lines.append(f"matches ({len(self.matches)}):")
            for match in self.matches:
                lines.append(f"  {match.rule}: {', '.join(match.terms)}")
                lines += [f"    {snippet}" for snippet in match.snippets]
        else:
            lines.append("matches: none")
        return "\n".join(lines)


def preview_article(
    source: str, article: Article, rules: RuleSet, feed: FeedConfig | None
) -> Preview:
    story = Story(
        feed=feed.name if feed else "",
        url=source if _is_url(source) else None,
        title=article.title or "",
        summary="",
        text=article.text,
    )
    return Preview(
        source=source,
        title=article.title or "",
        text=article.text,
        removed=tuple({"text": r.text, "reason": r.reason} for r in article.removed),
        matches=rules.match(story, feed=feed),
    )


async def preview(
    source: str, rules: RuleSet, feed: FeedConfig | None, http: HttpClient
) -> Preview:
    """Read ``source`` (a URL or a file) and preview it; failures become ``Preview.error``."""
    remove = feed.extract.remove if feed else ()
    keep = feed.extract.keep if feed else ()
    try:
        if _is_url(source):
            page = await http.fetch_page(source)
            html, url = page.body, page.url
        else:
            html, url = await asyncio.to_thread(Path(source).read_bytes), None
        # One page, one command: a thread keeps the loop free without a process pool.
        article = await asyncio.to_thread(extract_article, html, url=url, remove=remove, keep=keep)
    except (OSError, FeedError) as e:
        return Preview(source, "", "", (), (), error=str(e))
    return preview_article(source, article, rules, feed)


def _is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def _shorten(text: str, width: int = 100) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
