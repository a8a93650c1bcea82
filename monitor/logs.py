"""Logging for people and for journald: one line per event, ``key=value`` pairs.

Events are logged as ``log.info("feed polled", extra={"feed": name, "new": 3})``;
the formatter appends every extra field. Under systemd (``JOURNAL_STREAM`` or
``INVOCATION_ID`` set) lines carry no timestamp: the journal adds its own.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal

# Attributes every LogRecord has; anything else on a record came from ``extra``.
_STANDARD = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def _fields(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")}


def _quote(value: object) -> str:
    text = str(value)
    if text and all(c.isprintable() and c not in ' "=' for c in text):
        return text
    return json.dumps(text, ensure_ascii=False)


class KeyValueFormatter(logging.Formatter):
    def __init__(self, *, timestamps: bool) -> None:
        super().__init__()
        self.timestamps = timestamps

    def format(self, record: logging.LogRecord) -> str:
        parts: list[str] = []
        if self.timestamps:
            when = datetime.fromtimestamp(record.created, tz=UTC)
            parts.append(when.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z")
        parts.append(f"level={record.levelname.lower()}")
        parts.append(f"msg={_quote(record.getMessage())}")
        parts.extend(f"{key}={_quote(value)}" for key, value in _fields(record).items())
        if record.exc_info:
            parts.append(f"error={_quote(self.formatException(record.exc_info))}")
        return " ".join(parts)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        data: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(),
            "level": record.levelname.lower(),
            "msg": record.getMessage(),
            "logger": record.name,
        }
        data.update({k: str(v) for k, v in _fields(record).items()})
        if record.exc_info:
            data["error"] = self.formatException(record.exc_info)
        return json.dumps(data, ensure_ascii=False)


def setup(
    level: str = "info",
    fmt: Literal["text", "json"] = "text",
    environ: Mapping[str, str] | None = None,
) -> None:
    """Route monitor's logs to stderr in the chosen format; quiet chatty libraries."""
    env = os.environ if environ is None else environ
    under_journal = "JOURNAL_STREAM" in env or "INVOCATION_ID" in env
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter() if fmt == "json" else KeyValueFormatter(timestamps=not under_journal)
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # APScheduler logs every job run at INFO; ours already say what happened.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # watchfiles says "1 change detected" at INFO; the reload that follows says more.
    logging.getLogger("watchfiles").setLevel(logging.WARNING)
    # trafilatura complains at INFO/WARNING about every odd page.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
