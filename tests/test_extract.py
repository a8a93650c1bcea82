"""extract_article on real and hand-written pages: the article, whole, and no appeal."""

from __future__ import annotations

import gzip
import pickle
from pathlib import Path

import lxml.html
import pytest
import trafilatura
from trafilatura.utils import load_html

from monitor.appeals import main_content
from monitor.errors import ExtractError
from monitor.extract import HEADLINE_REASON, drop_never_text, extract_article
from monitor.model import Article, Removal

PAGES = Path(__file__).resolve().parent / "pages"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SEED = CORPUS / "seed"


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def expected(name: str) -> list[str]:
    return lines((PAGES / f"{name}.article.txt").read_text(encoding="utf-8"))


def page(name: str) -> bytes:
    return (PAGES / f"{name}.html").read_bytes()


@pytest.fixture(scope="module")
def seed_html() -> bytes:
    if not SEED.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS} (CI puts shared/ beside the repo)")
    return (SEED / "moscow-times-taliban.html").read_bytes()


@pytest.fixture(scope="module")
def seed_article() -> list[str]:
    return lines((SEED / "moscow-times-taliban.article.txt").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed_appeal() -> list[str]:
    return lines((SEED / "moscow-times-taliban.appeal.txt").read_text(encoding="utf-8"))


def test_seed_page_yields_the_article_alone(
    seed_html: bytes, seed_article: list[str], seed_appeal: list[str]
) -> None:
    article = extract_article(seed_html, url="https://www.themoscowtimes.com/x")

    assert lines(article.text) == seed_article
    assert not set(seed_appeal) & set(lines(article.text))
    assert article.title == "Russia Hosts Taliban Talks as It Seeks Regional Influence"
    assert any("article__block--support" in r.reason for r in article.removed)
    assert any("Dear readers" in r.text for r in article.removed)


def without_appeal_markup(html: bytes, *, unwrap: bool) -> bytes:
    """The seed page with every class inside the appeal box stripped; ``unwrap``
    also dissolves the box, so its paragraphs follow the article's as plain <p>."""
    root = lxml.html.fromstring(html)
    (box,) = root.find_class("article__block--support")
    for element in box.iter():
        element.attrib.pop("class", None)
    if unwrap:
        box.drop_tag()
    html_out: bytes = lxml.html.tostring(root, encoding="utf-8", doctype="<!doctype html>")
    return html_out


@pytest.mark.parametrize("unwrap", [False, True], ids=["plain-box", "plain-paragraphs"])
def test_seed_appeal_without_telling_markup_is_still_removed(
    seed_html: bytes, seed_article: list[str], seed_appeal: list[str], unwrap: bool
) -> None:
    html = without_appeal_markup(seed_html, unwrap=unwrap)
    assert b"support" not in html.partition(b"Dear readers")[0][-300:]  # no telling class left

    article = extract_article(html)

    assert lines(article.text) == seed_article
    assert not set(seed_appeal) & set(lines(article.text))
    assert article.removed


@pytest.mark.parametrize(
    ("name", "gone"),
    [
        ("newsletter-box", ["Baltic Morning Brief", "delivered to your inbox", "Before you go"]),
        ("membership-aside", ["Members get unlimited access", "Join now"]),
        ("paywall-meter", ["You have read 3 of 5", "unlimited access", "Already a subscriber"]),
        ("russian-donation", ["Дорогие читатели", "Поддержите нас", "Напомнить позже"]),
    ],
)
def test_appeals_are_removed_and_the_article_kept(name: str, gone: list[str]) -> None:
    article = extract_article(page(name))

    assert lines(article.text) == expected(name)
    for phrase in gone:
        assert phrase not in article.text


def test_removals_say_why() -> None:
    reasons = [r.reason for r in extract_article(page("newsletter-box")).removed]

    assert "container class 'nl-inline newsletterSignup' names an appeal ('newsletter')" in reasons
    assert "role 'dialog' marks an overlay, not article text" in reasons


def appeals_removed(article: Article) -> list[Removal]:
    """What went as an appeal: everything removed but the repeated headline."""
    return [r for r in article.removed if r.reason != HEADLINE_REASON]


def test_headline_repeated_in_the_text_goes_with_its_reason() -> None:
    article = extract_article(page("paywall-meter"))

    assert article.title == "City Council Approves New Tram Line"
    assert article.title not in article.text
    assert Removal(article.title, HEADLINE_REASON) in article.removed


def test_paywall_meter_removed_as_one_block() -> None:
    (removal,) = appeals_removed(extract_article(page("paywall-meter")))

    assert removal.text.splitlines()[0] == "You have read 3 of 5 free articles this month."
    assert removal.text.splitlines()[-1] == "Already a subscriber? Log in"
    assert "counts the reader's free articles" in removal.reason


@pytest.mark.parametrize(
    "name",
    [
        "fundraising-story",
        "newsletter-business",
        "paywall-story",
        "adblock-story",
        "cookie-story",
        "newsletter-advice",
        "membership-story",
        "russian-fundraising",
        "donation-letter-story",
        "newsletter-interview",
        "russian-crowdfunding",
    ],
)
def test_stories_about_appeals_come_out_whole(name: str) -> None:
    """Stories whose subject is a drive, a paywall, a newsletter, ad blockers or
    cookie banners quote and describe appeals: every paragraph must stay."""
    article = extract_article(page(name))

    assert lines(article.text) == expected(name)
    assert appeals_removed(article) == []


def test_box_named_like_an_appeal_is_dropped_unless_kept() -> None:
    shelter = "Emergency support: the civil protection agency has opened a shelter"

    assert shelter not in extract_article(page("selectors")).text
    assert shelter in extract_article(page("selectors"), keep=(".support-box",)).text


def test_remove_selector_drops_a_box_and_says_so() -> None:
    warning = "Scientists have warned that the peninsula"
    assert warning in extract_article(page("selectors")).text

    article = extract_article(page("selectors"), remove=(".factbox", "div.nothing"))

    assert warning not in article.text
    assert "Blue Lagoon spa" in article.text
    assert [r.reason for r in article.removed if warning in r.text] == [
        "matches the feed's remove selector '.factbox'"
    ]


BRIDGE_NEWS = [
    "The city council approved the construction of a new bridge across the Volga on"
    " Tuesday, ending a dispute that had lasted three years.",
    "The bridge will carry four lanes of traffic and a tram line, and is due to open in"
    " 2029, the council's transport committee said.",
    "Residents of the eastern districts, who now wait up to forty minutes at the old"
    " crossing, welcomed the vote at a public hearing.",
    "Opponents had argued that the project would cost more than the city could afford,"
    " and that a tunnel would disturb less of the riverbank.",
    "The committee's chair said the final design kept the riverside park intact and that"
    " federal funds would cover half of the cost.",
]
BRIDGE_ASK = [
    "Our reporting depends on you.",
    "Support our journalism: become a member today from $5 a month.",
]
# Plain paragraphs in a neutral article: only the text layer can tell the ask.
BRIDGE_PAGE = (
    "<html><head><title>Council approves the new bridge</title></head><body>"
    "<nav><a href='/'>Home</a></nav><article class='story'>"
    + "".join(f"<p>{p}</p>" for p in [*BRIDGE_NEWS, *BRIDGE_ASK])
    + "</article><footer>City Paper</footer></body></html>"
)


def test_the_text_layer_spares_what_a_keep_selector_holds() -> None:
    """`keep` is the user's word that a site's text is no appeal: the text
    layer's cuts spare it as the markup layers do."""
    plain = extract_article(BRIDGE_PAGE)
    assert lines(plain.text) == BRIDGE_NEWS
    assert [r.text for r in appeals_removed(plain)] == ["\n".join(BRIDGE_ASK)]

    kept = extract_article(BRIDGE_PAGE, keep=(".story",))
    assert lines(kept.text) == [*BRIDGE_NEWS, *BRIDGE_ASK]
    assert appeals_removed(kept) == []

    elsewhere = extract_article(BRIDGE_PAGE, keep=("footer", ".nothing"))
    assert elsewhere == plain


@pytest.mark.parametrize(
    "name", ["selectors", "paywall-meter", "newsletter-box", "russian-donation"]
)
def test_keeping_the_body_turns_appeal_removal_off(name: str) -> None:
    plain = extract_article(page(name))
    kept = extract_article(page(name), keep=("body",))

    assert appeals_removed(plain)
    assert appeals_removed(kept) == []
    assert set(lines(plain.text)) <= set(lines(kept.text))


def test_a_kept_paragraph_stays_while_the_rest_of_its_block_goes() -> None:
    one = extract_article(BRIDGE_PAGE, keep=('p:contains("become a member")',))

    assert lines(one.text) == [*BRIDGE_NEWS, BRIDGE_ASK[1]]
    assert [r.text for r in appeals_removed(one)] == [BRIDGE_ASK[0]]


def test_a_line_outside_the_kept_element_is_not_spared_by_its_words() -> None:
    """The kept story says "donate"; the appeal's "Donate" button after it still
    goes. (Without `keep`, the appeal takes the story's last line with it.)"""
    help_line = "Residents who want to help can donate to the flood relief fund."
    story = "<div class='story-body'>" + "".join(f"<p>{p}</p>" for p in BRIDGE_NEWS)
    story += f"<p>{help_line}</p></div>"
    html = BRIDGE_PAGE.replace("".join(f"<p>{p}</p>" for p in BRIDGE_NEWS), story)
    html = html.replace("</article>", "<p>Donate</p></article>")
    assert lines(extract_article(html).text) == BRIDGE_NEWS

    kept = extract_article(html, keep=(".story-body",))

    assert lines(kept.text) == [*BRIDGE_NEWS, help_line]
    assert [r.text for r in appeals_removed(kept)] == ["\n".join([*BRIDGE_ASK, "Donate"])]


def test_kept_text_is_traced_through_minified_markup_and_inline_code() -> None:
    """No whitespace between the blocks, a script inside a kept paragraph, a
    soft hyphen: trafilatura's lines still trace back to the kept element."""
    ask = (
        "<p>Our reporting depends on you.</p><p>Support our jour\u00adnalism<script>var a = 1;"
        "</script>: become a member today from $5 a month.</p>"
    )
    html = BRIDGE_PAGE.replace("".join(f"<p>{p}</p>" for p in BRIDGE_ASK), ask)
    assert appeals_removed(extract_article(html))

    kept = extract_article(html, keep=(".story",))

    assert lines(kept.text)[-2:] == BRIDGE_ASK
    assert appeals_removed(kept) == []


def test_article_survives_pickling_for_the_process_pool() -> None:
    article = extract_article(page("paywall-meter"))

    assert pickle.loads(pickle.dumps(article)) == article
    assert isinstance(article, Article)


def test_str_and_bytes_give_the_same_article() -> None:
    html = page("russian-donation")

    assert extract_article(html.decode("utf-8")) == extract_article(html)


@pytest.mark.parametrize(
    ("html", "message"),
    [
        (b"", "empty"),
        ("   \n", "empty"),
        (bytes(range(256)) * 40, "not usable HTML"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00\xff" * 500, "not usable HTML"),
        ((PAGES / "no-article.html").read_bytes(), "no article text"),
        (b"<html><body><p>Too short.</p></body></html>", "no article text"),
    ],
    ids=["empty", "blank", "binary", "png", "no-article", "tiny"],
)
def test_unusable_pages_raise_extract_error(html: str | bytes, message: str) -> None:
    with pytest.raises(ExtractError, match=message):
        extract_article(html, url="https://example.org/x")


def test_page_that_is_only_an_appeal_raises_extract_error() -> None:
    html = (
        "<html><body><article><p>Dear readers,</p>"
        "<p>We need your help to keep reporting. Please support us today.</p>"
        "<p>Your donation, from just $2 a month, keeps our newsroom open.</p>"
        "<p>Remind me later</p></article></body></html>"
    )

    with pytest.raises(ExtractError, match="only text is an appeal"):
        extract_article(html)


def test_invalid_selector_raises_extract_error() -> None:
    with pytest.raises(ExtractError, match="invalid CSS selector"):
        extract_article(page("selectors"), remove=("div[",))


def _trafilatura_text(html: bytes, *, drop: bool) -> str:
    """trafilatura's text of a page as extraction runs it, with or without the
    elements dropped before it."""
    root = load_html(html)
    assert root is not None
    if drop:
        body = root.find("body")
        drop_never_text(root, main_content(root if body is None else body))
    document = trafilatura.bare_extraction(root, include_comments=False, favor_precision=True)
    return getattr(document, "text", None) or ""


def test_elements_dropped_before_trafilatura_never_change_its_text() -> None:
    """What extraction drops before trafilatura (code, media, navigation, footers,
    form controls) is what trafilatura drops whole anyway: on every AEB page and
    every test page its text is the same with and without them. A trafilatura
    that starts reading one of them fails here, not silently in production."""
    aeb = CORPUS / "extraction" / "aeb" / "html"
    if not aeb.is_dir():
        pytest.skip(f"shared corpus not found at {CORPUS} (CI puts shared/ beside the repo)")
    pages = [gzip.decompress(p.read_bytes()) for p in sorted(aeb.glob("*.html.gz"))]
    pages += [p.read_bytes() for p in sorted(PAGES.glob("*.html"))]
    changed = [
        k for k, html in enumerate(pages)
        if _trafilatura_text(html, drop=True) != _trafilatura_text(html, drop=False)
    ]  # fmt: skip
    assert len(pages) > 123
    assert changed == []


def test_article_inside_a_footer_is_left_to_trafilatura() -> None:
    """A page that keeps its article in a <footer> (or a form control) keeps
    those elements for trafilatura: the text is what trafilatura alone gives."""
    story = "".join(
        f"<p>The council voted on Tuesday to close the old bridge over the Elbe for"
        f" repairs, the {n}th vote on the matter since the spring floods.</p>"
        for n in range(4, 12)
    )
    html = (
        "<html><body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
        f"<footer><article><h1>Bridge closes</h1>{story}</article></footer></body></html>"
    ).encode()

    assert _trafilatura_text(html, drop=True) == _trafilatura_text(html, drop=False)
    assert "Elbe" in _trafilatura_text(html, drop=True)
