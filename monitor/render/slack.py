"""Alerts as Slack incoming-webhook payloads: a ``text`` fallback and Block Kit
blocks, always within Slack's documented limits (50 blocks, 3,000 characters a
section, 150 a header), with ``&``, ``<`` and ``>`` escaped in everything a feed
wrote, so it can neither ping a channel nor forge a link."""

from __future__ import annotations

import re
from urllib.parse import quote

from monitor.model import Alert, Digest, Match, Message, Notice, TextSource
from monitor.render.text import (
    FROM_SUMMARY,
    SNIPPET_CHARS,
    SNIPPETS_SHOWN,
    clip_words,
    one_line,
    term_pattern,
    title_of,
    truncate,
    utc,
    web_url,
    window,
)

# Slack's documented Block Kit limits.
SLACK_MAX_BLOCKS = 50
SLACK_SECTION_MAX = 3000
SLACK_HEADER_MAX = 150
SLACK_FALLBACK_MAX = 1000
_PIPE = "\u2223"  # stands in for "|" in a link label, where Slack could take it as markup


def slack_escape(text: str) -> str:
    """Escape the three characters Slack treats as markup: ``&``, ``<``, ``>``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_fit(text: str, limit: int) -> str:
    """``text`` escaped for mrkdwn, truncated so the *escaped* form fits ``limit``.

    Cutting before escaping means an entity such as ``&amp;`` is never split.
    """
    escaped = slack_escape(text)
    if len(escaped) <= limit:
        return escaped
    used = 0
    cut = 0
    for cut, char in enumerate(text):  # noqa: B007 - cut is used after the loop
        used += len(slack_escape(char))
        if used > limit - 1:
            break
    return slack_escape(clip_words(text[:cut])) + "…"


def _slack_link(url: str | None, label: str) -> str:
    """``<url|label>`` in mrkdwn, or the bare escaped label when the URL cannot be linked."""
    text = slack_fit(label, 300)
    target = web_url(url)
    if target is None:
        return text
    # A URL must not close the link or start its label early.
    target = quote(one_line(target), safe="/:?#[]@!$&'()*+,;=%~-._")
    if len(target) > 1500:
        return text
    return f"<{slack_escape(target)}|{text.replace('|', _PIPE)}>"


def _slack_snippet(snippet: str, pattern: re.Pattern[str] | None, limit: int) -> str:
    """A snippet in mrkdwn of at most ``limit`` characters, around its first matched term.

    Matched terms are bold unless the text holds a ``*`` that could pair with ours.
    The window narrows until the escaped text fits, so the term stays in view.
    """
    flat = one_line(snippet)
    width = SNIPPET_CHARS
    while True:
        text = window(flat, pattern, width)
        rendered = _slack_bold(text, pattern if "*" not in text else None)
        if len(rendered) <= limit or width <= 20:
            break
        width = min(width - 1, width * limit // len(rendered))
    return rendered if len(rendered) <= limit else slack_fit(text, limit)


def _slack_bold(text: str, pattern: re.Pattern[str] | None) -> str:
    parts = []
    pos = 0
    for found in pattern.finditer(text) if pattern is not None else ():
        parts.append(slack_escape(text[pos : found.start()]))
        parts.append(f"*{slack_escape(found.group())}*")
        pos = found.end()
    parts.append(slack_escape(text[pos:]))
    return "".join(parts)


def _slack_match(match: Match) -> dict[str, object]:
    head = f"*{slack_fit(one_line(match.rule), 200)}* · " + slack_fit(
        one_line(", ".join(match.terms)), 300
    )
    lines = [head]
    shown = match.snippets[:SNIPPETS_SHOWN]
    more = len(match.snippets) - len(shown)
    tail = f"\n_+{more} more_" if more > 0 else ""
    if shown:
        pattern = term_pattern(match.terms)
        room = SLACK_SECTION_MAX - len(head) - len(tail)
        each = room // len(shown) - 3  # "\n> " before each
        lines.extend(f"> {_slack_snippet(snippet, pattern, each)}" for snippet in shown)
    return _section("\n".join(lines) + tail)


def _section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _slack_intro(alert: Alert) -> dict[str, object]:
    when = f"found {utc(alert.found_at)}"
    if alert.published_at is not None:
        when = f"published {utc(alert.published_at)} · {when}"
    lines = [
        f"*{_slack_link(alert.url, title_of(alert))}*",
        f"{slack_fit(one_line(alert.feed), 100)} · {when}",
        "*Rules:* " + slack_fit(one_line(", ".join(alert.rules)), 900),
    ]
    if alert.text_source is TextSource.SUMMARY:
        lines.append(f"_{FROM_SUMMARY}_")
    return _section("\n".join(lines))


def slack_payload(message: Message) -> dict[str, object]:
    """An incoming-webhook payload: a ``text`` fallback and Block Kit ``blocks``,
    for an alert, a digest of alerts, or a notice."""
    if isinstance(message, Notice):
        return _notice_payload(message)
    if isinstance(message, Digest):
        return _digest_payload(message)
    return _alert_payload(message)


def _header(text: str) -> dict[str, object]:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": truncate(text, SLACK_HEADER_MAX), "emoji": False},
    }


def _notice_payload(notice: Notice) -> dict[str, object]:
    subject = one_line(notice.subject)
    return {
        "text": slack_fit(f"monitor: {subject}", SLACK_FALLBACK_MAX),
        "blocks": [
            _header(f"monitor: {subject}"),
            _section(slack_fit(notice.body.strip() or subject, SLACK_SECTION_MAX)),
        ],
    }


def _digest_payload(digest: Digest) -> dict[str, object]:
    count = len(digest.alerts)
    blocks = [_header(f"{count} {'story' if count == 1 else 'stories'}")]
    room = SLACK_MAX_BLOCKS - len(blocks)
    shown = digest.alerts if count <= room else digest.alerts[: room - 1]
    blocks.extend(_slack_intro(alert) for alert in shown)
    if len(shown) < count:
        blocks.append(_section(f"_…and {count - len(shown)} more_"))
    titles = "; ".join(title_of(alert) for alert in digest.alerts)
    fallback = slack_fit(one_line(f"{count} stories: {titles}"), SLACK_FALLBACK_MAX)
    return {"text": fallback, "blocks": blocks}


def _alert_payload(alert: Alert) -> dict[str, object]:
    """One alert: its title as header, the facts, a section per matching rule.

    Always within Slack's limits (50 blocks, 3,000 characters a section, 150 a
    header): rules beyond what fits are listed by name in a last section.
    """
    title = title_of(alert)
    blocks: list[dict[str, object]] = [_header(title), _slack_intro(alert)]
    room = SLACK_MAX_BLOCKS - len(blocks)
    matches = alert.matches
    if len(matches) > room:
        shown, rest = matches[: room - 1], matches[room - 1 :]
    else:
        shown, rest = matches, ()
    blocks.extend(_slack_match(match) for match in shown)
    if rest:
        names = one_line(", ".join(match.rule for match in rest))
        blocks.append(_section(f"_…and {len(rest)} more:_ " + slack_fit(names, 2900)))
    fallback = f"{', '.join(alert.rules)}: {title} ({alert.feed})"
    return {"text": slack_fit(one_line(fallback), SLACK_FALLBACK_MAX), "blocks": blocks}
