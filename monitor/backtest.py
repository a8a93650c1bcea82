"""``monitor backtest``: today's rules over the stories the daemon stored, to see
what a new or edited rule would have alerted on before it wakes anyone.

Each story is matched on the clean text the daemon matched it on then (its
extracted article, or its feed summary), with the rules scoped as they are now
to the feed that carried it. A story carried by several feeds (the same link, or
the same wire text) is one story: it is listed once, with every feed and rule.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from monitor.config import FeedConfig
from monitor.model import Match, StoredStory, TextSource
from monitor.rules import RuleSet


@dataclass(slots=True)
class Hit:
    """A story today's rules match: its first copy, and what matched in each copy."""

    story: StoredStory
    feeds: list[str]
    matches: list[Match]
    alerted: bool

    def add(self, copy: StoredStory, matches: tuple[Match, ...]) -> None:
        if copy.story.feed not in self.feeds:
            self.feeds.append(copy.story.feed)
        known = {m.rule for m in self.matches}
        self.matches += [m for m in matches if m.rule not in known]
        self.alerted = self.alerted or copy.alerted


@dataclass(slots=True)
class Backtest:
    since: datetime
    read: int = 0  # stories read from the store, copies included
    unconfigured: dict[str, int] = field(default_factory=dict)  # stories of feeds since removed
    hits: dict[int, Hit] = field(default_factory=dict)  # by first copy, in the order found

    @property
    def new(self) -> int:
        """Stories that would alert now but did not then."""
        return sum(not hit.alerted for hit in self.hits.values())


async def backtest(
    stories: AsyncIterable[StoredStory],
    rules: RuleSet,
    feeds: Mapping[str, FeedConfig],
    *,
    since: datetime,
) -> Backtest:
    """Match every stored story against ``rules``. A story of a feed no longer in
    the config is counted, not matched: which rules would apply to it is unknown."""
    result = Backtest(since=since)
    async for stored in stories:
        result.read += 1
        feed = feeds.get(stored.story.feed)
        if feed is None:
            name = stored.story.feed
            result.unconfigured[name] = result.unconfigured.get(name, 0) + 1
            continue
        matches = rules.match(stored.story, feed=feed)
        if not matches:
            continue
        hit = result.hits.get(stored.first_copy)
        if hit is None:
            result.hits[stored.first_copy] = Hit(
                stored, [stored.story.feed], list(matches), stored.alerted
            )
        else:
            hit.add(stored, matches)
    return result


def to_text(result: Backtest, *, kept_days: int) -> str:
    lines = []
    for hit in result.hits.values():
        story = hit.story.story
        when = hit.story.found_at.strftime("%Y-%m-%d %H:%M UTC")
        lines.append(f"{when}  {', '.join(hit.feeds)}  {story.title or '(untitled)'}")
        if story.url:
            lines.append(f"  {story.url}")
        source = " (from the feed summary)" if story.text_source is TextSource.SUMMARY else ""
        lines.append(f"  {'alerted then' if hit.alerted else 'NEW: did not alert then'}{source}")
        for match in hit.matches:
            lines.append(f"  {match.rule}: {', '.join(match.terms)}")
            lines += [f"    {snippet}" for snippet in match.snippets]
        lines.append("")
    lines.append(_summary(result, kept_days))
    return "\n".join(lines)


def to_json_lines(result: Backtest) -> str:
    """One JSON object per story that matches, one per line."""
    return "\n".join(
        json.dumps(
            {
                "found_at": hit.story.found_at.isoformat(),
                "feeds": hit.feeds,
                "title": hit.story.story.title,
                "url": hit.story.story.url,
                "text_source": hit.story.story.text_source.value,
                "alerted_then": hit.alerted,
                "matches": [
                    {"rule": m.rule, "terms": list(m.terms), "snippets": list(m.snippets)}
                    for m in hit.matches
                ],
            },
            ensure_ascii=False,
        )
        for hit in result.hits.values()
    )


def _summary(result: Backtest, kept_days: int) -> str:
    since = result.since.strftime("%Y-%m-%d %H:%M UTC")
    stories = _count(result.read, "story", "stories")
    would = len(result.hits)
    lines = [
        f"since {since}: {stories} read; {would} would alert with today's rules"
        f" ({would - result.new} alerted then, {result.new} new)"
    ]
    if result.unconfigured:
        names = ", ".join(sorted(result.unconfigured))
        skipped = _count(sum(result.unconfigured.values()), "story", "stories")
        lines.append(f"{skipped} of feeds no longer in the config not matched: {names}")
    lines.append(
        f"Stories are kept {kept_days} days; a new feed's backlog and stories stored"
        " before this version carry no text and are not read."
    )
    return "\n".join(lines)


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"
