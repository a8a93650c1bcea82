"""The one exception hierarchy of monitor.

    MonitorError
    ├── ConfigError          the config cannot be used; carries every problem found
    ├── FeedError            one feed or story failed; the daemon goes on
    │   ├── FetchError       network, HTTP status, size cap, refused address
    │   ├── ParseError       the bytes are not a feed
    │   └── ExtractError     the page yields no article text
    ├── NotifyError          a delivery failed; ``retryable`` and ``retry_after`` say what next
    └── StoreError           the SQLite store failed

Third-party exceptions are translated into these at the edge module that calls
the library (``http``, ``feeds``, ``extract``, ``notify.*``, ``store``), always
chained with ``from``. Expected outcomes (a 304 Not Modified, a story seen
before) are values, not exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


class MonitorError(Exception):
    """Root of every error monitor raises on purpose."""


@dataclass(frozen=True, slots=True)
class ConfigIssue:
    """One problem in a config file: where it is and what is wrong."""

    path: str  # dotted key path, e.g. "rules[2].any[0]"; "" for the whole file
    line: int | None  # 1-based line in the YAML file, when known
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}: " if self.line is not None else ""
        key = f"{self.path}: " if self.path else ""
        return f"{where}{key}{self.message}"


class ConfigError(MonitorError):
    """The config is invalid; ``issues`` lists every problem at once."""

    def __init__(self, source: str, issues: list[ConfigIssue]) -> None:
        self.source = source
        self.issues = tuple(issues)
        lines = "\n".join(f"  {issue}" for issue in self.issues)
        count = len(self.issues)
        super().__init__(f"{source}: {count} error{'s' if count != 1 else ''}\n{lines}")


class FeedError(MonitorError):
    """A feed or one of its stories could not be processed."""


class FetchError(FeedError):
    """An HTTP fetch failed: connection, status, size cap or a refused address."""

    def __init__(
        self, message: str, *, status: int | None = None, retry_after: timedelta | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


class ParseError(FeedError):
    """The fetched bytes are not a usable RSS or Atom feed."""


class ExtractError(FeedError):
    """No article text could be extracted from a page."""


class NotifyError(MonitorError):
    """A delivery failed.

    ``retryable`` is False for failures that repeating cannot fix (a rejected
    payload, a wrong webhook URL, a refused login); ``retry_after`` carries the
    server's own wait when it gave one.
    """

    def __init__(
        self, message: str, *, retryable: bool, retry_after: timedelta | None = None
    ) -> None:
        super().__init__(message)
        self.retryable = retryable
        self.retry_after = retry_after


class StoreError(MonitorError):
    """The SQLite store failed or holds a schema newer than this program."""


class SetupError(MonitorError):
    """The installation lacks something monitor needs at run time: a data file
    or a library's dictionary. Reinstalling the package restores it."""
