from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from feedsite import FeedSite, Story
from multidict import CIMultiDict

from monitor.errors import FetchError
from monitor.http import (
    RETRY_AFTER_MAX,
    AddressPolicy,
    Fetched,
    HttpClient,
    NotModified,
    parse_fresh_for,
    parse_retry_after,
    redact,
)

LOOPBACK = AddressPolicy.from_allowed(["127.0.0.1"])


@pytest.fixture
async def site() -> AsyncIterator[FeedSite]:
    site = await FeedSite().start()
    site.add(Story("one", "Talks in Kazan", ["Russia hosted Taliban leaders."]))
    yield site
    await site.stop()


@pytest.fixture
async def client() -> AsyncIterator[HttpClient]:
    client = HttpClient(max_body=1_000_000, policy=LOOPBACK)
    yield client
    await client.aclose()


async def test_conditional_get_returns_not_modified(site: FeedSite, client: HttpClient) -> None:
    first = await client.fetch_feed(site.feed_url)
    assert isinstance(first, Fetched)
    assert first.etag
    assert b"Talks in Kazan" in first.body
    second = await client.fetch_feed(site.feed_url, etag=first.etag)
    assert isinstance(second, NotModified)
    assert site.not_modified == 1


async def test_the_feeds_cache_lifetime_comes_with_its_answer_fresh_or_not_modified(
    site: FeedSite, client: HttpClient
) -> None:
    site.feed_headers = {"Cache-Control": "public, max-age=900", "Age": "300"}
    first = await client.fetch_feed(site.feed_url)
    assert isinstance(first, Fetched)
    assert first.fresh_for == timedelta(minutes=10)  # 15 minutes, 5 of them spent in a cache
    second = await client.fetch_feed(site.feed_url, etag=first.etag)
    assert isinstance(second, NotModified)
    assert second.fresh_for == timedelta(minutes=10)
    site.feed_headers = {}
    third = await client.fetch_feed(site.feed_url)
    assert isinstance(third, Fetched)
    assert third.fresh_for is None


async def test_a_cache_control_on_two_lines_is_read_as_one_list(
    site: FeedSite, client: HttpClient
) -> None:
    site.feed_headers = CIMultiDict(
        [("Cache-Control", "max-age=3600"), ("Cache-Control", "no-cache")]
    )
    fetched = await client.fetch_feed(site.feed_url)
    assert isinstance(fetched, Fetched)
    assert fetched.fresh_for is None


async def test_an_absurd_cache_header_is_no_hint_and_no_failure(
    site: FeedSite, client: HttpClient
) -> None:
    site.feed_headers = {"Cache-Control": "max-age=60", "Age": "²"}
    fetched = await client.fetch_feed(site.feed_url)
    assert isinstance(fetched, Fetched)
    assert fetched.fresh_for == timedelta(minutes=1)
    site.feed_headers = {"Cache-Control": "max-age=" + "9" * 5000, "Age": "9" * 5000}
    fetched = await client.fetch_feed(site.feed_url)
    assert isinstance(fetched, Fetched)
    assert fetched.fresh_for == timedelta(0)  # older than any lifetime: stale


def test_cache_control_lifetimes_are_read_leniently() -> None:
    assert parse_fresh_for("max-age=600", None) == timedelta(minutes=10)
    assert parse_fresh_for('Public, Max-Age="60", must-revalidate', None) == timedelta(minutes=1)
    assert parse_fresh_for("max-age=60", "90") == timedelta(0)  # stale already
    assert parse_fresh_for("max-age=60", "soon") == timedelta(minutes=1)
    assert parse_fresh_for("max-age=000000000000060", None) == timedelta(minutes=1)
    # A directive inside another's quoted value is no directive.
    assert parse_fresh_for('private="Set-Cookie, max-age=600"', None) is None
    assert parse_fresh_for('private="a, no-cache", max-age=600', None) == timedelta(minutes=10)
    # Only a lifetime for us: a shared cache's s-maxage is not one, nor are these.
    for header in ["s-maxage=600", "max-age=600, no-cache", "no-store", "max-age=ten", "", None]:
        assert parse_fresh_for(header, None) is None, header


async def test_gzip_bomb_is_stopped_at_the_decompressed_cap(
    site: FeedSite, client: HttpClient
) -> None:
    with pytest.raises(FetchError, match="cap"):
        await client.fetch_page(f"{site.base_url}/bomb")


async def test_story_links_may_not_reach_loopback_unless_allowed(site: FeedSite) -> None:
    guarded = HttpClient()
    try:
        with pytest.raises(FetchError, match="private or reserved"):
            await guarded.fetch_page(site.story_url("one"))
        # A name that resolves to loopback is refused after resolution too.
        with pytest.raises(FetchError, match="private or reserved"):
            await guarded.fetch_page(site.story_url("one").replace("127.0.0.1", "localhost"))
        # The feed itself is the user's own choice: it may be anywhere.
        assert isinstance(await guarded.fetch_feed(site.feed_url), Fetched)
    finally:
        await guarded.aclose()


async def test_a_redirect_cannot_smuggle_a_link_to_a_private_address(site: FeedSite) -> None:
    client = HttpClient(policy=AddressPolicy.from_allowed(["localhost"]))
    try:
        start = site.base_url.replace("127.0.0.1", "localhost")
        with pytest.raises(FetchError, match="private or reserved"):
            await client.fetch_page(f"{start}/moved?to={site.story_url('one')}")
    finally:
        await client.aclose()


async def test_permanent_redirect_reports_the_new_url(site: FeedSite, client: HttpClient) -> None:
    result = await client.fetch_feed(f"{site.base_url}/moved?to=/feed.xml")
    assert isinstance(result, Fetched)
    assert result.moved_to == site.feed_url


async def test_http_errors_carry_status_and_retry_after(site: FeedSite, client: HttpClient) -> None:
    site.feed_status = 429
    site.feed_headers = {"Retry-After": "120"}
    with pytest.raises(FetchError) as caught:
        await client.fetch_feed(site.feed_url)
    assert caught.value.status == 429
    assert caught.value.retry_after == timedelta(seconds=120)
    assert "429" in str(caught.value)


async def test_connection_refused_is_a_fetch_error(client: HttpClient) -> None:
    with pytest.raises(FetchError, match="could not fetch"):
        await client.fetch_feed("http://127.0.0.1:9/feed.xml")


def test_retry_after_as_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("30", now) == timedelta(seconds=30)
    assert parse_retry_after("Thu, 01 Jan 2026 12:01:00 GMT", now) == timedelta(minutes=1)
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == timedelta(0)
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("²", now) is None  # a digit to str.isdigit(), not to int()
    assert parse_retry_after("0" * 20 + "5", now) == timedelta(seconds=5)
    assert parse_retry_after(None, now) is None


def test_a_hostile_retry_after_is_capped_at_a_day() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("999999999999", now) == RETRY_AFTER_MAX
    assert parse_retry_after("Fri, 01 Jan 2100 00:00:00 GMT", now) == RETRY_AFTER_MAX
    assert timedelta(days=1) == RETRY_AFTER_MAX


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "169.254.169.254",  # cloud metadata
        "::1",
        "::ffff:127.0.0.1",  # IPv4-mapped
        "2002:7f00:1::1",  # 6to4 around 127.0.0.1
        "64:ff9b::a01:203",  # NAT64 around 10.1.2.3
        "64:ff9b:1::7f00:1",  # local-use NAT64 around 127.0.0.1
        "::ffff:0:7f00:1",  # SIIT around 127.0.0.1
        "::7f00:1",  # IPv4-compatible 127.0.0.1
        "ff02::1",
    ],
)
def test_addresses_a_feed_link_may_not_reach(address: str) -> None:
    assert not AddressPolicy().allows("example.org", address)


def test_public_addresses_and_allowed_ones_pass() -> None:
    assert AddressPolicy().allows("example.org", "93.184.216.34")
    allowed = AddressPolicy.from_allowed(["10.0.0.0/8", "intranet.local"])
    assert allowed.allows("news.example", "10.1.2.3")
    assert allowed.allows("intranet.local", "192.168.1.1")


async def test_credentials_in_a_feed_url_never_reach_an_error(client: HttpClient) -> None:
    with pytest.raises(FetchError) as caught:
        await client.fetch_feed("http://alice:s3cret@127.0.0.1:9/feed.xml?token=t0ken")
    assert "s3cret" not in str(caught.value)
    assert "127.0.0.1:9" in str(caught.value)
    assert redact("https://alice:s3cret@example.org/rss?token=t0ken") == "https://example.org/rss"


@pytest.mark.parametrize(
    "link",
    [
        "http://a..b/story",
        f"http://{'x' * 64}.example/story",
        "http://[::1/story",
        "http://user:pw@example.org:99999/a?token=SECRET",
    ],
)
async def test_a_malformed_link_is_a_fetch_error_that_leaks_nothing(
    client: HttpClient, link: str
) -> None:
    with pytest.raises(FetchError) as caught:
        await client.fetch_page(link)
    assert "SECRET" not in str(caught.value)
    assert "pw@" not in str(caught.value)
