"""Alerts as one line for a terminal or the journal."""

from __future__ import annotations

from monitor.model import Alert, TextSource
from monitor.render.text import one_line, title_of, utc


def console_line(alert: Alert) -> str:
    """One line for a terminal or a log: time found, feed, rules, title, URL."""
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
