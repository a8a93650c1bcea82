"""Shared fixtures: real local servers (see ``tests/servers.py``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from servers import FakeSlack, FakeSmtp, TlsFiles, make_tls_files


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A self-signed certificate for 127.0.0.1/localhost, made once per session."""
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture
def fake_slack() -> Iterator[FakeSlack]:
    """A running fake Slack incoming webhook; POST to ``fake_slack.url``."""
    with FakeSlack() as slack:
        yield slack


# The SMTP fixtures are async so that, before the test's loop closes, they can
# wait for clients to finish closing their connections (see FakeSmtp.__aexit__).


@pytest.fixture
async def fake_smtp() -> AsyncIterator[FakeSmtp]:
    """A running plain SMTP server: no TLS, no AUTH."""
    async with FakeSmtp() as smtp:
        yield smtp


@pytest.fixture
async def fake_smtp_starttls_auth(tls_files: TlsFiles) -> AsyncIterator[FakeSmtp]:
    """An SMTP server that requires STARTTLS, then AUTH as ``FakeSmtp.USER``/``PASSWORD``.

    Trust its certificate with ``tls_context=fake_smtp_starttls_auth.client_context``.
    """
    async with FakeSmtp(mode="starttls", auth=True, tls=tls_files) as smtp:
        yield smtp


@pytest.fixture
async def fake_smtp_tls_auth(tls_files: TlsFiles) -> AsyncIterator[FakeSmtp]:
    """An SMTP server speaking TLS from the first byte (SMTPS), requiring AUTH."""
    async with FakeSmtp(mode="tls", auth=True, tls=tls_files) as smtp:
        yield smtp
