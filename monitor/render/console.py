"""Alerts and notices as lines for a terminal or the journal."""

from __future__ import annotations

from monitor.model import Alert, Digest, Message, Notice, TextSource
from monitor.render.text import one_line, title_of, utc


def console_line(message: Message) -> str:
    """One line per alert (time found, feed, rules, title, URL), or one notice line."""
    if isinstance(message, Notice):
        subject, body = one_line(message.subject), one_line(message.body)
        return f"{utc(message.created_at)} [monitor] notice: {subject}: {body}"
    if isinstance(message, Digest):
        return "\n".join(_alert_line(alert) for alert in message.alerts)
    return _alert_line(message)


def _alert_line(alert: Alert) -> str:
    parts = [
        utc(alert.found_at),
        f"[{one_line(alert.feed)}]",
        one_line(", ".join(alert.rules)) + ":",
        title_of(alert),
    ]
    if alert.url:
        parts.append(f"<{one_line(alert.url)}>")
    if alert.text_source is TextSource.SUMMARY:
        parts.append("(from the feed summary)")
    return " ".join(parts)
