"""Notifiers against real local servers: the fake Slack webhook and aiosmtpd."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import pytest
from servers import FakeSlack, FakeSmtp, TlsFiles, free_port

from monitor.errors import NotifyError
from monitor.model import Alert, Match, TextSource
from monitor.notify import Notifier
from monitor.notify.console import ConsoleNotifier
from monitor.notify.email import EmailNotifier, Security
from monitor.notify.slack import SlackNotifier
from monitor.render import console_line, slack_payload

FOUND = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)


def make_alert(matches: int = 1, title: str = "Taliban delegation visits Kazan") -> Alert:
    return Alert(
        story_id=42,
        feed="moscow-times",
        title=title,
        url="https://example.org/news/1",
        found_at=FOUND,
        published_at=None,
        matches=tuple(
            Match(f"rule-{i}", ("Taliban",), ("The Taliban came to Kazan.",))
            for i in range(matches)
        ),
        text_source=TextSource.ARTICLE,
    )


async def send_error(notifier: Notifier, alert: Alert | None = None) -> NotifyError:
    with pytest.raises(NotifyError) as caught:
        await notifier.send(alert or make_alert())
    return caught.value


# -- console --------------------------------------------------------------------


async def test_console_writes_one_line_per_alert() -> None:
    stream = io.StringIO()
    notifier = ConsoleNotifier(stream=stream)
    await notifier.send(make_alert())
    await notifier.aclose()
    assert notifier.name == "console"
    assert stream.getvalue() == console_line(make_alert()) + "\n"


async def test_console_on_a_closed_stream_is_a_notify_error() -> None:
    stream = io.StringIO()
    stream.close()
    error = await send_error(ConsoleNotifier("out", stream))
    assert error.retryable


async def test_console_defaults_to_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    await ConsoleNotifier().send(make_alert())
    assert capsys.readouterr().out == console_line(make_alert()) + "\n"


# -- Slack ----------------------------------------------------------------------


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


def slack(fake: FakeSlack, session: aiohttp.ClientSession, **kwargs: Any) -> SlackNotifier:
    return SlackNotifier("desk-slack", fake.url, session, **kwargs)


def assert_no_secret(error: NotifyError, fake: FakeSlack) -> None:
    assert fake.secret not in str(error)
    assert error.__cause__ is None
    assert error.__context__ is None or fake.secret not in str(error.__context__)


async def test_slack_delivers_the_rendered_payload(
    fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    notifier = slack(fake_slack, session)
    await notifier.send(make_alert())
    assert fake_slack.received == [slack_payload(make_alert())]
    await notifier.aclose()
    assert not session.closed  # the shared session is not the notifier's to close
    assert fake_slack.secret not in repr(notifier)


async def test_slack_429_is_retryable_after_the_given_wait(
    fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    fake_slack.fail_next(429, retry_after=7)
    error = await send_error(slack(fake_slack, session))
    assert error.retryable
    assert error.retry_after == timedelta(seconds=7)
    assert "429" in str(error)
    assert_no_secret(error, fake_slack)
    await slack(fake_slack, session).send(make_alert())  # the next one goes through
    assert len(fake_slack.received) == 1


@pytest.mark.parametrize("status", [500, 502, 503])
async def test_slack_server_errors_are_retryable(
    fake_slack: FakeSlack, session: aiohttp.ClientSession, status: int
) -> None:
    fake_slack.fail_next(status)
    error = await send_error(slack(fake_slack, session))
    assert error.retryable
    assert error.retry_after is None
    assert_no_secret(error, fake_slack)


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, "invalid_payload"),
        (400, "invalid_token"),
        (403, "action_prohibited"),
        (404, "channel_not_found"),
        (410, "channel_is_archived"),
    ],
)
async def test_slack_refusals_are_permanent(
    fake_slack: FakeSlack, session: aiohttp.ClientSession, status: int, body: str
) -> None:
    fake_slack.fail_next(status, body=body)
    error = await send_error(slack(fake_slack, session))
    assert not error.retryable
    assert f"HTTP {status} {body}" in str(error)
    assert_no_secret(error, fake_slack)


async def test_slack_wrong_webhook_is_permanent_and_never_named(
    fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    url = fake_slack.url.replace(fake_slack.secret, "T0/B0/wrong-secret")
    error = await send_error(SlackNotifier("desk", url, session))
    assert not error.retryable
    assert "no_service" in str(error)
    assert "wrong-secret" not in str(error)
    assert "127.0.0.1" in str(error)


async def test_fake_slack_rejects_what_slack_rejects(
    fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x"}}
    header = {"type": "header", "text": {"type": "plain_text", "text": "x" * 151}}
    long_section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    bad: list[Any] = [
        {"blocks": [section] * 51},
        {"blocks": [header]},
        {"blocks": [long_section]},
        {"username": "no text, no blocks"},
        ["not", "an", "object"],
    ]
    for payload in bad:
        async with session.post(fake_slack.url, json=payload) as response:
            assert (response.status, await response.text()) == (400, "invalid_payload")
    async with session.post(fake_slack.url, data=b"{not json") as response:
        assert response.status == 400
    assert fake_slack.received == []
    assert len(fake_slack.rejected) == 6


async def test_slack_accepts_the_render_of_a_huge_alert(
    fake_slack: FakeSlack, session: aiohttp.ClientSession
) -> None:
    snippet = "&<>" * 5000 + " Taliban " + "x" * 10_000
    huge = Alert(
        **{
            **{name: getattr(make_alert(), name) for name in Alert.__slots__},
            "title": "<title> " * 1000,
            "matches": tuple(
                Match(f"rule-{i}" * 20, ("Taliban",) * 50, (snippet,) * 10) for i in range(200)
            ),
        }
    )
    await slack(fake_slack, session).send(huge)
    assert fake_slack.rejected == []
    assert len(fake_slack.received) == 1


async def test_slack_connection_refused_is_retryable(session: aiohttp.ClientSession) -> None:
    url = f"http://127.0.0.1:{free_port()}/services/T0/B0/the-secret"
    error = await send_error(SlackNotifier("desk", url, session))
    assert error.retryable
    assert "the-secret" not in str(error)
    assert error.__cause__ is None


async def test_slack_timeout_is_retryable(session: aiohttp.ClientSession) -> None:
    release, closed = asyncio.Event(), asyncio.Event()

    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            await release.wait()
        finally:
            writer.close()
            await writer.wait_closed()
            closed.set()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        url = f"http://127.0.0.1:{port}/services/the-secret"
        error = await send_error(SlackNotifier("desk", url, session, timeout=0.2))
        release.set()
        await closed.wait()
    assert error.retryable
    assert "timed out" in str(error)
    assert "the-secret" not in str(error)


# -- email ----------------------------------------------------------------------


def mailer(
    smtp: FakeSmtp,
    security: Security = "none",
    *,
    username: str | None = None,
    password: str | None = None,
    tls_context: Any = None,
    port: int | None = None,
) -> EmailNotifier:
    return EmailNotifier(
        "desk-email",
        host=smtp.host,
        port=port or smtp.port,
        security=security,
        username=username,
        password=password,
        sender="Monitor <alerts@example.org>",
        to=["desk@example.org", "chief@example.org"],
        timeout=5,
        tls_context=tls_context,
    )


async def test_email_plain_to_localhost(fake_smtp: FakeSmtp) -> None:
    notifier = mailer(fake_smtp)
    await notifier.send(make_alert())
    await notifier.send(make_alert())  # a resend after a crash
    first, second = fake_smtp.messages
    assert first.mail_from == "alerts@example.org"
    assert first.rcpt_tos == ("desk@example.org", "chief@example.org")
    assert first.message["Subject"] == "[monitor] rule-0: Taliban delegation visits Kazan"
    assert first.message.get_content_type() == "multipart/alternative"
    assert first.message["Message-ID"] == "<story-42.desk-email.monitor@example.org>"
    assert second.message["Message-ID"] == first.message["Message-ID"]
    await notifier.aclose()


async def test_email_subject_injection_adds_no_recipient(fake_smtp: FakeSmtp) -> None:
    await mailer(fake_smtp).send(make_alert(title="Hi\r\nBcc: evil@example.net\r\n"))
    (received,) = fake_smtp.messages
    assert received.rcpt_tos == ("desk@example.org", "chief@example.org")
    assert received.message["Bcc"] is None


async def test_email_starttls_and_login(fake_smtp_starttls_auth: FakeSmtp) -> None:
    smtp = fake_smtp_starttls_auth
    notifier = mailer(
        smtp,
        "starttls",
        username=FakeSmtp.USER,
        password=FakeSmtp.PASSWORD,
        tls_context=smtp.client_context,
    )
    await notifier.send(make_alert())
    assert smtp.logins == [FakeSmtp.USER]
    assert len(smtp.messages) == 1


async def test_email_implicit_tls_and_login(fake_smtp_tls_auth: FakeSmtp) -> None:
    smtp = fake_smtp_tls_auth
    notifier = mailer(
        smtp,
        "tls",
        username=FakeSmtp.USER,
        password=FakeSmtp.PASSWORD,
        tls_context=smtp.client_context,
    )
    await notifier.send(make_alert())
    assert len(smtp.messages) == 1


async def test_email_wrong_password_is_permanent(fake_smtp_starttls_auth: FakeSmtp) -> None:
    smtp = fake_smtp_starttls_auth
    password = "wrong-Pa55word"
    notifier = mailer(
        smtp, "starttls", username="monitor", password=password, tls_context=smtp.client_context
    )
    error = await send_error(notifier)
    assert not error.retryable
    assert "535" in str(error)
    assert password not in str(error)
    assert smtp.messages == []


async def test_email_server_down_is_retryable(fake_smtp: FakeSmtp) -> None:
    error = await send_error(mailer(fake_smtp, port=free_port()))
    assert error.retryable


async def test_email_starttls_is_required_not_hoped_for(fake_smtp: FakeSmtp) -> None:
    notifier = mailer(fake_smtp, "starttls", username="monitor", password="secret")
    error = await send_error(notifier)
    assert not error.retryable
    assert "STARTTLS" in str(error)
    assert fake_smtp.messages == []


async def test_email_untrusted_certificate_is_permanent(
    fake_smtp_starttls_auth: FakeSmtp, fake_smtp_tls_auth: FakeSmtp
) -> None:
    for smtp, security in ((fake_smtp_starttls_auth, "starttls"), (fake_smtp_tls_auth, "tls")):
        notifier = mailer(smtp, security, username=FakeSmtp.USER, password=FakeSmtp.PASSWORD)  # type: ignore[arg-type]
        error = await send_error(notifier)
        assert not error.retryable
        assert "certificate" in str(error)
        assert smtp.logins == []


@pytest.mark.parametrize(
    ("reply", "retryable"),
    [("550 5.1.1 No such user", False), ("450 4.2.1 Mailbox busy", True)],
)
async def test_email_refused_recipients(fake_smtp: FakeSmtp, reply: str, retryable: bool) -> None:
    fake_smtp.refuse("desk@example.org", reply)
    fake_smtp.refuse("chief@example.org", reply)
    error = await send_error(mailer(fake_smtp))
    assert error.retryable is retryable
    assert reply[:3] in str(error)


async def test_email_one_recipient_refused_still_delivers_to_the_other(
    fake_smtp: FakeSmtp,
) -> None:
    fake_smtp.refuse("chief@example.org")
    await mailer(fake_smtp).send(make_alert())
    (received,) = fake_smtp.messages
    assert received.rcpt_tos == ("desk@example.org",)


def test_email_refuses_credentials_in_clear(tls_files: TlsFiles) -> None:
    with pytest.raises(ValueError, match="without TLS"):
        EmailNotifier(
            "desk",
            host="127.0.0.1",
            port=25,
            security="none",
            username="u",
            password="p",
            sender="a@example.org",
            to=["b@example.org"],
        )
