"""The box layer: boxes inside the article body, judged by their words.

A site pastes an appeal into its article as a box: a ``<div>`` or ``<aside>``
holding a title, a line or two and a button. Its class may say nothing
("block-7"), and once trafilatura has made text of the page its lines look like
any others, so the text layer must be cautious with them (an ask in the middle
of a story may be the story's). Before extraction the box is still one unit, and
its edges are known: an ask anywhere in it takes the whole box, as an ask at the
end of the text takes the lines around it. Only small boxes of two lines or more
(or holding a button or a form) are judged: a single wrapped paragraph is running
text, and the text layer's caution applies to it.
"""

from __future__ import annotations

from collections.abc import Collection

from lxml.html import HtmlElement

from monitor.appeals.markup import main_content
from monitor.appeals.scoring import LIST_ITEM
from monitor.appeals.text import strip_appeal_text
from monitor.model import Removal

_BOX_TAGS = ("div", "section", "aside", "form", "details", "dialog")
# The elements a box's text is read in, each one line, as trafilatura reads them.
_LINES = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "button", "a", "label"})
_CONTROLS = frozenset({"button", "input", "select", "textarea"})
_BOX_MAX_CHARS = 1500  # longer is a section of the story, not a box in it
_BOX_MAX_SHARE = 0.4  # nor may a box hold this much of the article's text
_MIN_LINES = 2
# The box's lines must hold this share of its words: text outside them (in a
# <span>, a bare <div>) would go unread with the box.
_READ_SHARE = 0.9


def _lines(box: HtmlElement) -> tuple[list[str], bool]:
    """The box's text as lines, and whether it holds a control (a button, a field)."""
    lines: list[str] = []
    control = False
    inside: set[HtmlElement] = set()
    for element in box.iterdescendants():
        tag = element.tag
        if not isinstance(tag, str):
            continue  # comments and processing instructions
        control = control or tag in _CONTROLS
        if element.getparent() in inside:
            inside.add(element)  # read with the line that holds it
        elif tag in _LINES:
            inside.add(element)
            if text := " ".join(element.text_content().split()):
                # as trafilatura writes list items: the text layer never reads them as appeals
                lines.append(f"{LIST_ITEM[0]}{text}" if tag == "li" else text)
    if not lines and (text := " ".join(box.text_content().split())):
        lines.append(text)
    return lines, control


def strip_appeal_boxes(
    root: HtmlElement,
    keep: Collection[HtmlElement] = (),
    *,
    article: HtmlElement | None = None,
    headline: str | None = None,
) -> list[Removal]:
    """Drop, in place, the small boxes inside the article body whose words make an
    appeal; return what went and why. Never drops a box in, holding, or inside
    an element of ``keep``. ``article`` is the page's ``main_content``, when the
    caller has it; ``headline`` its title (see ``strip_appeal_text``)."""
    if article is None:
        body = root.find("body")
        article = main_content(root if body is None else body)
    if article is None:
        return []
    boxes = list(article.iterdescendants(*_BOX_TAGS))
    if not boxes:
        return []
    total = len(article.text_content()) or 1
    guarded = {a for k in keep for a in (k, *k.iterancestors(), *k.iterdescendants())}
    removed: list[Removal] = []
    # Innermost first: an appeal box inside a wrapper of story paragraphs goes
    # alone, and the wrapper is judged on what is left.
    for box in reversed(boxes):
        if box in guarded or _detached(box, article):
            continue
        size = len(box.text_content())
        if not size or size > _BOX_MAX_CHARS or size > _BOX_MAX_SHARE * total:
            continue
        lines, control = _lines(box)
        if len(lines) < _MIN_LINES and not control:
            continue
        if _words(lines) < _READ_SHARE * len(box.text_content().split()):
            continue  # text outside paragraphs, headings and links: not read line by line here
        kept, found = strip_appeal_text(
            lines, box=True, around=_around(box, article), headline=headline
        )
        if not found or _words(kept) > _words(lines) / 2:
            continue  # a box that is mostly story: a wrapper, not an appeal
        box.drop_tree()
        why = "; ".join(dict.fromkeys(r for f in found for r in f.reason.split(": ", 1)[1:]))
        removed.append(Removal("\n".join(lines), f"box in the article holds an appeal: {why}"))
    return removed[::-1]  # in the order of the page


def _around(box: HtmlElement, article: HtmlElement) -> tuple[list[str], list[str]]:
    """The article's paragraphs before and after the box: the story it sits in,
    which the model reads to see whether the box speaks of the same things."""
    before: list[str] = []
    after: list[str] = []
    inside = set(box.iter("p"))
    seen = False
    for element in article.iter("p", box.tag):
        if element is box:
            seen = True
        elif element.tag == "p" and element not in inside and (text := element.text_content()):
            (after if seen else before).append(" ".join(text.split()))
    return before, after


def _words(lines: list[str]) -> int:
    return sum(len(line.split()) for line in lines)


def _detached(element: HtmlElement, article: HtmlElement) -> bool:
    """True when an ancestor was dropped already, so the box went with it."""
    return not any(a is article for a in element.iterancestors())
