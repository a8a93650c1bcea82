"""``monitor backtest``: today's rules over the stories the daemon stored, to see
what a new or edited rule would have alerted on before it wakes anyone.

Each story is matched on the clean text the daemon matched it on then (its
extracted article, or its feed summary), with the rules scoped as they are now
to the feed that carried it. A story carried by several feeds is one story, as
it is for the daemon: the same link (which the store records), or near-identical
text within ``DEDUP_WINDOW`` of the first copy (compared here, since a rule that
did not exist then never compared it); it is listed once, with every feed and
rule.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from monitor.config import FeedConfig
from monitor.dedup import Sketch, same_story, sketch
from monitor.model import Match, StoredStory, TextSource
from monitor.render.text import UNTITLED, counted, one_line, utc
from monitor.rules import RuleSet
from monitor.store import DEDUP_WINDOW


@dataclass(slots=True)
class Hit:
    """A story today's rules match, as listed: not its text, which may be long
    and is not shown."""

    found_at: datetime
    title: str
    url: str | None
    text_source: TextSource
    feeds: list[str]
    matches: list[Match]
    alerted: bool  # then: this copy or another of the same story
    fingerprint: Sketch | None

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
    hits: list[Hit] = field(default_factory=list)  # in the order found

    @property
    def new(self) -> int:
        """Stories that would alert now but did not then."""
        return sum(not hit.alerted for hit in self.hits)


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
    by_copy: dict[int, Hit] = {}  # the store's first copy -> its hit
    for_text: list[Hit] = []  # hits that have a fingerprint, oldest first
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
        hit = by_copy.get(stored.first_copy)
        fingerprint = sketch(stored.story.text or stored.story.summary)
        if hit is None and fingerprint is not None:
            hit = _same_text(for_text, fingerprint, stored.found_at)
        if hit is not None:
            hit.add(stored, matches)
        else:
            hit = _hit(stored, matches, fingerprint)
            result.hits.append(hit)
            if fingerprint is not None:
                for_text.append(hit)
        by_copy[stored.first_copy] = hit
    return result


def _hit(stored: StoredStory, matches: tuple[Match, ...], fingerprint: Sketch | None) -> Hit:
    story = stored.story
    return Hit(
        found_at=stored.found_at,
        title=story.title,
        url=story.url,
        text_source=story.text_source,
        feeds=[story.feed],
        matches=list(matches),
        alerted=stored.alerted,
        fingerprint=fingerprint,
    )


def _same_text(hits: list[Hit], fingerprint: Sketch, found_at: datetime) -> Hit | None:
    """The earlier hit with near-identical text found within the window before."""
    for hit in reversed(hits):
        if found_at - hit.found_at > DEDUP_WINDOW:
            return None
        if hit.fingerprint is not None and same_story(hit.fingerprint, fingerprint):
            return hit
    return None


def to_text(result: Backtest, *, kept_days: int) -> str:
    """For a terminal: everything a feed wrote is cleaned of control characters."""
    lines = []
    for hit in result.hits:
        feeds = ", ".join(one_line(f) for f in hit.feeds)
        lines.append(f"{utc(hit.found_at)}  {feeds}  {one_line(hit.title) or UNTITLED}")
        if hit.url:
            lines.append(f"  {one_line(hit.url)}")
        source = " (from the feed summary)" if hit.text_source is TextSource.SUMMARY else ""
        lines.append(f"  {'alerted then' if hit.alerted else 'NEW: did not alert then'}{source}")
        for match in hit.matches:
            lines.append(f"  {match.rule}: {', '.join(one_line(t) for t in match.terms)}")
            lines += [f"    {one_line(snippet)}" for snippet in match.snippets]
        lines.append("")
    lines.append(summary(result, kept_days=kept_days))
    return "\n".join(lines)


def to_json_lines(result: Backtest) -> str:
    """One JSON object per story that matches, one per line."""
    return "\n".join(
        json.dumps(
            {
                "found_at": hit.found_at.isoformat(),
                "feeds": hit.feeds,
                "title": hit.title,
                "url": hit.url,
                "text_source": hit.text_source.value,
                "alerted_then": hit.alerted,
                "matches": [
                    {"rule": m.rule, "terms": list(m.terms), "snippets": list(m.snippets)}
                    for m in hit.matches
                ],
            },
            ensure_ascii=False,
        )
        for hit in result.hits
    )


def summary(result: Backtest, *, kept_days: int) -> str:
    stories = counted(result.read, "story", "stories")
    would = len(result.hits)
    lines = [
        f"since {utc(result.since)}: {stories} read; {would} would alert with today's rules"
        f" ({would - result.new} alerted then, {result.new} new)"
    ]
    if result.unconfigured:
        names = ", ".join(one_line(n) for n in sorted(result.unconfigured))
        skipped = counted(sum(result.unconfigured.values()), "story", "stories")
        lines.append(f"{skipped} of feeds no longer in the config not matched: {names}")
    lines.append(
        f"The text of each story is kept {kept_days} days; stories never read"
        " (a new feed's first backlog) have none."
    )
    return "\n".join(lines)
