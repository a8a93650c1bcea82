"""What the admin (``defaults.admin``) is told about feeds: broken, recovered, gone.

Pure: compares a feed's state before and after a poll. One notice when a feed
has failed ``FAILURES_BEFORE_NOTICE`` polls in a row, one when it recovers,
and one when the server says it is gone; never one per failed poll.
"""

from __future__ import annotations

from datetime import datetime

from monitor.http import redact
from monitor.model import FeedState, Notice

FAILURES_BEFORE_NOTICE = 5


def feed_notice(before: FeedState, after: FeedState, now: datetime) -> Notice | None:
    name, url = after.name, redact(after.url)
    if after.gone and not before.gone:
        return Notice(
            subject=f"feed {name} is gone",
            body=f"{url} answered 410 Gone, so monitor stopped polling it.\n"
            "Remove the feed from the config or give it a new URL.",
            created_at=now,
        )
    if after.consecutive_errors == FAILURES_BEFORE_NOTICE:
        return Notice(
            subject=f"feed {name} is failing",
            body=f"{url} failed {after.consecutive_errors} polls in a row: {after.last_status}\n"
            "monitor keeps trying, less often; you will be told when it recovers.",
            created_at=now,
        )
    if before.consecutive_errors >= FAILURES_BEFORE_NOTICE and after.consecutive_errors == 0:
        return Notice(
            subject=f"feed {name} recovered",
            body=f"{url} answered again after {before.consecutive_errors} failed polls.",
            created_at=now,
        )
    return None
