"""Real local servers for tests: a fake Slack incoming webhook and an SMTP server.

Each server runs its own asyncio loop in a daemon thread, on 127.0.0.1 and a
port the OS picks, so it answers whether the test is async, blocks, or runs
the daemon as a subprocess. Use them as context managers or through the
fixtures in ``conftest.py``::

    with FakeSlack() as slack:
        slack.fail_next(429, retry_after=7)
        ...                      # POST to slack.url
        assert slack.received    # payloads Slack would have accepted

    with FakeSmtp(mode="starttls", auth=True, tls=make_tls_files(tmp_path)) as smtp:
        ...                      # send to smtp.host:smtp.port, trust smtp.client_context
        smtp.messages[0].message["Subject"]
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import secrets
import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType
from typing import Any, Literal, Self, TypeVar, cast

import trustme
from aiohttp import web
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

T = TypeVar("T")
HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (at the time of the call)."""
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class _LoopThread:
    """An asyncio event loop running in a daemon thread."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 10) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self) -> None:
        self.run(_cancel_others())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


class _InThread:
    """Start and stop a server whose ``_start`` and ``_stop`` run in its own loop thread."""

    _thread: _LoopThread | None = None

    async def _start(self) -> None:
        raise NotImplementedError

    async def _stop(self) -> None:
        raise NotImplementedError

    def start(self) -> Self:
        self._thread = _LoopThread(type(self).__name__)
        self._thread.run(self._start())
        return self

    def stop(self) -> None:
        if self._thread is not None:
            self._thread.run(self._stop())
            self._thread.close()
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


async def _cancel_others() -> None:
    """Cancel every task of the running loop but this one (open client connections)."""
    others = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)


async def _wait_until(done: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not done():
        if time.monotonic() > deadline:
            raise TimeoutError(f"condition not met within {timeout}s")
        await asyncio.sleep(0.02)


# -- Slack ----------------------------------------------------------------------


def _check_text(obj: object, *, limit: int, kinds: tuple[str, ...]) -> None:
    if not isinstance(obj, dict) or obj.get("type") not in kinds:
        raise ValueError(f"text object must be one of {kinds}")
    text = obj.get("text")
    if not isinstance(text, str) or not text or len(text) > limit:
        raise ValueError(f"text must be 1..{limit} characters")


def _check_block(block: object) -> None:
    if not isinstance(block, dict):
        raise ValueError("block is not an object")
    kind = block.get("type")
    if kind == "header":
        _check_text(block.get("text"), limit=150, kinds=("plain_text",))
    elif kind == "section":
        fields = block.get("fields")
        if "text" in block or fields is None:
            _check_text(block.get("text"), limit=3000, kinds=("plain_text", "mrkdwn"))
        if fields is not None:
            if not isinstance(fields, list) or len(fields) > 10:
                raise ValueError("section fields: at most 10")
            for field in fields:
                _check_text(field, limit=2000, kinds=("plain_text", "mrkdwn"))
    elif kind == "context":
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= 10:
            raise ValueError("context: 1..10 elements")
        for element in elements:
            _check_text(element, limit=3000, kinds=("plain_text", "mrkdwn"))
    elif kind != "divider":
        raise ValueError(f"unsupported block type {kind!r}")


def validate_slack_payload(payload: object) -> None:
    """Raise ``ValueError`` for a payload Slack's incoming webhook would refuse."""
    if not isinstance(payload, dict):
        raise ValueError("payload is not an object")
    text, blocks = payload.get("text"), payload.get("blocks")
    if not text and not blocks:
        raise ValueError("no text and no blocks")
    if text is not None and not isinstance(text, str):
        raise ValueError("text is not a string")
    if blocks is not None:
        if not isinstance(blocks, list) or len(blocks) > 50:
            raise ValueError("blocks: a list of at most 50")
        for block in blocks:
            _check_block(block)


@dataclass(frozen=True)
class _Failure:
    status: int
    retry_after: int | None
    body: str


_FAILURE_BODIES = {429: "rate_limited", 500: "rollup_error", 503: "service_unavailable"}


class FakeSlack(_InThread):
    """A Slack incoming webhook at ``url``, answering like Slack does.

    200 ``ok`` and the payload appended to ``received`` for a valid payload;
    400 ``invalid_payload`` (recorded in ``rejected`` with the reason) for a
    body that is not JSON or breaks a Block Kit limit; 404 ``no_service`` for
    any other path. ``fail_next`` scripts the next answers. ``requests``
    counts every POST to the webhook.
    """

    def __init__(self) -> None:
        self.secret = secrets.token_hex(12)
        self.url = ""
        self.received: list[dict[str, Any]] = []
        self.rejected: list[str] = []
        self.requests = 0
        self._script: deque[_Failure] = deque()
        self._lock = threading.Lock()
        self._runner: web.AppRunner | None = None

    def fail_next(
        self, status: int, times: int = 1, retry_after: int | None = None, body: str | None = None
    ) -> None:
        """Answer the next ``times`` webhook POSTs with ``status`` (and ``Retry-After``)."""
        failure = _Failure(status, retry_after, body or _FAILURE_BODIES.get(status, "error"))
        with self._lock:
            self._script.extend([failure] * times)

    async def wait_for(self, count: int = 1, timeout: float = 10) -> None:
        """Wait until at least ``count`` payloads were accepted."""
        await _wait_until(lambda: len(self.received) >= count, timeout)

    async def _handle(self, request: web.Request) -> web.Response:
        if request.path != f"/services/{self.secret}":
            return web.Response(status=404, text="no_service")
        with self._lock:
            self.requests += 1
            failure = self._script.popleft() if self._script else None
        if failure is not None:
            headers = {}
            if failure.retry_after is not None:
                headers["Retry-After"] = str(failure.retry_after)
            return web.Response(status=failure.status, text=failure.body, headers=headers)
        try:
            payload = json.loads(await request.read())
            validate_slack_payload(payload)
        except ValueError as e:  # json.JSONDecodeError and UnicodeDecodeError included
            self.rejected.append(str(e))
            return web.Response(status=400, text="invalid_payload")
        self.received.append(cast(dict[str, Any], payload))
        return web.Response(text="ok")

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, HOST, 0).start()
        port = self._runner.addresses[0][1]
        self.url = f"http://{HOST}:{port}/services/{self.secret}"

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()


# -- SMTP -----------------------------------------------------------------------


@dataclass(frozen=True)
class TlsFiles:
    """A certificate for 127.0.0.1 and localhost, its key, and the test CA that signed it."""

    cert: Path
    key: Path
    ca: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert, self.key)
        return context

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts the test CA and nothing else."""
        return ssl.create_default_context(cafile=str(self.ca))


def make_tls_files(directory: Path) -> TlsFiles:
    """Issue a certificate from a throwaway CA (trustme: no network, no openssl CLI)."""
    ca = trustme.CA()
    leaf = ca.issue_cert("localhost", "127.0.0.1")
    files = TlsFiles(directory / "cert.pem", directory / "key.pem", directory / "ca.pem")
    files.cert.write_bytes(b"".join(pem.bytes() for pem in leaf.cert_chain_pems))
    leaf.private_key_pem.write_to_path(str(files.key))
    ca.cert_pem.write_to_path(str(files.ca))
    return files


@dataclass(frozen=True)
class Received:
    """One message the fake SMTP server accepted, with its envelope."""

    message: EmailMessage
    mail_from: str
    rcpt_tos: tuple[str, ...]


class _Recorder:
    """The aiosmtpd handler: refuses scripted recipients, records every message."""

    def __init__(self, owner: FakeSmtp) -> None:
        self._owner = owner

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        reply = self._owner.refusals.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_MAIL(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self._owner.auth and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        self._owner.messages.append(
            Received(message, envelope.mail_from or "", tuple(envelope.rcpt_tos))
        )
        return "250 Message accepted"


class FakeSmtp(_InThread):
    """An aiosmtpd server at ``host``:``port`` recording what it accepts in ``messages``.

    ``mode``: ``plain`` (no TLS), ``starttls`` (offers and requires STARTTLS)
    or ``tls`` (TLS from the first byte); both TLS modes need ``tls``.
    ``auth``: require AUTH (PLAIN or LOGIN) as ``USER``/``PASSWORD``; aiosmtpd
    offers AUTH only over TLS, so ``auth`` needs a TLS mode.
    ``refuse(address, reply)`` makes RCPT TO for that address fail.
    """

    USER = "monitor"
    PASSWORD = "correct horse battery staple"

    def __init__(
        self,
        *,
        mode: Literal["plain", "starttls", "tls"] = "plain",
        auth: bool = False,
        tls: TlsFiles | None = None,
    ) -> None:
        if mode != "plain" and tls is None:
            raise ValueError(f"mode {mode!r} needs tls files")
        if auth and mode == "plain":
            raise ValueError("aiosmtpd offers AUTH only over TLS")
        self.host = HOST
        self.port = 0
        self.mode = mode
        self.auth = auth
        self.messages: list[Received] = []
        self.refusals: dict[str, str] = {}
        self.logins: list[str] = []
        self.client_context = tls.client_context() if tls else None
        self._server_context = tls.server_context() if tls else None
        self._server: asyncio.Server | None = None
        self._connections: list[SMTP] = []

    def refuse(self, address: str, reply: str = "550 5.1.1 No such user") -> None:
        self.refusals[address.lower()] = reply

    async def wait_for(self, count: int = 1, timeout: float = 10) -> None:
        """Wait until at least ``count`` messages were accepted."""
        await _wait_until(lambda: len(self.messages) >= count, timeout)

    def _authenticate(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: object
    ) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            self.USER.encode(),
            self.PASSWORD.encode(),
        )
        if ok:
            self.logins.append(self.USER)
        return AuthResult(success=ok, handled=False)

    def _protocol(self) -> SMTP:
        starttls = self.mode == "starttls"
        protocol = SMTP(
            _Recorder(self),
            hostname="fake-smtp.test",
            loop=asyncio.get_running_loop(),
            tls_context=self._server_context if starttls else None,
            require_starttls=starttls,
            authenticator=self._authenticate if self.auth else None,
            # aiosmtpd cannot see TLS it did not start itself: with implicit TLS it
            # must be told not to wait for STARTTLS before offering AUTH, and
            # ``_Recorder`` requires the login (aiosmtpd warns against doing that
            # with its own ``auth_required`` once ``auth_require_tls`` is off).
            auth_require_tls=self.mode != "tls",
            auth_required=self.auth and self.mode != "tls",
        )
        self._connections.append(protocol)
        return protocol

    async def _start(self) -> None:
        loop = asyncio.get_running_loop()
        ssl_context = self._server_context if self.mode == "tls" else None
        self._server = await loop.create_server(self._protocol, HOST, 0, ssl=ssl_context)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def _stop(self) -> None:
        """Stop listening, then close every connection and wait until they are gone.

        Stopping the loop with a socket still closing would leak it (a
        ResourceWarning in some later test).
        """
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
        for protocol in self._connections:
            if protocol.transport is not None:
                protocol.transport.close()
        await _wait_until(lambda: all(p.transport is None for p in self._connections), 5)
        await asyncio.sleep(0.01)  # the closed sockets' last callbacks

    async def __aenter__(self) -> Self:
        return self.start()

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Stop, after letting the caller's loop finish closing its side of every connection.

        A client that gives up on a TLS connection (a refused login, say) closes
        it asynchronously; were the caller's loop closed first, its socket
        would leak.
        """
        await self.wait_idle()
        self.stop()

    async def wait_idle(self, timeout: float = 5) -> None:
        """Wait until no client is connected, then give the caller's loop a moment."""
        await _wait_until(lambda: all(p.transport is None for p in self._connections), timeout)
        await asyncio.sleep(0.02)
