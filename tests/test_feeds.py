from datetime import UTC, datetime

import pytest
from corpus import need_corpus

from monitor.errors import ParseError
from monitor.feeds import canonical_url, html_to_text, parse_feed

RSS = b"""<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Desk &amp; Wire</title>
<item>
  <title>Talks in  Kazan</title>
  <link>/news/2024/talks?utm_source=rss&amp;id=7#comments</link>
  <guid isPermaLink="false">story-1</guid>
  <description>&lt;p&gt;Russia hosted &lt;b&gt;Taliban&lt;/b&gt; leaders.&lt;/p&gt;
  &lt;script&gt;x()&lt;/script&gt;</description>
  <pubDate>Fri, 04 Oct 2024 10:00:00 +0300</pubDate>
</item>
<item><title>No link, no guid</title><description>Only text</description></item>
</channel></rss>"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom news</title>
<entry><id>urn:uuid:1</id><title>Atom story</title>
<link href="https://example.org/a"/><updated>2024-10-04T07:00:00Z</updated>
<summary>Plain summary</summary></entry></feed>"""


def test_rss_entries_are_cleaned_and_canonicalised() -> None:
    feed = parse_feed(RSS, base_url="https://news.example.org/rss")
    assert feed.title == "Desk & Wire"
    first, second = feed.entries
    assert first.guid == "story-1"
    assert first.title == "Talks in Kazan"
    assert first.url == "https://news.example.org/news/2024/talks?id=7"
    assert first.summary == "Russia hosted Taliban leaders."
    assert first.published_at == datetime(2024, 10, 4, 7, 0, tzinfo=UTC)
    # With neither link nor guid the story is still identified, by its content.
    assert second.guid.startswith("sha256:")
    assert second.url is None
    assert second.published_at is None


def test_atom() -> None:
    (entry,) = parse_feed(ATOM, base_url="https://example.org/atom").entries
    assert entry.guid == "urn:uuid:1"
    assert entry.url == "https://example.org/a"
    assert entry.published_at == datetime(2024, 10, 4, 7, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "data",
    [b"", b"<html><body><p>Not a feed</p></body></html>", b"\x00\xff\xfe garbage", b"{}"],
)
def test_non_feeds_are_refused_with_a_clear_error(data: bytes) -> None:
    with pytest.raises(ParseError, match="not an RSS or Atom feed"):
        parse_feed(data, base_url="https://example.org/")


def test_an_empty_but_valid_feed_has_no_entries() -> None:
    empty = b'<rss version="2.0"><channel><title>Quiet</title></channel></rss>'
    assert parse_feed(empty, base_url="https://example.org/").entries == ()


def test_entity_expansion_is_bounded() -> None:
    levels = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">' for n in range(1, 10)
    ]
    laughs = (
        f'<?xml version="1.0"?><!DOCTYPE lolz [{"".join(levels)}]>'
        '<rss version="2.0"><channel><title>&lol9;</title>'
        "<item><title>&lol9;</title></item></channel></rss>"
    ).encode()
    try:
        feed = parse_feed(laughs, base_url="https://example.org/")
    except ParseError:
        return
    assert all(len(e.title) < 1_000_000 for e in feed.entries)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "HTTPS://WWW.Example.com:443/a?utm_medium=x&fbclid=1&b=2#top",
            "https://www.example.com/a?b=2",
        ),
        ("https://example.com/a?b=2&a=1", "https://example.com/a?a=1&b=2"),
        ("javascript:alert(1)", None),
        ("mailto:desk@example.org", None),
    ],
)
def test_canonical_url(url: str, expected: str | None) -> None:
    assert canonical_url(url) == expected


def test_html_to_text_drops_markup_and_scripts() -> None:
    assert html_to_text("<p>One &amp; <i>two</i></p><script>evil()</script>") == "One & two"
    assert html_to_text("plain   text") == "plain text"


def test_every_feedparser_test_document_parses_or_is_refused_cleanly() -> None:
    """feedparser's own test suite: well-formed, ill-formed, odd encodings and entities.
    Each document either yields entries or raises ParseError; nothing else escapes."""
    root = need_corpus() / "feeds" / "feedparser"
    documents = sorted(p for p in root.rglob("*") if p.is_file())
    assert len(documents) > 1000
    parsed = refused = 0
    for path in documents:
        try:
            parse_feed(path.read_bytes(), base_url="http://example.org/feed")
        except ParseError:
            refused += 1
        else:
            parsed += 1
    assert parsed > refused
