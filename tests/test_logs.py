import json
import logging
from collections.abc import Iterator

import pytest

from monitor import logs


@pytest.fixture
def record() -> logging.LogRecord:
    return logging.makeLogRecord(
        {
            "name": "monitor.daemon",
            "levelno": logging.WARNING,
            "levelname": "WARNING",
            "msg": "feed poll failed",
            "feed": "desk",
            "error": 'HTTP 503 "Service Unavailable"',
            "errors_in_a_row": 2,
        }
    )


def test_key_value_lines_quote_only_what_needs_it(record: logging.LogRecord) -> None:
    line = logs.KeyValueFormatter(timestamps=False).format(record)
    assert line == (
        'level=warning msg="feed poll failed" feed=desk'
        ' error="HTTP 503 \\"Service Unavailable\\"" errors_in_a_row=2'
    )


@pytest.fixture
def root_logger() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.mark.usefixtures("root_logger")
def test_timestamps_unless_journald_adds_its_own(record: logging.LogRecord) -> None:
    assert logs.KeyValueFormatter(timestamps=True).format(record)[:2] == "20"
    for variable in ("JOURNAL_STREAM", "INVOCATION_ID"):
        logs.setup("info", "text", environ={variable: "x"})
        (handler,) = logging.getLogger().handlers
        assert handler.formatter is not None
        assert handler.formatter.format(record).startswith("level=warning")
    logs.setup("info", "text", environ={})
    (handler,) = logging.getLogger().handlers
    assert handler.formatter is not None
    assert not handler.formatter.format(record).startswith("level=")


def test_json_lines_for_log_shippers(record: logging.LogRecord) -> None:
    data = json.loads(logs.JsonFormatter().format(record))
    assert data["level"] == "warning"
    assert data["msg"] == "feed poll failed"
    assert data["feed"] == "desk"
    assert data["errors_in_a_row"] == "2"
    assert data["time"].endswith("+00:00")


def test_one_line_per_event_even_for_multiline_values(record: logging.LogRecord) -> None:
    record.error = "first line\nsecond line"
    assert "\n" not in logs.KeyValueFormatter(timestamps=False).format(record)
