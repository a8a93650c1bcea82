"""Which extracted lines a feed's ``keep`` selectors hold.

trafilatura gives text, not elements, so a line is traced back by its words.
The kept elements are cut into lines where trafilatura cuts them (at block
elements, ``<br>`` and quotations; a paragraph, list item or table row also as
one line, as trafilatura may write it), without the elements trafilatura
deletes with their text (``<time>``, ``<aside>``, ruby annotations ...). The
text's lines are then aligned with those, in order, each kept line matching
one line of the text at most: a heading repeated by an appeal after the kept
story is not the story's. A long line of the text that runs inside a kept line
is kept too; a short one counts only whole, so a "Donate" button after a story
that mentions donating is no kept line. With the body kept every line is.
On the 123 AEB pages, with every child of the body kept (not the body itself),
2,858 of the 2,872 lines trafilatura gives are held; the rest are short credit
lines and lines that join the text of several elements.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher

from lxml import etree
from lxml.html import HtmlElement
from trafilatura.settings import MANUALLY_CLEANED

_WORD = re.compile(r"\w+")
# Elements whose start and end break trafilatura's text into lines; inline ones
# (<a>, <em>, a drop cap's <span>) do not.
_LINE_BREAKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "details",
        "div", "dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4",
        "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre", "q", "section",
        "summary", "table", "tr", "ul",
    }
)  # fmt: skip
# A table's row is one line of trafilatura's text, its cells words apart.
_CELLS = frozenset({"td", "th"})
# Elements trafilatura may also write as one line, what they hold run together.
_WHOLE = frozenset({"p", "li", "tr", "dt", "dd"})
# Elements trafilatura deletes with their text; a <form> it keeps when it holds
# the page.
_DELETED = frozenset(MANUALLY_CLEANED) - {"form"}
# A line shorter than this is kept only when it is a whole kept line: a short
# line ("Donate", "Support us") recurs too easily inside a longer one.
_PART_MIN_WORDS = 8


def words(text: str) -> str:
    """A line's words, casefolded and joined by single spaces, without the
    characters trafilatura drops (those neither printable nor whitespace: soft
    hyphens, zero-width and direction marks)."""
    shown = "".join(c for c in text if c.isprintable() or c.isspace())
    return " ".join(_WORD.findall(shown.casefold()))


@dataclass(frozen=True, slots=True)
class KeptLines:
    """The lines of the kept elements, in document order, as ``words`` gives them."""

    lines: tuple[str, ...]
    everything: bool = False  # the body is kept: every line is

    @classmethod
    def of(cls, kept: Sequence[HtmlElement]) -> KeptLines:
        chosen = set(kept)
        # An element inside another kept one adds no line of its own, nor one
        # that trafilatura deletes with its text.
        outermost = [
            e
            for e in dict.fromkeys(kept)
            if not any(a in chosen or a.tag in _DELETED for a in e.iterancestors())
            and e.tag not in _DELETED
        ]
        if any(e.tag in ("html", "body") for e in outermost):
            return cls((), everything=True)
        if outermost:  # in the page's order, which the text's lines follow
            order = {e: k for k, e in enumerate(outermost[0].getroottree().iter())}
            outermost.sort(key=order.__getitem__)
        found = [line for element in outermost for line in _lines(element)]
        return cls(tuple(w for line in found if (w := words(line))))

    def holding(self, paragraphs: Sequence[str]) -> frozenset[int]:
        """The indices of the paragraphs that are kept lines, or long parts of one."""
        texts = [words(paragraph) for paragraph in paragraphs]
        if self.everything:
            return frozenset(k for k, text in enumerate(texts) if text)
        if not self.lines:
            return frozenset()
        matcher = SequenceMatcher(None, texts, self.lines, autojunk=False)
        found = {i + n for i, _, size in matcher.get_matching_blocks() for n in range(size)}
        joined = "\n".join(f" {line} " for line in self.lines)
        found |= {
            k
            for k, text in enumerate(texts)
            if k not in found and text.count(" ") + 1 >= _PART_MIN_WORDS and f" {text} " in joined
        }
        return frozenset(k for k in found if texts[k])


def _lines(element: HtmlElement) -> Iterator[str]:
    """The element's text, cut into lines at block elements, ``<br>`` and the
    line breaks of bare text, which trafilatura keeps; each paragraph, list
    item and table row also whole, before its lines."""
    parts: list[str] = []
    for piece in _pieces(element, whole=True):
        if isinstance(piece, str):
            parts.append(piece)
            continue
        yield from "".join(parts).split("\n")
        parts.clear()
        if piece is not _BREAK:
            inner = list(_pieces(piece, whole=False))
            # Whole as well only where it breaks: else its one line is that.
            if any(not isinstance(p, str) for p in inner[1:-1]) or "\n" in "".join(
                p for p in inner if isinstance(p, str)
            ):
                yield "".join(p if isinstance(p, str) else " " for p in inner)
    yield from "".join(parts).split("\n")


_BREAK = etree.Element("br")  # a line break in ``_pieces``


def _pieces(element: HtmlElement, *, whole: bool) -> Iterator[str | etree._Element]:
    """The element's text in document order: strings, ``_BREAK`` where a line
    breaks, and (``whole``) each paragraph, list item and table row where it
    starts, to be read whole too. Elements trafilatura deletes give only their
    tails."""
    stack: list[tuple[etree._Element, bool]] = [(element, False)]
    while stack:
        node, ended = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else ""  # comments, processing instructions
        deleted = tag in _DELETED and node is not element
        if not deleted and tag in _LINE_BREAKS:
            yield _BREAK
        elif not deleted and tag in _CELLS:
            yield " "
        if not ended:
            if not deleted and whole and tag in _WHOLE:
                yield node
            if tag and node.text and not deleted:
                yield node.text
            stack.append((node, True))
            if not deleted:
                stack.extend((child, False) for child in reversed(node))
        elif node is not element and node.tail:
            yield node.tail
