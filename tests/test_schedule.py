from datetime import UTC, datetime, timedelta

from monitor.schedule import (
    DELIVERY_RETRY_CAP,
    FEED_BACKOFF_CAP,
    FRESH_HINT_CAP,
    first_poll_at,
    next_delivery_at,
    next_poll_at,
    resume_poll_at,
)

NOW = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
TEN_MIN = timedelta(minutes=10)


def test_healthy_feed_polls_at_its_interval_plus_jitter_never_earlier() -> None:
    assert next_poll_at(NOW, TEN_MIN, draw=0.0) == NOW + TEN_MIN
    latest = next_poll_at(NOW, TEN_MIN, draw=0.999)
    assert NOW + TEN_MIN < latest < NOW + TEN_MIN * 1.1


def test_failing_feed_backs_off_exponentially_up_to_a_cap_and_keeps_polling() -> None:
    delays = [next_poll_at(NOW, TEN_MIN, consecutive_errors=n) - NOW for n in range(1, 30)]
    assert delays[0] == timedelta(minutes=20)
    assert delays[1] == timedelta(minutes=40)
    assert delays == sorted(delays)
    assert max(delays) == FEED_BACKOFF_CAP


def test_backoff_cap_never_shortens_a_long_interval() -> None:
    day = timedelta(days=1)
    assert next_poll_at(NOW, day, consecutive_errors=3) - NOW == day


def test_retry_after_is_honoured_when_longer() -> None:
    wait = timedelta(hours=3)
    assert next_poll_at(NOW, TEN_MIN, retry_after=wait) == NOW + wait
    assert next_poll_at(NOW, TEN_MIN, retry_after=timedelta(seconds=5)) == NOW + TEN_MIN


def test_a_feed_the_server_calls_fresh_is_not_polled_before_then_within_bounds() -> None:
    half_hour = timedelta(minutes=30)
    assert next_poll_at(NOW, TEN_MIN, fresh_for=half_hour) == NOW + half_hour
    # Never sooner than the user's interval.
    assert next_poll_at(NOW, TEN_MIN, fresh_for=timedelta(seconds=30)) == NOW + TEN_MIN
    # At most four intervals: a minute's feed is not held back for a day.
    minute = timedelta(minutes=1)
    assert next_poll_at(NOW, minute, fresh_for=timedelta(days=1)) == NOW + 4 * minute
    # And at most an hour, unless the user's own interval is longer.
    assert next_poll_at(NOW, half_hour, fresh_for=timedelta(days=1)) == NOW + FRESH_HINT_CAP
    day = timedelta(days=1)
    assert next_poll_at(NOW, day, fresh_for=timedelta(days=7)) == NOW + day


def test_a_failing_feed_backs_off_by_its_errors_not_by_an_old_freshness_hint() -> None:
    backed_off = next_poll_at(NOW, TEN_MIN, consecutive_errors=1)
    hinted = next_poll_at(NOW, TEN_MIN, consecutive_errors=1, fresh_for=FRESH_HINT_CAP)
    assert hinted == backed_off == NOW + 2 * TEN_MIN


def test_first_polls_spread_over_a_minute_or_the_interval_if_shorter() -> None:
    assert first_poll_at(NOW, TEN_MIN, draw=0.5) == NOW + timedelta(seconds=30)
    assert first_poll_at(NOW, timedelta(seconds=2), draw=0.5) == NOW + timedelta(seconds=1)


def test_restart_keeps_a_stored_future_poll_and_its_backoff() -> None:
    stored = NOW + timedelta(minutes=40)
    assert resume_poll_at(NOW, TEN_MIN, stored, draw=0.5) == stored


def test_restart_spreads_polls_that_were_due_while_down() -> None:
    past = NOW - timedelta(hours=5)
    at = resume_poll_at(NOW, TEN_MIN, past, draw=0.5)
    assert NOW <= at <= NOW + timedelta(minutes=1)


def test_restart_clamps_an_absurd_stored_time() -> None:
    far = NOW + timedelta(days=30)
    assert resume_poll_at(NOW, TEN_MIN, far, draw=0.0) <= NOW + FEED_BACKOFF_CAP * 1.1


def test_delivery_retries_back_off_and_honour_retry_after() -> None:
    first = next_delivery_at(NOW, 1) - NOW
    second = next_delivery_at(NOW, 2) - NOW
    assert second == 2 * first
    assert next_delivery_at(NOW, 50) - NOW == DELIVERY_RETRY_CAP
    assert next_delivery_at(NOW, 50, retry_after=timedelta(seconds=7)) == NOW + timedelta(seconds=7)
