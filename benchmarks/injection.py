"""Appeals injected into real pages: does the extractor remove them, and only them?

The appeal texts live in ``injected_appeals/*.json``, written for this benchmark
(not taken from any site). Each set says its ``role``: "tuning" sets are what the
appeal signals were tuned against and what the learned appeal model is trained
on (``tuning.json``; ``tuning2.json`` and ``heldout2.json``, each held out once
and then looked at; ``tuning3.json``); "heldout" sets are never trained on and
their misses are not looked at: ``heldout3.json`` (its aggregate figures were
watched while round 5 was tuned, so it is half-spent) and ``heldout4.json``
(written by a separate author who saw neither the code nor the other sets,
measured once before round 5 and once after) ``heldout5.json`` (likewise,
first measured with the round-5 code) ``heldout6.json`` (likewise, first
measured with the round-6 code) and ``heldout7.json`` (likewise, first measured
with the round-7 code; asked for harder cases) and ``heldout8.json`` (likewise,
first measured with the round-8 code; asked for the real-world mix) and
``heldout9.json`` (likewise, first measured with the round-9 code; the
real-world mix made hard) and ``heldout10.json`` (likewise, first measured
with the round-10 code) and ``heldout11.json`` (likewise, first measured
with the round-13 code) and ``heldout12.json`` (likewise, first measured with
the round-14 code). ``heldout7.json``'s misses were looked at in round
11: it is spent, as ``heldout4.json`` is; since round 14 their role says so
("spent": printed apart from the held-out sets, and never trained on). A set
may carry ``first_look``: per layout, [removed %, recall lost] as measured
once, with the code of the day, when the set was still unseen. ``--appeals
FILE`` injects any set of the same format, such as the model's training sets in
``tools/appeal_data`` with a model trained without them (``--model``): a
cross-check by authors it never read.

A layout says how an appeal sits in the article: as plain ``<p>`` paragraphs at
the end or in the middle of the article body, or as a box (a ``<div>`` with a
neutral class, a ``<div>`` with a telling class, an ``<aside>``) in the middle.
The article body is the element whose own ``<p>`` children hold the most text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import lxml.html
from lxml.html import HtmlElement

_TOKEN = re.compile(r"\w+")
APPEALS_DIR = Path(__file__).resolve().parent / "injected_appeals"


@dataclass(frozen=True, slots=True)
class Appeal:
    """One appeal: an optional heading, body paragraphs, an optional button."""

    kind: str
    lang: str
    heading: str | None
    body: tuple[str, ...]
    button: str | None
    box_class: str  # the telling class a site would give its box

    @property
    def pieces(self) -> tuple[str, ...]:
        """Every paragraph of the appeal, in order: what must all go."""
        return tuple(p for p in (self.heading, *self.body, self.button) if p)


@dataclass(frozen=True, slots=True)
class AppealSet:
    name: str
    note: str  # how the set was used: tuned on, or held out
    appeals: tuple[Appeal, ...]
    role: str = "tuning"  # "tuning", "heldout" or "spent"
    # per layout name: [removed %, recall lost or None], measured while unseen
    first_look: dict[str, list[float | None]] = field(default_factory=dict)


def load_set(path: Path) -> AppealSet:
    data = json.loads(path.read_text(encoding="utf-8"))
    appeals = tuple(
        Appeal(a["kind"], a["lang"], a["heading"], tuple(a["body"]), a["button"], a["box_class"])
        for a in data["appeals"]
    )
    return AppealSet(
        data["name"],
        data["note"],
        appeals,
        data.get("role", "tuning"),
        data.get("first_look", {}),
    )


def all_sets() -> list[Path]:
    """Every appeal set, tuning sets first, then held-out ones, each by name."""
    paths = sorted(APPEALS_DIR.glob("*.json"))
    return sorted(paths, key=lambda p: load_set(p).role != "tuning")


def _paragraphs(appeal: Appeal) -> list[HtmlElement]:
    """The appeal as a run of plain <p>, the way a CMS pastes it into the body."""
    return [_element("p", text) for text in appeal.pieces]


def _box(tag: str, css_class: str | None, appeal: Appeal) -> list[HtmlElement]:
    """The appeal as one box: heading, body paragraphs, a button-styled link."""
    box = _element(tag, None)
    if css_class:
        box.set("class", css_class)
    if appeal.heading:
        box.append(_element("h3", appeal.heading))
    for text in appeal.body:
        box.append(_element("p", text))
    if appeal.button:
        link = _element("a", appeal.button)
        link.set("class", "button")
        link.set("href", "/offer")
        paragraph = _element("p", None)
        paragraph.append(link)
        box.append(paragraph)
    return [box]


def _element(tag: str, text: str | None) -> HtmlElement:
    element: HtmlElement = lxml.html.Element(tag)
    element.text = text
    return element


@dataclass(frozen=True, slots=True)
class Layout:
    name: str
    middle: bool  # inserted after the middle paragraph, else after the last
    render: Callable[[Appeal], list[HtmlElement]]


LAYOUTS = (
    Layout("<p> at the end", False, _paragraphs),
    Layout("<p> in the middle", True, _paragraphs),
    Layout("<div class=neutral>", True, lambda a: _box("div", "block-7 mt-2", a)),
    Layout("<div class=telling>", True, lambda a: _box("div", a.box_class, a)),
    Layout("<aside>", True, lambda a: _box("aside", None, a)),
)


def _article_paragraphs(root: HtmlElement) -> list[HtmlElement]:
    """The <p> children of the element whose own <p> children hold the most text."""
    weight: dict[HtmlElement, int] = {}
    for p in root.iter("p"):
        if (parent := p.getparent()) is not None:
            weight[parent] = weight.get(parent, 0) + len(p.text_content())
    if not weight:
        return []
    body = max(weight, key=weight.__getitem__)
    return [child for child in body if child.tag == "p"]


def inject(html: bytes, appeal: Appeal | None, layout: Layout) -> bytes | None:
    """The page with the appeal inserted (``None``: re-serialised unchanged, the
    baseline); None when the page has no article paragraphs to place it by."""
    root = lxml.html.document_fromstring(html)
    paragraphs = _article_paragraphs(root)
    if not paragraphs:
        return None
    if appeal is not None:
        anchor = paragraphs[max(0, len(paragraphs) // 2 - 1)] if layout.middle else paragraphs[-1]
        for element in reversed(layout.render(appeal)):
            anchor.addnext(element)
            element.tail = "\n"
    out: bytes = lxml.html.tostring(root, encoding="utf-8", doctype="<!doctype html>")
    return out


def _words(text: str) -> str:
    return " " + " ".join(_TOKEN.findall(text.lower())) + " "


def surviving(appeal: Appeal, before: str, after: str) -> int:
    """How many of the appeal's paragraphs are still in the text ``after`` injection:
    those occurring more often than in the text ``before`` (so a short button label
    like "OK" that the article itself uses is not counted against the extractor)."""
    was, now = _words(before), _words(after)
    return sum(now.count(_words(piece)) > was.count(_words(piece)) for piece in appeal.pieces)
