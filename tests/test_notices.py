from dataclasses import replace
from datetime import UTC, datetime

from monitor.model import FeedState
from monitor.notices import FAILURES_BEFORE_NOTICE, feed_notice

NOW = datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
HEALTHY = FeedState(name="desk", url="https://example.org/rss", configured_url="")


def failing(n: int) -> FeedState:
    return replace(HEALTHY, consecutive_errors=n, last_status="HTTP 503 from example.org")


def test_one_notice_when_a_feed_reaches_the_failure_threshold() -> None:
    notices = [
        feed_notice(failing(n - 1), failing(n), NOW) for n in range(1, 3 * FAILURES_BEFORE_NOTICE)
    ]
    sent = [n for n in notices if n is not None]
    assert len(sent) == 1
    assert sent[0].subject == "feed desk is failing"
    assert "HTTP 503" in sent[0].body


def test_one_notice_when_it_recovers_but_not_after_a_blip() -> None:
    recovered = feed_notice(failing(FAILURES_BEFORE_NOTICE + 3), HEALTHY, NOW)
    assert recovered is not None
    assert recovered.subject == "feed desk recovered"
    assert feed_notice(failing(1), HEALTHY, NOW) is None


def test_a_gone_feed_is_reported_once() -> None:
    gone = replace(failing(1), gone=True)
    notice = feed_notice(HEALTHY, gone, NOW)
    assert notice is not None
    assert "410" in notice.body
    assert feed_notice(gone, gone, NOW) is None
