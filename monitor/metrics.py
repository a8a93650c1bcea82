"""The daemon's Prometheus metrics, behind small typed methods.

The pipeline, the dispatcher and the daemon report what happened
(``poll_finished``, ``delivered``, ...); this module owns the names, labels
and buckets, so a metric is renamed in one place. It does not serve anything
(``health.HealthServer`` does) and it never raises at its callers: a metric
must not be able to fail a poll.

Each ``Metrics`` owns its own ``CollectorRegistry`` rather than the
process-global default one: tests build many instances, and two daemons in
one process (tests again) must not share counters.

Label choices, so that cardinality stays bounded by the user's config:

- ``feed``, ``rule`` and ``notifier`` are config names; series of a name
  that leaves the config on reload are removed (``configure``/``forget_*``).
- Poll errors are ``polls_total{result="error"}``, not a second counter: the
  error ratio is then one division of the same family, and two counters
  bumped at the same place could only drift apart.
- The histograms carry no ``feed`` label: with thousands of feeds, a dozen
  buckets each would dwarf every other series. Per-feed trouble shows in
  ``feed_consecutive_errors`` and in ``monitor feeds``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Final, Literal, get_args

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

PollOutcome = Literal["ok", "not_modified", "error"]
POLL_OUTCOMES: Final[tuple[PollOutcome, ...]] = get_args(PollOutcome)
FailureKind = Literal["retry", "dead"]
FAILURE_KINDS: Final[tuple[FailureKind, ...]] = get_args(FailureKind)

# The classic text format: what ``generate_latest`` writes (legacy-escaped
# names) and what every Prometheus version reads. Not prometheus_client's
# CONTENT_TYPE_LATEST, whose value moved to version=1.0.0 in recent releases.
CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"

# One poll is a feed fetch plus, for new entries, page fetches and extraction:
# from a 304 in tens of milliseconds to minutes for a big first poll behind
# per-host limits. The top buckets sit around the HTTP timeout (default 20s).
POLL_BUCKETS: Final = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)
# trafilatura takes ~10ms-1s on a page; the wait for a free worker is included
# (it is measured in the parent), so the tail shows a saturated pool.
EXTRACTION_BUCKETS: Final = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class Metrics:
    """Counters, gauges and histograms of one daemon, in a registry of its own."""

    def __init__(self) -> None:
        # Long, but only declarations: the one place to read every name and label.
        self.registry = CollectorRegistry(auto_describe=True)
        self._feeds: set[str] = set()
        self._rules: set[str] = set()
        self._notifiers: set[str] = set()
        ns, reg = "monitor", self.registry
        self._polls = Counter(
            "polls_total",
            "Polls of a feed by outcome (ok, not_modified, error).",
            ["feed", "result"],
            namespace=ns,
            registry=reg,
        )
        self._stories = Counter(
            "stories_new_total",
            "Entries seen for the first time.",
            ["feed"],
            namespace=ns,
            registry=reg,
        )
        self._matches = Counter(
            "matches_total",
            "Stories a rule matched (a story matched by two rules counts for both).",
            ["rule"],
            namespace=ns,
            registry=reg,
        )
        self._deliveries = Counter(
            "deliveries_total",
            "Alerts a notifier accepted.",
            ["notifier"],
            namespace=ns,
            registry=reg,
        )
        self._delivery_failures = Counter(
            "delivery_failures_total",
            "Failed sends: kind=retry will be tried again, kind=dead became a dead letter.",
            ["notifier", "kind"],
            namespace=ns,
            registry=reg,
        )
        self._backlog = Gauge(
            "outbox_backlog",
            "Deliveries owed and not yet made (dead letters excluded).",
            namespace=ns,
            registry=reg,
        )
        self._feed_count = Gauge(
            "feeds", "Feeds in the current config.", namespace=ns, registry=reg
        )
        self._feed_errors = Gauge(
            "feed_consecutive_errors",
            "Failed polls in a row; 0 once the feed answers again.",
            ["feed"],
            namespace=ns,
            registry=reg,
        )
        self._loop_lag = Gauge(
            "event_loop_lag_seconds",
            "How late the event loop woke a timer, worst of the probe's recent window.",
            namespace=ns,
            registry=reg,
        )
        self._poll_seconds = Histogram(
            "poll_duration_seconds",
            "Wall time of one whole poll of one feed.",
            namespace=ns,
            registry=reg,
            buckets=POLL_BUCKETS,
        )
        self._extraction_seconds = Histogram(
            "extraction_duration_seconds",
            "Wall time of one page's extraction, pool wait included.",
            namespace=ns,
            registry=reg,
            buckets=EXTRACTION_BUCKETS,
        )

    # -- the config: which label values exist --------------------------------

    def configure(
        self, *, feeds: Collection[str], rules: Collection[str], notifiers: Collection[str]
    ) -> None:
        """Declare the config's names, at start and after every reload.

        New names get their series at 0 now, so the first event is an increase
        that ``rate()`` sees rather than the birth of a series it cannot see.
        Names that left the config lose their series, so dashboards do not
        show a removed feed frozen at its last value forever.
        """
        for feed in self._feeds - set(feeds):
            self.forget_feed(feed)
        for rule in self._rules - set(rules):
            self._matches.remove(rule)
        for notifier in self._notifiers - set(notifiers):
            self._forget_notifier(notifier)
        for feed in set(feeds) - self._feeds:
            for outcome in POLL_OUTCOMES:
                self._polls.labels(feed, outcome)
            self._stories.labels(feed)
            self._feed_errors.labels(feed).set(0)
        for rule in set(rules) - self._rules:
            self._matches.labels(rule)
        for notifier in set(notifiers) - self._notifiers:
            self._deliveries.labels(notifier)
            for kind in FAILURE_KINDS:
                self._delivery_failures.labels(notifier, kind)
        self._feeds, self._rules, self._notifiers = set(feeds), set(rules), set(notifiers)
        self._feed_count.set(len(self._feeds))

    def forget_feed(self, feed: str) -> None:
        """Remove every series labelled with ``feed``. Unknown names are ignored
        (prometheus_client's ``remove`` is a no-op for an absent series)."""
        for outcome in POLL_OUTCOMES:
            self._polls.remove(feed, outcome)
        self._stories.remove(feed)
        self._feed_errors.remove(feed)
        if feed in self._feeds:
            self._feeds.discard(feed)
            self._feed_count.set(len(self._feeds))

    def _forget_notifier(self, notifier: str) -> None:
        self._deliveries.remove(notifier)
        for kind in FAILURE_KINDS:
            self._delivery_failures.remove(notifier, kind)

    # -- events ---------------------------------------------------------------

    def poll_finished(
        self, feed: str, result: PollOutcome, seconds: float, *, consecutive_errors: int
    ) -> None:
        """One poll of ``feed`` ended; ``consecutive_errors`` is the feed's new count."""
        self._polls.labels(feed, result).inc()
        self._poll_seconds.observe(max(seconds, 0.0))
        self._feed_errors.labels(feed).set(consecutive_errors)

    def stories_new(self, feed: str, count: int = 1) -> None:
        if count > 0:
            self._stories.labels(feed).inc(count)

    def matched(self, rules: Sequence[str]) -> None:
        """One story matched ``rules``; each distinct rule counts once."""
        for rule in dict.fromkeys(rules):
            self._matches.labels(rule).inc()

    def delivered(self, notifier: str) -> None:
        self._deliveries.labels(notifier).inc()

    def delivery_failed(self, notifier: str, *, dead: bool) -> None:
        kind: FailureKind = "dead" if dead else "retry"
        self._delivery_failures.labels(notifier, kind).inc()

    def extraction_took(self, seconds: float) -> None:
        self._extraction_seconds.observe(max(seconds, 0.0))

    def set_backlog(self, pending: int) -> None:
        self._backlog.set(pending)

    def set_loop_lag(self, seconds: float) -> None:
        self._loop_lag.set(seconds)

    # -- reading ----------------------------------------------------------------

    def exposition(self) -> tuple[bytes, str]:
        """The Prometheus text format of every metric, and its content type."""
        return generate_latest(self.registry), CONTENT_TYPE
