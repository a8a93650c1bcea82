"""render: Slack limits and escaping, mail headers that cannot be injected, console lines."""

from __future__ import annotations

import email
import email.policy
import re
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from servers import validate_slack_payload

from monitor.model import Alert, Match, TextSource
from monitor.render import console_line, email_message, message_id_for, slack_payload

FOUND = datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script> & <!channel> | *bold*"


def make_alert(
    *,
    title: str = "Taliban delegation visits Kazan",
    url: str | None = "https://example.org/news/1?a=1&b=2",
    matches: tuple[Match, ...] | None = None,
    feed: str = "moscow-times",
    text_source: TextSource = TextSource.ARTICLE,
) -> Alert:
    if matches is None:
        matches = (
            Match("taliban-in-russia", ("Taliban", "Kazan"), ("The Taliban came to Kazan.",)),
        )
    return Alert(
        story_id=42,
        feed=feed,
        title=title,
        url=url,
        found_at=FOUND,
        published_at=FOUND - timedelta(minutes=5),
        matches=matches,
        text_source=text_source,
    )


def mrkdwn_texts(payload: dict[str, Any]) -> list[str]:
    texts = [payload["text"]]
    texts += [b["text"]["text"] for b in payload["blocks"] if b["text"]["type"] == "mrkdwn"]
    return texts


def assert_mrkdwn_safe(text: str) -> None:
    """No markup but ours (links, quotes): ``<`` only opens an http(s) link, ``&`` an entity."""
    without_quotes = re.sub(r"(?m)^> ", "", text)
    without_links = re.sub(r"<https?://[^<>|\s]+\|[^<>|]*>", "", without_quotes)
    assert "<" not in without_links
    assert ">" not in without_links
    assert re.fullmatch(r"(?:[^&]|&amp;|&lt;|&gt;)*", without_links, re.DOTALL)


# -- Slack ----------------------------------------------------------------------


def test_slack_payload_shows_story_rules_and_snippets() -> None:
    payload = slack_payload(make_alert())
    validate_slack_payload(payload)
    blocks = payload["blocks"]
    assert isinstance(blocks, list)
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Taliban delegation visits Kazan", "emoji": False},
    }
    intro = blocks[1]["text"]["text"]
    assert "*<https://example.org/news/1?a=1&amp;b=2|Taliban delegation visits Kazan>*" in intro
    assert "moscow-times" in intro
    assert "published 2024-05-01 12:25 UTC" in intro
    assert "found 2024-05-01 12:30 UTC" in intro
    assert "*Rules:* taliban-in-russia" in intro
    assert "feed summary" not in intro
    assert "> The *Taliban* came to *Kazan*." in blocks[2]["text"]["text"]
    assert "taliban-in-russia" in str(payload["text"])


def test_slack_says_when_text_came_from_the_feed_summary() -> None:
    payload = slack_payload(make_alert(text_source=TextSource.SUMMARY))
    assert "from the feed summary" in str(payload["blocks"])


def test_slack_times_are_shown_in_utc() -> None:
    moscow = timezone(timedelta(hours=3))
    alert = make_alert()
    alert = Alert(**{**_fields(alert), "found_at": datetime(2024, 5, 1, 15, 30, tzinfo=moscow)})
    assert "found 2024-05-01 12:30 UTC" in str(slack_payload(alert)["blocks"])


def _fields(alert: Alert) -> dict[str, Any]:
    return {name: getattr(alert, name) for name in Alert.__slots__}


def test_many_matches_stay_within_fifty_blocks_and_every_rule_is_named() -> None:
    matches = tuple(Match(f"rule-{i:03}", ("Kazan",), ("in Kazan",)) for i in range(120))
    payload = slack_payload(make_alert(matches=matches))
    validate_slack_payload(payload)
    blocks = payload["blocks"]
    assert isinstance(blocks, list)
    assert len(blocks) == 50
    shown = " ".join(str(b["text"]["text"]) for b in blocks)
    assert all(f"rule-{i:03}" in shown for i in range(120))
    assert "and 73 more" in blocks[-1]["text"]["text"]


def test_long_title_is_cut_to_header_limit_with_ellipsis() -> None:
    payload = slack_payload(make_alert(title="Kazan " * 300))
    validate_slack_payload(payload)
    header = payload["blocks"][0]["text"]["text"]  # type: ignore[index]
    assert len(header) <= 150
    assert header.endswith("…")
    assert header.startswith("Kazan Kazan")


@pytest.mark.parametrize("filler", ["x", "&", "<", "word "])
def test_huge_snippet_is_cut_to_section_limit(filler: str) -> None:
    snippet = filler * 10_000 + " the Taliban arrived " + filler * 10_000
    matches = tuple(
        Match(f"rule-{i}", ("Taliban",), (snippet,) * 5 + ("x" * 20_000,)) for i in range(60)
    )
    payload = slack_payload(make_alert(matches=matches, title=filler * 5000))
    validate_slack_payload(payload)
    for text in mrkdwn_texts(payload):
        assert len(text) <= 3000
        assert_mrkdwn_safe(text)
    assert "*Taliban*" in payload["blocks"][2]["text"]["text"]  # type: ignore[index]
    assert "_+3 more_" in payload["blocks"][2]["text"]["text"]  # type: ignore[index]


def test_text_from_feeds_is_escaped_everywhere() -> None:
    match = Match(HOSTILE, (HOSTILE,), (f"before {HOSTILE} after",))
    payload = slack_payload(make_alert(title=HOSTILE, feed=HOSTILE, matches=(match,)))
    validate_slack_payload(payload)
    for text in mrkdwn_texts(payload):
        assert_mrkdwn_safe(text)
        assert "<script>" not in text
        assert "<!channel>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt;" in str(payload["text"])
    # A "*" already in the text could pair with ours: no bold then.
    assert "> before &lt;script&gt;" in payload["blocks"][2]["text"]["text"]  # type: ignore[index]


def test_link_cannot_be_broken_by_the_url_or_the_title() -> None:
    alert = make_alert(title="A | B > C", url="https://example.org/a|b?q=<x>&r=1 2")
    intro = slack_payload(alert)["blocks"][1]["text"]["text"]  # type: ignore[index]
    assert intro.startswith("*<https://example.org/a%7Cb?q=%3Cx%3E&amp;r=1%202|A \u2223 B &gt; C>*")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", None, ""])
def test_only_web_urls_are_linked(url: str | None) -> None:
    intro = slack_payload(make_alert(url=url))["blocks"][1]["text"]["text"]  # type: ignore[index]
    assert intro.startswith("*Taliban delegation visits Kazan*")


def test_capitalised_terms_are_bold_only_when_case_matches() -> None:
    match = Match("us", ("US", "Kaz*"), ("Let us see: US troops left Kazakhstan.",))
    text = slack_payload(make_alert(matches=(match,)))["blocks"][2]["text"]["text"]  # type: ignore[index]
    assert "> Let us see: *US* troops left *Kazakhstan*." in text


def test_empty_title_still_gives_a_valid_header() -> None:
    payload = slack_payload(make_alert(title=" \r\n\t "))
    validate_slack_payload(payload)
    assert payload["blocks"][0]["text"]["text"] == "(untitled)"  # type: ignore[index]


# -- email ----------------------------------------------------------------------


def render_mail(alert: Alert) -> email.message.EmailMessage:
    message = email_message(
        alert,
        sender="Monitor <alerts@example.org>",
        to=["desk@example.org", "chief@example.org"],
        message_id=message_id_for(f"story-{alert.story_id}", "desk-email", "example.org"),
    )
    # What a server receives: the bytes, parsed back.
    return email.message_from_bytes(bytes(message), policy=email.policy.default)


@pytest.mark.parametrize(
    "title",
    [
        "Hello\r\nBcc: evil@x",
        "Hello\nBcc: evil@x",
        "Hello\rBcc: evil@x",
        "Hello\u2028Bcc: evil@x\u2029X-Evil: 1",
        "Hello\x85Bcc: evil@x\x0bX-Evil: 1\x0c\x1c\x1d\x1e\x00",
        "Hello\t\r\n Bcc: evil@x",
    ],
)
def test_subject_cannot_add_a_header(title: str) -> None:
    parsed = render_mail(make_alert(title=title))
    assert parsed["Bcc"] is None
    assert parsed["X-Evil"] is None
    subject = str(parsed["Subject"])
    assert subject.startswith("[monitor] taliban-in-russia: Hello Bcc: evil@x")
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]", subject)


def test_email_is_multipart_alternative_with_plain_and_escaped_html() -> None:
    match = Match("r", ("Taliban",), (f"the Taliban {HOSTILE}",))
    parsed = render_mail(make_alert(title=HOSTILE, matches=(match,)))
    assert parsed.get_content_type() == "multipart/alternative"
    plain = parsed.get_body(("plain",))
    rich = parsed.get_body(("html",))
    assert plain is not None
    assert rich is not None
    text, markup = plain.get_content(), rich.get_content()
    assert HOSTILE in text
    assert "<script>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt;" in markup
    assert "the <b>Taliban</b>" in markup
    assert '<a href="https://example.org/news/1?a=1&amp;b=2">' in markup


def test_email_headers() -> None:
    parsed = render_mail(make_alert(text_source=TextSource.SUMMARY))
    assert parsed["Message-ID"] == "<story-42.desk-email.monitor@example.org>"
    assert parsed["From"] == "Monitor <alerts@example.org>"
    assert parsed["To"] == "desk@example.org, chief@example.org"
    assert parsed["Date"].datetime == FOUND
    assert parsed["Subject"] == "[monitor] taliban-in-russia: Taliban delegation visits Kazan"
    plain = parsed.get_body(("plain",))
    assert plain is not None
    assert "from the feed summary" in plain.get_content()


def test_long_subject_is_cut() -> None:
    parsed = render_mail(make_alert(title="Kazan " * 200))
    subject = str(parsed["Subject"])
    assert len(subject) <= 200
    assert subject.endswith("…")


def test_message_id_is_stable_and_distinct() -> None:
    first = message_id_for("story-7", "desk-email", "example.org")
    assert first == message_id_for("story-7", "desk-email", "example.org")
    assert first != message_id_for("story-8", "desk-email", "example.org")
    assert first != message_id_for("story-7", "other", "example.org")
    odd = message_id_for("story-7", "desk mail <x>\r\n", "example.org")
    assert re.fullmatch(r"<story-7\.n[0-9a-f]{16}\.monitor@example\.org>", odd)
    with pytest.raises(ValueError, match="domain"):
        message_id_for("story-7", "desk", "example.org>\r\nBcc: x")


# -- console --------------------------------------------------------------------


def test_console_line_is_one_clean_line() -> None:
    alert = make_alert(title="Red \x1b[31malert\x1b[0m\nsecond line", url="https://example.org/1")
    line = console_line(alert)
    assert "\n" not in line
    assert "\x1b" not in line
    assert line.startswith(
        "2024-05-01 12:30 UTC [moscow-times] taliban-in-russia: Red [31malert [0m second line"
    )
    assert line.endswith("<https://example.org/1>")
    assert console_line(make_alert(text_source=TextSource.SUMMARY)).endswith(
        "(from the feed summary)"
    )
