"""HTML page → clean Article: trafilatura's text with appeals removed.

``extract_article`` is pure and CPU-bound: it does no I/O and runs in a process
pool, so its arguments and result pickle. It parses the page once, drops the
feed's ``remove`` selectors, the appeal containers and the appeal boxes inside
the article body from that tree, hands the same tree to trafilatura (in
precision mode), then drops a first line that repeats the headline and strips
appeal paragraphs from the text.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

import trafilatura
from lxml import etree
from lxml.cssselect import CSSSelector
from lxml.html import HtmlElement
from trafilatura.metadata import extract_title
from trafilatura.utils import load_html

from monitor.appeals import (
    KeptLines,
    is_detached,
    main_content,
    strip_appeal_boxes,
    strip_appeal_containers,
    strip_appeal_text,
)
from monitor.errors import ExtractError
from monitor.model import Article, Removal

__all__ = ["HEADLINE_REASON", "NEVER_ARTICLE_TEXT", "drop_never_text", "extract_article"]

# Fewer words than this is a menu or an error page that trafilatura made text
# of, not an article; the caller then matches on the feed's summary instead.
_MIN_ARTICLE_WORDS = 10
HEADLINE_REASON = "repeats the headline, which is the article's title, not its text"
_WORD = re.compile(r"\w+")
# Elements that never hold the article's text and that trafilatura's extractor
# drops whole: code, media, and the page's navigation, footer and form
# controls. Not <form>: some sites wrap the whole page in one (dropping it
# changes trafilatura's text on 2 AEB pages); nor <template>, which trafilatura
# unwraps, keeping its text.
_CODE_AND_MEDIA = (
    "script", "style", "noscript", "svg", "iframe", "link",
    "object", "embed", "canvas", "video", "audio", "map",
)  # fmt: skip
_PAGE_CHROME = (
    "nav", "menu", "footer",
    "input", "select", "option", "optgroup", "datalist", "textarea", "button",
    "label", "fieldset", "output", "progress",
)  # fmt: skip
NEVER_ARTICLE_TEXT = (*_CODE_AND_MEDIA, *_PAGE_CHROME)


def extract_article(
    html: str | bytes,
    *,
    url: str | None = None,
    remove: tuple[str, ...] = (),
    keep: tuple[str, ...] = (),
) -> Article:
    """Extract the article of one page, without appeals; say what was removed and why.

    ``remove`` holds CSS selectors dropped before extraction; ``keep`` holds CSS
    selectors that the markup layers never drop (nor what they hold or what
    holds them), and whose lines the text layer never removes (``KeptLines``).
    Raises ExtractError, and nothing else, when the page is empty, not HTML,
    holds no article text, or a selector is invalid. Does not fetch the page and
    does not follow links.
    """
    where = f" ({url})" if url else ""
    removed: list[Removal] = []
    with _translated_errors(where):
        root = _parse(html, where)
        removed += _drop_selected(root, remove)
        kept = [element for selector in keep for element in _compile(selector)(root)]
        body = root.find("body")
        article = main_content(root if body is None else body)
        removed += strip_appeal_containers(root, keep=kept, article=article)
        title = _title(root)
        headlines = _headlines(root, title)
        removed += strip_appeal_boxes(root, keep=kept, article=article, headline=title)
        drop_never_text(root, article)  # after the appeal layers read the buttons
        # After that drop, as trafilatura will see them: a kept element it took
        # (a <footer>, or one inside it) holds no line of the text.
        kept_lines = KeptLines.of([e for e in kept if not is_detached(e, root)])
        # Precision mode drops link lists, bylines and promo lines that the default
        # keeps, for a recall cost the benchmark shows to be small.
        document = trafilatura.bare_extraction(
            root, url=url, include_comments=False, favor_precision=True
        )
    text = getattr(document, "text", None) or ""
    paragraphs = [line for line in text.split("\n") if line.strip()]
    if paragraphs and _normalized(paragraphs[0]) in headlines:
        removed.append(Removal(paragraphs.pop(0).strip(), HEADLINE_REASON))
    if _word_count(paragraphs) < _MIN_ARTICLE_WORDS:
        raise ExtractError(f"no article text found in the page{where}")
    kept_paragraphs, text_removed = strip_appeal_text(
        paragraphs, headline=title, protected=kept_lines.holding(paragraphs)
    )
    if _word_count(kept_paragraphs) < _MIN_ARTICLE_WORDS:
        raise ExtractError(f"the page's only text is an appeal{where}")
    return Article(title=title, text="\n".join(kept_paragraphs), removed=(*removed, *text_removed))


def drop_never_text(root: HtmlElement, article: HtmlElement | None) -> None:
    """Drop, in place, the elements that never hold the article's text, which
    trafilatura drops whole anyway: gone first, they cost it nothing to copy and
    walk (about a fifth of its time on the AEB pages, with the same text out on
    every page). On the odd page whose ``article`` body sits inside a footer or
    a form control, only code and media go: the rest is left to trafilatura."""
    tags: tuple[str, ...] = NEVER_ARTICLE_TEXT
    if article is not None and any(
        element.tag in _PAGE_CHROME for element in (article, *article.iterancestors())
    ):
        tags = _CODE_AND_MEDIA
    etree.strip_elements(root, *tags, etree.Comment, with_tail=False)


def _normalized(text: str) -> str:
    return " ".join(_WORD.findall(text.casefold()))


def _headlines(root: HtmlElement, title: str | None) -> frozenset[str]:
    """The page's headline as the title, <title> and <h1> give it, normalised: text
    that repeats it is metadata, and would count twice against the rules."""
    texts = [title or "", *(h.text_content() for h in root.iter("h1", "title"))]
    return frozenset(n for text in texts if (n := _normalized(text)))


def _word_count(paragraphs: list[str]) -> int:
    return sum(len(paragraph.split()) for paragraph in paragraphs)


@contextmanager
def _translated_errors(where: str) -> Iterator[None]:
    """Turn whatever lxml, cssselect or trafilatura raise on bad input into ExtractError."""
    try:
        yield
    except ExtractError:
        raise
    except Exception as e:  # the libraries raise many types on odd pages; none may escape
        raise ExtractError(f"cannot extract the page{where}: {type(e).__name__}: {e}") from e


def _parse(html: str | bytes, where: str) -> HtmlElement:
    """Parse the page once, the way trafilatura would (encoding guess, repairs)."""
    if not html or not html.strip():
        raise ExtractError(f"the page is empty{where}")
    root = load_html(html)
    if root is None:
        raise ExtractError(f"the page is not usable HTML{where}")
    return root


@lru_cache(maxsize=256)
def _compile(selector: str) -> CSSSelector:
    """Compile a CSS selector once per process; an invalid one is an ExtractError."""
    try:
        return CSSSelector(selector, translator="html")
    except Exception as e:  # cssselect's SelectorError and its ExpressionError kin
        raise ExtractError(f"invalid CSS selector {selector!r}: {e}") from e


def _drop_selected(root: HtmlElement, selectors: tuple[str, ...]) -> list[Removal]:
    """Drop every element a ``remove`` selector matches; report those with text."""
    removed = []
    for selector in selectors:
        for element in _compile(selector)(root):
            if element.getparent() is None or is_detached(element, root):
                continue  # the root itself, or already dropped with an ancestor
            text = " ".join(" ".join(element.itertext()).split())
            element.drop_tree()
            if text:
                removed.append(Removal(text, f"matches the feed's remove selector {selector!r}"))
    return removed


def _title(root: HtmlElement) -> str | None:
    """og:title if the page declares one, else trafilatura's title heuristics."""
    for meta in root.iterfind(".//head/meta[@property='og:title']"):
        if content := " ".join((meta.get("content") or "").split()):
            return content
    title = extract_title(root)
    return " ".join(title.split()) or None if title else None
