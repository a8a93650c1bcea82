"""The parts of a running daemon that are built from its config, and rebuilt on reload:
the HTTP client, the notifiers, the compiled rules, the delivery pacing.

Also the pure comparison of two configs' feeds, which tells the daemon what to
schedule, unschedule or reschedule when a reload changes the feed list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass

from monitor.config import Config, EmailNotifierConfig, FeedConfig
from monitor.delivery import Dispatcher, Pacing
from monitor.http import AddressPolicy, HttpClient
from monitor.notify import Notifier
from monitor.notify.build import build_notifiers
from monitor.pipeline import Routing
from monitor.rules import RuleSet


@dataclass(frozen=True, slots=True)
class FeedChanges:
    added: tuple[FeedConfig, ...] = ()
    removed: tuple[str, ...] = ()
    moved: tuple[FeedConfig, ...] = ()  # same name, new URL: its state starts afresh
    retimed: tuple[FeedConfig, ...] = ()  # same name and URL, new interval


def feed_changes(old: Mapping[str, FeedConfig], new: Sequence[FeedConfig]) -> FeedChanges:
    """What changed between the running feeds and a new config's, by feed name."""
    names = {feed.name for feed in new}
    kept = [feed for feed in new if feed.name in old]
    return FeedChanges(
        added=tuple(feed for feed in new if feed.name not in old),
        removed=tuple(name for name in old if name not in names),
        moved=tuple(feed for feed in kept if feed.url != old[feed.name].url),
        retimed=tuple(
            feed
            for feed in kept
            if feed.url == old[feed.name].url and feed.interval != old[feed.name].interval
        ),
    )


def routing_for(config: Config) -> Routing:
    return Routing(
        rules=RuleSet.compile(config.rules, config.entities),
        notify={rule.name: tuple(rule.notify) for rule in config.rules},
    )


def pacing_for(config: Config) -> dict[str, Pacing]:
    return {
        name: Pacing(quiet_hours=notifier.quiet_hours, digest=notifier.digest)
        for name, notifier in config.notifiers.items()
        if isinstance(notifier, EmailNotifierConfig)
    }


def address_policy(config: Config) -> AddressPolicy:
    """Where links found inside feeds may go beyond the public internet: only what
    ``http.allow_private`` allows. (Feeds and webhooks the user configured are
    fetched without this guard.)"""
    return AddressPolicy.from_allowed(config.http.allow_private)


def build_http(config: Config) -> HttpClient:
    return HttpClient(
        user_agent=config.http.user_agent,
        timeout=config.http.timeout,
        max_body=config.http.max_body,
        concurrency=config.http.concurrency,
        per_host=config.http.per_host,
        policy=address_policy(config),
    )


@dataclass(slots=True)
class Runtime:
    config: Config
    http: HttpClient
    routing: Routing
    notifiers: dict[str, Notifier]
    pacing: dict[str, Pacing]

    @classmethod
    def build(cls, config: Config, http: HttpClient) -> Runtime:
        return cls(
            config=config,
            http=http,
            routing=routing_for(config),
            notifiers=build_notifiers(config.notifiers, http.session),
            pacing=pacing_for(config),
        )

    def rebuild(self, config: Config) -> Runtime:
        """The runtime for ``config``, keeping the HTTP client (and its connection pool)
        unless the ``http:`` settings changed."""
        if config.http == self.config.http:
            self.http.policy = address_policy(config)
            return Runtime.build(config, self.http)
        return Runtime.build(config, build_http(config))

    def apply_to(self, dispatcher: Dispatcher) -> None:
        dispatcher.notifiers = self.notifiers
        dispatcher.pacing = self.pacing
        dispatcher.admin = tuple(self.config.defaults.admin)

    async def aclose_notifiers(self) -> None:
        for notifier in self.notifiers.values():
            with suppress(Exception):  # closing is best effort; none holds a connection
                await notifier.aclose()

    async def aclose(self) -> None:
        await self.aclose_notifiers()
        await self.http.aclose()
