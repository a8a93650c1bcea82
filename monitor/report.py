"""Tables for ``monitor feeds`` and ``monitor alerts``: pure formatting, ``now`` passed in."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from monitor.model import Alert, DeliveryRecord, FeedState
from monitor.render import one_line, truncate


def ago(moment: datetime | None, now: datetime) -> str:
    """``3m ago`` or ``in 5m``; ``-`` for never."""
    if moment is None:
        return "-"
    delta = now - moment
    text = _span(abs(delta))
    return f"{text} ago" if delta >= timedelta(0) else f"in {text}"


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns; the last column is never padded."""
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header) - 1)]
    lines = []
    for row in [header, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, row[-1]]).rstrip())
    return "\n".join(lines)


def feeds_table(states: Sequence[FeedState], configured: Sequence[str], now: datetime) -> str:
    """One row per feed: the configured ones in config order, then any the store still holds."""
    by_name = {state.name: state for state in states}
    names = [*configured, *(s.name for s in states if s.name not in configured)]
    rows = []
    for name in names:
        state = by_name.get(name)
        if state is None:
            rows.append([name, "-", "not polled yet", "0", "-", "0", "-"])
            continue
        result = "gone (410): not polled" if state.gone else (state.last_status or "-")
        if name not in configured:
            result = f"(not in the config) {result}"
        rows.append(
            [
                name,
                ago(state.last_poll_at, now),
                truncate(one_line(result), 80),
                str(state.consecutive_errors),
                "-" if state.gone else ago(state.next_poll_at, now),
                str(state.stories_seen),
                ago(state.last_alert_at, now),
            ]
        )
    header = ["FEED", "LAST POLL", "RESULT", "ERRORS", "NEXT POLL", "STORIES", "LAST ALERT"]
    return table(header, rows)


def alerts_table(records: Sequence[DeliveryRecord], now: datetime) -> str:
    rows = []
    for record in records:
        message = record.message
        if isinstance(message, Alert):
            what = f"{', '.join(message.rules)}: {message.title}"
        else:
            what = f"notice: {message.subject}"
        state = record.state
        if state == "pending" and record.last_error:
            state = f"retrying {ago(record.next_attempt_at, now)}"
        row = [
            str(record.id),
            ago(record.created_at, now),
            record.notifier,
            state,
            str(record.attempts),
            truncate(one_line(what), 70),
        ]
        if record.last_error and record.state != "delivered":
            row[-1] += f"  [{truncate(one_line(record.last_error), 100)}]"
        rows.append(row)
    return table(["ID", "FOUND", "NOTIFIER", "STATE", "TRIES", "ALERT"], rows)
