"""Alerts sent as email through an SMTP server (aiosmtplib).

One message per alert, ``multipart/alternative`` from ``render.email_message``,
with a Message-ID fixed per story and notifier so that a resend is shown once.
Credentials are only ever sent over TLS, and the password never appears in an
error message.
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from email.utils import parseaddr
from typing import Literal

import aiosmtplib

from monitor.errors import NotifyError
from monitor.model import Message, message_key
from monitor.render import email_message, message_id_for, one_line, truncate

log = logging.getLogger(__name__)

Security = Literal["starttls", "tls", "none"]
FALLBACK_DOMAIN = "monitor.invalid"  # for Message-IDs when the sender has no usable domain


def _is_retryable(code: int) -> bool:
    """SMTP replies: 4xx is transient, 5xx permanent (RFC 5321, 4.2.1)."""
    return code < 500


def _cert_problem(error: BaseException) -> bool:
    return any(isinstance(e, ssl.SSLCertVerificationError) for e in (error, error.__cause__))


def message_domain(sender: str) -> str:
    """The domain of ``sender``'s address, valid in a Message-ID, else ``FALLBACK_DOMAIN``."""
    domain = parseaddr(sender)[1].rpartition("@")[2]
    try:
        message_id_for("x", "x", domain)
    except ValueError:
        return FALLBACK_DOMAIN
    return domain


class EmailNotifier:
    """Sends each alert as one email to ``to``, opening one SMTP connection per send.

    ``security``: ``tls`` connects with TLS (usually port 465); ``starttls``
    requires the server to upgrade (a server that does not offer STARTTLS is a
    permanent error, never a fallback to clear text); ``none`` sends in clear
    and so refuses credentials. ``tls_context`` replaces the default trust
    store, e.g. to trust a test server's self-signed certificate.
    """

    def __init__(
        self,
        name: str,
        *,
        host: str,
        port: int,
        security: Security,
        username: str | None,
        password: str | None,
        sender: str,
        to: Sequence[str],
        timeout: float = 30,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        if security == "none" and (username is not None or password is not None):
            raise ValueError(f"email {name}: refusing to send SMTP credentials without TLS")
        if not to:
            raise ValueError(f"email {name}: no recipients")
        self._name = name
        self._host = host
        self._port = port
        self._security = security
        self._username = username
        self._password = password
        self._sender = sender
        self._to = tuple(to)
        self._timeout = timeout
        self._tls_context = tls_context
        self._domain = message_domain(sender)

    def __repr__(self) -> str:
        return f"EmailNotifier(name={self._name!r}, smtp={self._host}:{self._port})"

    @property
    def name(self) -> str:
        return self._name

    async def send(self, message: Message) -> None:
        key = message_key(message)
        mail = email_message(
            message,
            sender=self._sender,
            to=self._to,
            message_id=message_id_for(key, self._name, self._domain),
        )
        with self._errors():
            refused, _ = await aiosmtplib.send(
                mail,
                hostname=self._host,
                port=self._port,
                username=self._username,
                password=self._password,
                use_tls=self._security == "tls",
                start_tls=self._security == "starttls",
                tls_context=self._tls_context,
                timeout=self._timeout,
            )
        if refused:
            # Some recipients have the mail: a retry would send it to them again.
            log.warning(
                "some recipients refused the mail; the others have it",
                extra={
                    "notifier": self._name,
                    "mail": key,
                    "refused": ",".join(sorted(refused)),
                },
            )

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """Translate aiosmtplib's and the network's exceptions into NotifyError."""
        try:
            yield
        except aiosmtplib.SMTPRecipientsRefused as e:
            replies = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in e.recipients)
            retryable = any(_is_retryable(r.code) for r in e.recipients)
            raise self._error(f"all recipients refused: {replies}", retryable) from e
        except aiosmtplib.SMTPResponseException as e:
            what = (
                "login refused" if isinstance(e, aiosmtplib.SMTPAuthenticationError) else "refused"
            )
            raise self._error(f"{what}: {e.code} {e.message}", _is_retryable(e.code)) from e
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPServerDisconnected, OSError) as e:
            if _cert_problem(e):
                raise self._error(f"TLS certificate not trusted: {e}", retryable=False) from e
            raise self._error(f"connection failed: {e}", retryable=True) from e
        except TimeoutError as e:  # aiosmtplib's timeouts are TimeoutErrors too
            raise self._error(f"timed out: {e}", retryable=True) from e
        except aiosmtplib.SMTPException as e:  # no STARTTLS, no AUTH: the setup is wrong
            raise self._error(e.message, retryable=False) from e

    def _error(self, what: str, retryable: bool) -> NotifyError:
        if self._password:
            what = what.replace(self._password, "***")
        text = truncate(one_line(what), 500)
        return NotifyError(
            f"email {self._name} ({self._host}:{self._port}): {text}", retryable=retryable
        )

    async def aclose(self) -> None:
        """Nothing to release: each send opens and closes its own connection."""
