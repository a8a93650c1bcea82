"""Alert -> console line, Slack payload, email message.

Pure functions over an ``Alert``: no I/O, no clock (message times come from
the alert itself), so a resend renders the same bytes. Everything a feed wrote
(title, feed name, snippets, URL) is treated as hostile: control characters
never reach a terminal or a mail header, ``&``, ``<`` and ``>`` are escaped for
Slack mrkdwn, HTML is escaped for mail, and every Slack limit is respected by
truncating with ``…`` rather than being left for Slack to reject.

This module does not decide *whether* to alert or *where*; it only formats.
"""

from __future__ import annotations

import email.policy
import email.utils
import hashlib
import html
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage
from urllib.parse import quote, urlsplit

from monitor.model import Alert, Match, TextSource

# Slack's documented Block Kit limits.
SLACK_MAX_BLOCKS = 50
SLACK_SECTION_MAX = 3000
SLACK_HEADER_MAX = 150
SLACK_FALLBACK_MAX = 1000

SUBJECT_MAX = 200
SNIPPET_CHARS = 280  # the window of a snippet shown around its first matched term
SNIPPETS_SHOWN = 3  # per rule
FROM_SUMMARY = "Matched text is from the feed summary."
UNTITLED = "(untitled)"
_PIPE = "\u2223"  # stands in for "|" in a link label, where Slack could take it as markup

# C0, DEL, C1 (with NEL), and the Unicode line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SPACES = re.compile(r"\s+")
_WORD = re.compile(r"\w+")
_ATEXT = re.compile(r"[A-Za-z0-9_-]+")
_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")


# -- text helpers ---------------------------------------------------------------


def one_line(text: str) -> str:
    """``text`` with every control character and line break turned into one space."""
    return _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()


def truncate(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, on a word boundary when close, plus ``…``."""
    if len(text) <= limit:
        return text
    return _clip_words(text[: limit - 1]) + "…"


def _clip_words(text: str) -> str:
    """Drop a trailing partial word, unless that would lose more than a fifth of ``text``."""
    cut = text.rfind(" ")
    if cut >= len(text) * 4 // 5:
        text = text[:cut]
    return text.rstrip()


def slack_escape(text: str) -> str:
    """Escape the three characters Slack treats as markup: ``&``, ``<``, ``>``."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_fit(text: str, limit: int) -> str:
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
    return slack_escape(_clip_words(text[:cut])) + "…"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _title(alert: Alert) -> str:
    return one_line(alert.title) or UNTITLED


def _web_url(url: str | None) -> str | None:
    """``url`` when it is an http(s) URL worth linking, else None."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def _term_pattern(terms: Sequence[str]) -> re.Pattern[str] | None:
    """A pattern finding the plain and prefix terms in text, to highlight them.

    Regex terms are skipped (they are for matching, not for showing); entity
    aliases are not known here, so only the words the rule names are bold.
    """
    parts = []
    for term in terms:
        if len(term) > 1 and term.startswith("/") and term.endswith("/"):
            continue
        prefix = term.endswith("*")
        words = _WORD.findall(term)
        if not words:
            continue
        body = r"\W+".join(re.escape(word) for word in words)
        body = rf"\b{body}\w*" if prefix else rf"\b{body}\b"
        letters = [char for char in term if char.isalpha()]
        exact = bool(letters) and all(char.isupper() for char in letters)
        parts.append(body if exact else f"(?i:{body})")
    return re.compile("|".join(parts)) if parts else None


def _window(text: str, pattern: re.Pattern[str] | None, width: int) -> str:
    """At most about ``width`` characters of ``text``, around its first match."""
    if len(text) <= width:
        return text
    found = pattern.search(text) if pattern else None
    start = max(0, found.start() - width // 3) if found else 0
    start = min(start, len(text) - width)
    if start > 0:
        space = text.find(" ", start, start + 20)
        start = space + 1 if space != -1 else start
    end = start + width
    piece = text[start:end]
    if end < len(text):
        piece = _clip_words(piece) + "…"
    return ("…" + piece) if start > 0 else piece


# -- console --------------------------------------------------------------------


def console_line(alert: Alert) -> str:
    """One line for a terminal or a log: time found, feed, rules, title, URL."""
    parts = [
        _utc(alert.found_at),
        f"[{one_line(alert.feed)}]",
        one_line(", ".join(alert.rules)) + ":",
        _title(alert),
    ]
    if alert.url:
        parts.append(f"<{one_line(alert.url)}>")
    if alert.text_source is TextSource.SUMMARY:
        parts.append("(from the feed summary)")
    return " ".join(parts)


# -- Slack ----------------------------------------------------------------------


def _slack_link(url: str | None, label: str) -> str:
    """``<url|label>`` in mrkdwn, or the bare escaped label when the URL cannot be linked."""
    text = _slack_fit(label, 300)
    target = _web_url(url)
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
        text = _window(flat, pattern, width)
        rendered = _slack_bold(text, pattern if "*" not in text else None)
        if len(rendered) <= limit or width <= 20:
            break
        width = min(width - 1, width * limit // len(rendered))
    return rendered if len(rendered) <= limit else _slack_fit(text, limit)


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
    head = f"*{_slack_fit(one_line(match.rule), 200)}* · " + _slack_fit(
        one_line(", ".join(match.terms)), 300
    )
    lines = [head]
    shown = match.snippets[:SNIPPETS_SHOWN]
    more = len(match.snippets) - len(shown)
    tail = f"\n_+{more} more_" if more > 0 else ""
    if shown:
        pattern = _term_pattern(match.terms)
        room = SLACK_SECTION_MAX - len(head) - len(tail)
        each = room // len(shown) - 3  # "\n> " before each
        lines.extend(f"> {_slack_snippet(snippet, pattern, each)}" for snippet in shown)
    return _section("\n".join(lines) + tail)


def _section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _slack_intro(alert: Alert) -> dict[str, object]:
    when = f"found {_utc(alert.found_at)}"
    if alert.published_at is not None:
        when = f"published {_utc(alert.published_at)} · {when}"
    lines = [
        f"*{_slack_link(alert.url, _title(alert))}*",
        f"{_slack_fit(one_line(alert.feed), 100)} · {when}",
        "*Rules:* " + _slack_fit(one_line(", ".join(alert.rules)), 900),
    ]
    if alert.text_source is TextSource.SUMMARY:
        lines.append(f"_{FROM_SUMMARY}_")
    return _section("\n".join(lines))


def slack_payload(alert: Alert) -> dict[str, object]:
    """An incoming-webhook payload: a ``text`` fallback and Block Kit ``blocks``.

    Always within Slack's limits (50 blocks, 3,000 characters a section, 150 a
    header): rules beyond what fits are listed by name in a last section.
    """
    title = _title(alert)
    blocks: list[dict[str, object]] = [
        {
            "type": "header",
            "text": {
                "type": "plain_text",
                "text": truncate(title, SLACK_HEADER_MAX),
                "emoji": False,
            },
        },
        _slack_intro(alert),
    ]
    room = SLACK_MAX_BLOCKS - len(blocks)
    matches = alert.matches
    if len(matches) > room:
        shown, rest = matches[: room - 1], matches[room - 1 :]
    else:
        shown, rest = matches, ()
    blocks.extend(_slack_match(match) for match in shown)
    if rest:
        names = one_line(", ".join(match.rule for match in rest))
        blocks.append(_section(f"_…and {len(rest)} more:_ " + _slack_fit(names, 2900)))
    fallback = f"{', '.join(alert.rules)}: {title} ({alert.feed})"
    return {"text": _slack_fit(one_line(fallback), SLACK_FALLBACK_MAX), "blocks": blocks}


# -- email ----------------------------------------------------------------------


def message_id_for(story_id: int, notifier: str, domain: str) -> str:
    """A Message-ID that is the same every time this story goes to this notifier.

    A resend after a crash then carries the same Message-ID, so mail clients
    show one message. Raises ValueError for a domain that is not a host name.
    """
    if not _DOMAIN.fullmatch(domain) or ".." in domain:
        raise ValueError(f"not a domain for a Message-ID: {domain!r}")
    token = notifier
    if not _ATEXT.fullmatch(notifier):
        token = "n" + hashlib.sha256(notifier.encode()).hexdigest()[:16]
    return f"<story-{story_id}.{token}.monitor@{domain}>"


def email_subject(alert: Alert) -> str:
    """``[monitor] rule1, rule2: title`` on one line, whatever the feed put in the title."""
    rules = truncate(one_line(", ".join(alert.rules)), 80)
    return truncate(f"[monitor] {rules}: {_title(alert)}", SUBJECT_MAX)


def _email_facts(alert: Alert) -> list[tuple[str, str]]:
    facts = [("Feed", one_line(alert.feed))]
    if alert.published_at is not None:
        facts.append(("Published", _utc(alert.published_at)))
    facts.append(("Found", _utc(alert.found_at)))
    facts.append(("Rules", one_line(", ".join(alert.rules))))
    return facts


def _email_text(alert: Alert) -> str:
    lines = [_title(alert)]
    if alert.url:
        lines.append(one_line(alert.url))
    lines.append("")
    lines.extend(f"{label}: {value}" for label, value in _email_facts(alert))
    if alert.text_source is TextSource.SUMMARY:
        lines.append(FROM_SUMMARY)
    for match in alert.matches:
        lines.append("")
        lines.append(f"{one_line(match.rule)}: {one_line(', '.join(match.terms))}")
        pattern = _term_pattern(match.terms)
        lines.extend(
            f"  “{_window(one_line(snippet), pattern, SNIPPET_CHARS)}”"
            for snippet in match.snippets
        )
    return "\n".join(lines) + "\n"


def _html_snippet(snippet: str, pattern: re.Pattern[str] | None) -> str:
    text = _window(one_line(snippet), pattern, SNIPPET_CHARS)
    parts = []
    pos = 0
    for found in pattern.finditer(text) if pattern is not None else ():
        parts.append(html.escape(text[pos : found.start()]))
        parts.append(f"<b>{html.escape(found.group())}</b>")
        pos = found.end()
    parts.append(html.escape(text[pos:]))
    return "".join(parts)


def _email_html(alert: Alert) -> str:
    title = html.escape(_title(alert))
    url = _web_url(alert.url)
    heading = f'<a href="{html.escape(one_line(url))}">{title}</a>' if url else title
    out = [f"<h2>{heading}</h2>", "<p>"]
    out.extend(f"<b>{label}:</b> {html.escape(value)}<br>" for label, value in _email_facts(alert))
    out.append("</p>")
    if alert.text_source is TextSource.SUMMARY:
        out.append(f"<p><i>{FROM_SUMMARY}</i></p>")
    for match in alert.matches:
        terms = html.escape(one_line(", ".join(match.terms)))
        out.append(f"<h3>{html.escape(one_line(match.rule))}</h3><p>{terms}</p>")
        pattern = _term_pattern(match.terms)
        out.extend(
            f"<blockquote>{_html_snippet(snippet, pattern)}</blockquote>"
            for snippet in match.snippets
        )
    body = "\n".join(out)
    head = '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>'
    return f"{head}\n{body}\n</body></html>\n"


def email_message(alert: Alert, *, sender: str, to: Sequence[str], message_id: str) -> EmailMessage:
    """A ``multipart/alternative`` message (plain text and HTML) for one alert.

    ``Date`` is when the story was found, so the message is the same on every
    render. Headers are set through ``email.policy.SMTP``, which refuses any
    value with a line break; the subject is cleaned before that so a feed
    title cannot even trigger the refusal.
    """
    message = EmailMessage(policy=email.policy.SMTP)
    message["Subject"] = email_subject(alert)
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Date"] = email.utils.format_datetime(alert.found_at.astimezone(UTC))
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    message.set_content(_email_text(alert))
    message.add_alternative(_email_html(alert), subtype="html")
    return message
