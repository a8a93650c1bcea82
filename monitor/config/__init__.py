"""config.yaml → frozen, validated ``Config`` (DESIGN §2 is the contract).

``load``/``parse`` read the YAML with a loader that remembers the line of every
key, substitute ``${NAME}`` references (the environment, else the file
``$CREDENTIALS_DIRECTORY/NAME``), and validate with pydantic. Every problem —
YAML types, unknown keys, bad durations or terms, unknown notifier/feed/tag
references, duplicate names, missing secrets — is collected and raised as one
``ConfigError`` whose issues carry the dotted key path and the 1-based line.
Secret values never appear in an error message or a ``repr``.

Scalars follow YAML 1.2: ``yes``/``no``/``on``/``off``, ``1:30`` and dates stay
strings, so a term such as ``NO`` (Norway) is not read as ``False``.
"""

from monitor.config.loading import StoreLocation, load, locate_store, parse
from monitor.config.models import (
    Config,
    ConsoleNotifierConfig,
    Defaults,
    EmailNotifierConfig,
    ExtractSettings,
    FeedConfig,
    HttpSettings,
    NotifierConfig,
    RuleConfig,
    SlackNotifierConfig,
    TermGroup,
    TermNode,
)
from monitor.units import QuietHours

__all__ = [
    "Config",
    "ConsoleNotifierConfig",
    "Defaults",
    "EmailNotifierConfig",
    "ExtractSettings",
    "FeedConfig",
    "HttpSettings",
    "NotifierConfig",
    "QuietHours",
    "RuleConfig",
    "SlackNotifierConfig",
    "StoreLocation",
    "TermGroup",
    "TermNode",
    "load",
    "locate_store",
    "parse",
]
