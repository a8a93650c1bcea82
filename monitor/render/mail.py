"""Alerts as email: ``multipart/alternative`` (plain text and HTML), a subject
that a feed title can never break into extra headers, and a Message-ID that is
the same on every resend."""

from __future__ import annotations

import email.policy
import email.utils
import hashlib
import html
import re
from collections.abc import Sequence
from datetime import UTC, datetime
from email.message import EmailMessage

from monitor.model import Alert, Digest, Message, Notice, TextSource
from monitor.render.text import (
    FROM_SUMMARY,
    SNIPPET_CHARS,
    one_line,
    term_pattern,
    title_of,
    truncate,
    utc,
    web_url,
    window,
)

SUBJECT_MAX = 200
_ATEXT = re.compile(r"[A-Za-z0-9_-]+")
_DOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?")


def message_id_for(key: str, notifier: str, domain: str) -> str:
    """A Message-ID that is the same every time this message (``model.message_key``)
    goes to this notifier.

    A resend after a crash then carries the same Message-ID, so mail clients
    show one message. Raises ValueError for a domain that is not a host name.
    """
    if not _DOMAIN.fullmatch(domain) or ".." in domain:
        raise ValueError(f"not a domain for a Message-ID: {domain!r}")
    token = notifier
    if not _ATEXT.fullmatch(notifier):
        token = "n" + hashlib.sha256(notifier.encode()).hexdigest()[:16]
    if not _ATEXT.fullmatch(key):
        key = "k" + hashlib.sha256(key.encode()).hexdigest()[:16]
    return f"<{key}.{token}.monitor@{domain}>"


def email_subject(alert: Alert) -> str:
    """``[monitor] rule1, rule2: title`` on one line, whatever the feed put in the title."""
    rules = truncate(one_line(", ".join(alert.rules)), 80)
    return truncate(f"[monitor] {rules}: {title_of(alert)}", SUBJECT_MAX)


def _email_facts(alert: Alert) -> list[tuple[str, str]]:
    facts = [("Feed", one_line(alert.feed))]
    if alert.published_at is not None:
        facts.append(("Published", utc(alert.published_at)))
    facts.append(("Found", utc(alert.found_at)))
    facts.append(("Rules", one_line(", ".join(alert.rules))))
    return facts


def _email_text(alert: Alert) -> str:
    lines = [title_of(alert)]
    if alert.url:
        lines.append(one_line(alert.url))
    lines.append("")
    lines.extend(f"{label}: {value}" for label, value in _email_facts(alert))
    if alert.text_source is TextSource.SUMMARY:
        lines.append(FROM_SUMMARY)
    for match in alert.matches:
        lines.append("")
        lines.append(f"{one_line(match.rule)}: {one_line(', '.join(match.terms))}")
        pattern = term_pattern(match.terms)
        lines.extend(
            f"  “{window(one_line(snippet), pattern, SNIPPET_CHARS)}”" for snippet in match.snippets
        )
    return "\n".join(lines) + "\n"


def _html_snippet(snippet: str, pattern: re.Pattern[str] | None) -> str:
    text = window(one_line(snippet), pattern, SNIPPET_CHARS)
    parts = []
    pos = 0
    for found in pattern.finditer(text) if pattern is not None else ():
        parts.append(html.escape(text[pos : found.start()]))
        parts.append(f"<b>{html.escape(found.group())}</b>")
        pos = found.end()
    parts.append(html.escape(text[pos:]))
    return "".join(parts)


def _email_html(alert: Alert) -> str:
    title = html.escape(title_of(alert))
    url = web_url(alert.url)
    heading = f'<a href="{html.escape(one_line(url))}">{title}</a>' if url else title
    out = [f"<h2>{heading}</h2>", "<p>"]
    out.extend(f"<b>{label}:</b> {html.escape(value)}<br>" for label, value in _email_facts(alert))
    out.append("</p>")
    if alert.text_source is TextSource.SUMMARY:
        out.append(f"<p><i>{FROM_SUMMARY}</i></p>")
    for match in alert.matches:
        terms = html.escape(one_line(", ".join(match.terms)))
        out.append(f"<h3>{html.escape(one_line(match.rule))}</h3><p>{terms}</p>")
        pattern = term_pattern(match.terms)
        out.extend(
            f"<blockquote>{_html_snippet(snippet, pattern)}</blockquote>"
            for snippet in match.snippets
        )
    body = "\n".join(out)
    head = '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>'
    return f"{head}\n{body}\n</body></html>\n"


def _digest_subject(digest: Digest) -> str:
    rules = dict.fromkeys(rule for alert in digest.alerts for rule in alert.rules)
    count = len(digest.alerts)
    head = f"[monitor] {count} {'story' if count == 1 else 'stories'}"
    return truncate(f"{head}: {one_line(', '.join(rules))}", SUBJECT_MAX)


def _digest_html(digest: Digest) -> str:
    parts = [_email_html(alert) for alert in digest.alerts]
    bodies = [p.split("<body>", 1)[1].rsplit("</body>", 1)[0] for p in parts]
    head = '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>'
    return f"{head}\n" + "\n<hr>\n".join(bodies) + "\n</body></html>\n"


def _content(message: Message) -> tuple[str, str, str, datetime]:
    """Subject, plain text, HTML and date of any message."""
    if isinstance(message, Notice):
        subject = truncate(f"[monitor] notice: {one_line(message.subject)}", SUBJECT_MAX)
        body = message.body.strip() + "\n"
        page = f"<p>{html.escape(message.body).replace(chr(10), '<br>')}</p>"
        return subject, body, page, message.created_at
    if isinstance(message, Digest):
        text = "\n---\n\n".join(_email_text(alert) for alert in message.alerts)
        found = max(alert.found_at for alert in message.alerts)
        return _digest_subject(message), text, _digest_html(message), found
    return email_subject(message), _email_text(message), _email_html(message), message.found_at


def email_message(
    message: Message, *, sender: str, to: Sequence[str], message_id: str
) -> EmailMessage:
    """A ``multipart/alternative`` message (plain text and HTML) for an alert, a
    digest of alerts, or a notice.

    ``Date`` is when the story was found (the notice made), so the message is the
    same on every render. Headers are set through ``email.policy.SMTP``, which
    refuses any value with a line break; the subject is cleaned before that so a
    feed title cannot even trigger the refusal.
    """
    subject, text, page, date = _content(message)
    mail = EmailMessage(policy=email.policy.SMTP)
    mail["Subject"] = subject
    mail["From"] = sender
    mail["To"] = ", ".join(to)
    mail["Date"] = email.utils.format_datetime(date.astimezone(UTC))
    mail["Message-ID"] = message_id
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies
    mail.set_content(text)
    mail.add_alternative(page, subtype="html")
    return mail
