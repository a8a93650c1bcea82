"""Alerts posted to a Slack incoming webhook.

The webhook URL is a secret (anyone holding it can post to the channel): it
never appears in an error message, a ``repr`` or a chained exception; errors
name only its host.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import aiohttp

from monitor.errors import NotifyError
from monitor.http import parse_retry_after
from monitor.model import Message
from monitor.render import one_line, slack_payload, truncate

# Statuses worth repeating the same request for; any other non-2xx is permanent
# (Slack: 400 invalid_payload/invalid_token, 403 action_prohibited,
# 404 no_service/channel_not_found, 410 channel_is_archived).
_RETRYABLE = frozenset({408, 425, 429})
_BODY_READ = 1024  # Slack answers with a short error code; read no more than this


class SlackNotifier:
    """POSTs ``render.slack_payload`` to one incoming webhook.

    Does not own ``session``: ``aclose`` leaves it open for its other users.
    Does not follow redirects: the payload goes to the configured URL or nowhere.
    """

    def __init__(
        self,
        name: str,
        webhook_url: str,
        session: aiohttp.ClientSession,
        *,
        timeout: float = 20,
    ) -> None:
        self._name = name
        self._url = webhook_url
        self._session = session
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._host = urlsplit(webhook_url).hostname or "?"

    def __repr__(self) -> str:
        return f"SlackNotifier(name={self._name!r}, host={self._host!r})"

    @property
    def name(self) -> str:
        return self._name

    async def send(self, message: Message) -> None:
        try:
            async with self._session.post(
                self._url,
                json=slack_payload(message),
                timeout=self._timeout,
                allow_redirects=False,
            ) as response:
                if 200 <= response.status < 300:
                    return
                body = await response.content.read(_BODY_READ)
                retry_after = parse_retry_after(
                    response.headers.get("Retry-After"), datetime.now(UTC)
                )
                status = response.status
        # Not chained (``from None``): aiohttp's messages carry the secret URL.
        except TimeoutError:
            raise self._error("timed out", retryable=True) from None
        except aiohttp.InvalidURL:
            raise self._error("the webhook URL is invalid", retryable=False) from None
        except aiohttp.ClientError as e:
            raise self._error(type(e).__name__, retryable=True) from None
        retryable = status in _RETRYABLE or status >= 500
        raise self._error(
            f"HTTP {status} {self._describe(body)}".rstrip(),
            retryable=retryable,
            retry_after=retry_after,
        )

    def _describe(self, body: bytes) -> str:
        """Slack's error code from a response body, shortened and with the URL removed."""
        text = one_line(body.decode("utf-8", "replace"))
        path = urlsplit(self._url).path
        text = text.replace(self._url, "<webhook>")
        if len(path) > 1:
            text = text.replace(path, "<webhook>")
        return truncate(text, 100)

    def _error(
        self, what: str, *, retryable: bool, retry_after: timedelta | None = None
    ) -> NotifyError:
        return NotifyError(
            f"slack {self._name} ({self._host}): {what}",
            retryable=retryable,
            retry_after=retry_after,
        )

    async def aclose(self) -> None:
        """Nothing to release: the session is shared and closed by its owner."""
