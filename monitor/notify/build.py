"""Notifiers from their config: one ``Notifier`` per name in ``notifiers:``."""

from __future__ import annotations

from collections.abc import Mapping

import aiohttp

from monitor.config import (
    ConsoleNotifierConfig,
    EmailNotifierConfig,
    NotifierConfig,
    SlackNotifierConfig,
)
from monitor.notify import Notifier
from monitor.notify.console import ConsoleNotifier
from monitor.notify.email import EmailNotifier
from monitor.notify.slack import SlackNotifier


def build_notifiers(
    configs: Mapping[str, NotifierConfig], session: aiohttp.ClientSession
) -> dict[str, Notifier]:
    return {name: build_notifier(config, session) for name, config in configs.items()}


def build_notifier(config: NotifierConfig, session: aiohttp.ClientSession) -> Notifier:
    if isinstance(config, ConsoleNotifierConfig):
        return ConsoleNotifier(config.name)
    if isinstance(config, SlackNotifierConfig):
        return SlackNotifier(config.name, config.webhook.get_secret_value(), session)
    if isinstance(config, EmailNotifierConfig):
        return EmailNotifier(
            config.name,
            host=config.host,
            port=config.port,
            security=config.security,
            username=config.username,
            password=config.password.get_secret_value() if config.password else None,
            sender=config.sender,
            to=config.to,
        )
    raise TypeError(f"unknown notifier config {type(config).__name__}")  # pragma: no cover
