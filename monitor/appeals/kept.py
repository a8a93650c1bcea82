"""Which extracted lines a feed's ``keep`` selectors hold.

trafilatura gives text, not elements, so a line is traced back by its words:
the kept elements are cut into lines where trafilatura cuts them (at block
elements and ``<br>``), and a line of the text is kept when its words are one of
those lines, or, for a long line, run inside one. A short line counts only
whole: a "Donate" button after a story that mentions donating is no kept line,
though the word is in the story. With the body kept, 2,859 of the 2,872 lines
trafilatura gives of the 123 AEB pages are whole kept lines; of the rest, 11
short credit lines run inside one and 2 lines join text of several elements.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from lxml import etree
from lxml.html import HtmlElement

_WORD = re.compile(r"\w+")
# Characters that split a word in the markup but not in trafilatura's text:
# soft hyphens, zero-width spaces and joiners, the word joiner, the BOM.
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
# Elements whose start and end break trafilatura's text into lines; inline ones
# (<a>, <em>, a drop cap's <span>) do not.
_LINE_BREAKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "caption", "dd", "details",
        "div", "dl", "dt", "figcaption", "figure", "footer", "h1", "h2", "h3", "h4",
        "h5", "h6", "header", "hr", "li", "main", "ol", "p", "pre", "section",
        "summary", "table", "tr", "ul",
    }
)  # fmt: skip
# A table's row is one line of trafilatura's text, its cells words apart.
_CELLS = frozenset({"td", "th"})
# A line shorter than this is kept only when it is a whole kept line: a short
# line ("Donate", "Support us") recurs too easily inside a longer one.
_PART_MIN_WORDS = 8


def words(text: str) -> str:
    """A line's words, casefolded and joined by single spaces."""
    return " ".join(_WORD.findall(_INVISIBLE.sub("", text).casefold()))


@dataclass(frozen=True, slots=True)
class KeptLines:
    """The lines of the kept elements, each as ``words`` gives it."""

    lines: frozenset[str]
    joined: str  # the lines, each padded with spaces, one per line of text

    @classmethod
    def of(cls, kept: Sequence[HtmlElement]) -> KeptLines:
        chosen = set(kept)
        # An element inside another kept one adds no line of its own.
        outermost = [e for e in kept if not any(a in chosen for a in e.iterancestors())]
        found = [line for element in dict.fromkeys(outermost) for line in _lines(element)]
        lines = [w for line in found if (w := words(line))]
        # trafilatura keeps the line breaks of text outside paragraphs (a <div>
        # of bare text), so a kept line's pieces between them count as lines too.
        pieces = [
            w for line in found if "\n" in line for piece in line.split("\n") if (w := words(piece))
        ]
        return cls(frozenset([*lines, *pieces]), "\n".join(f" {line} " for line in lines))

    def holding(self, paragraphs: Sequence[str]) -> frozenset[int]:
        """The indices of the paragraphs that are kept lines, or long parts of one."""
        if not self.lines:
            return frozenset()
        found = set()
        for k, paragraph in enumerate(paragraphs):
            text = words(paragraph)
            if not text:
                continue
            if text in self.lines or (
                text.count(" ") + 1 >= _PART_MIN_WORDS and f" {text} " in self.joined
            ):
                found.add(k)
        return frozenset(found)


def _lines(element: HtmlElement) -> Iterator[str]:
    """The element's text, cut into lines at block elements and ``<br>``."""
    parts: list[str] = []
    stack: list[tuple[etree._Element, bool]] = [(element, False)]
    while stack:
        node, ended = stack.pop()
        tag = node.tag if isinstance(node.tag, str) else ""  # comments, processing instructions
        if tag in _LINE_BREAKS:
            yield "".join(parts)
            parts.clear()
        elif tag in _CELLS:
            parts.append(" ")
        if not ended:
            if tag and node.text:
                parts.append(node.text)
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(node))
        elif node is not element and node.tail:
            parts.append(node.tail)
    yield "".join(parts)
