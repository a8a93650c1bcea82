"""How values are kept in SQLite: times as fixed-width UTC text (which sorts and
compares as text), outbox messages as JSON, story texts compressed."""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from monitor.errors import StoreError
from monitor.model import Alert, Match, Notice, TextSource


def encode_message(message: Alert | Notice) -> str:
    if isinstance(message, Notice):
        return json.dumps(
            {
                "kind": "notice",
                "subject": message.subject,
                "body": message.body,
                "created_at": to_sql(message.created_at),
            },
            ensure_ascii=False,
        )
    data = alert_fields(message)
    data["kind"] = "alert"
    data["found_at"] = to_sql(message.found_at)
    data["published_at"] = to_sql(message.published_at)
    data["matches"] = [asdict(m) for m in message.matches]
    data["text_source"] = message.text_source.value
    return json.dumps(data, ensure_ascii=False)


def decode_message(text: str) -> Alert | Notice:
    data = json.loads(text)
    if data["kind"] == "notice":
        return Notice(
            subject=data["subject"],
            body=data["body"],
            created_at=required_time(data["created_at"]),
        )
    return Alert(
        story_id=data["story_id"],
        feed=data["feed"],
        title=data["title"],
        url=data["url"],
        found_at=required_time(data["found_at"]),
        published_at=from_sql(data["published_at"]),
        matches=tuple(
            Match(rule=m["rule"], terms=tuple(m["terms"]), snippets=tuple(m["snippets"]))
            for m in data["matches"]
        ),
        text_source=TextSource(data["text_source"]),
    )


def required_time(value: str | None) -> datetime:
    moment = from_sql(value)
    if moment is None:
        raise StoreError("a stored row lacks a time it must have")
    return moment


def alert_fields(alert: Alert) -> dict[str, Any]:
    # asdict would recurse into matches; a shallow copy keeps the values as they are.
    return {name: getattr(alert, name) for name in Alert.__dataclass_fields__}


def to_sql(value: object) -> object:
    # ISO 8601 in UTC with a fixed width sorts as text, so SQL can compare times.
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, bool):
        return int(value)
    return value


def from_sql(value: str | None) -> datetime | None:
    if value is None:
        return None
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def pack_text(text: str) -> bytes:
    # Article text compresses about threefold: a fortnight of stories stays small.
    return zlib.compress(text.encode("utf-8"))


def unpack_text(body: bytes) -> str:
    try:
        return zlib.decompress(body).decode("utf-8")
    except (zlib.error, UnicodeDecodeError) as e:
        raise StoreError(f"a stored story text is damaged: {e}") from e
