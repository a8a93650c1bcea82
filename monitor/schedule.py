"""When to poll a feed next and when to retry a delivery. Pure: ``now`` and the
random draw are passed in, so every decision is reproducible in tests.

Jitter only ever *adds* time: a poll is never earlier than the interval, the
server's Retry-After, or (within ``fresh_delay``'s bounds) the time its
Cache-Control said the feed stays fresh.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# A failing feed backs off exponentially, but is still tried at least this often
# (or at its own interval, if that is longer): polling never stops.
FEED_BACKOFF_CAP = timedelta(hours=2)
# How far a new feed's first poll is spread after start-up.
FIRST_POLL_SPREAD = timedelta(minutes=1)
JITTER = 0.1
# A feed the server calls fresh (Cache-Control max-age) is not polled again
# before then: the server has said how often is worth asking, and behind a
# cache a poll sooner fetches what the cache serves anyway. But the user's
# interval is how soon they want the news, so a server's hint may stretch it
# to four times over and to an hour at most: a CDN's day-long default on a
# feed polled every minute means a poll every four minutes, not once a day.
FRESH_HINT_FACTOR = 4
FRESH_HINT_CAP = timedelta(hours=1)

DELIVERY_RETRY_BASE = timedelta(seconds=5)
DELIVERY_RETRY_CAP = timedelta(minutes=30)
# A retryable delivery is given up (kept as a dead letter) only after this long.
DELIVERY_GIVE_UP_AFTER = timedelta(days=2)


def next_poll_at(
    now: datetime,
    interval: timedelta,
    *,
    consecutive_errors: int = 0,
    retry_after: timedelta | None = None,
    fresh_for: timedelta | None = None,
    draw: float = 0.0,
) -> datetime:
    """Next poll after one that just finished. ``draw`` is uniform in [0, 1);
    ``fresh_for``: how long the server said its answer stays fresh."""
    delay = interval
    if consecutive_errors > 0:
        cap = max(interval, FEED_BACKOFF_CAP)
        delay = min(interval * (1 << min(consecutive_errors, 16)), cap)
    else:
        delay = fresh_delay(interval, fresh_for)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return now + delay * (1 + JITTER * draw)


def fresh_delay(interval: timedelta, fresh_for: timedelta | None) -> timedelta:
    """A healthy feed's delay to its next poll: its interval, stretched to when
    the server said its answer goes stale (``fresh_for``), but to no more than
    ``FRESH_HINT_FACTOR`` intervals and ``FRESH_HINT_CAP``; a hint never
    shortens the interval."""
    if fresh_for is None:
        return interval
    return max(interval, min(fresh_for, interval * FRESH_HINT_FACTOR, FRESH_HINT_CAP))


def first_poll_at(now: datetime, interval: timedelta, *, draw: float) -> datetime:
    """First poll of a feed after start-up: spread over a minute (or the interval,
    if shorter), so a newcomer is seen at once and a thousand feeds don't fire together."""
    return now + min(interval, FIRST_POLL_SPREAD) * draw


def resume_poll_at(
    now: datetime, interval: timedelta, stored: datetime | None, *, draw: float
) -> datetime:
    """Poll time after a restart: keep the stored one (and so any backoff) unless it
    has passed, or lies further ahead than the feed could have been backed off to."""
    if stored is None or stored <= now:
        return first_poll_at(now, interval, draw=draw)
    return min(stored, now + max(interval, FEED_BACKOFF_CAP) * (1 + JITTER))


def next_delivery_at(
    now: datetime, attempts: int, *, retry_after: timedelta | None = None, draw: float = 0.0
) -> datetime:
    """When to try a failed delivery again; ``attempts`` counts the failures so far."""
    delay = min(DELIVERY_RETRY_BASE * (1 << min(max(attempts - 1, 0), 16)), DELIVERY_RETRY_CAP)
    if retry_after is not None:
        # The server said when: no earlier, and no need to wait longer.
        return now + retry_after * (1 + JITTER * draw)
    return now + delay * (1 + JITTER * draw)
