"""The one place that reads the wall clock. Pure modules take ``now`` as an argument;
the edges (daemon, polling, delivery) pass this function in."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
