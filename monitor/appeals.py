"""Find and remove appeals (donation, membership, newsletter, paywall, ad-blocker
and cookie notices) from a page, and say why each piece went.

Two layers, both pure:

* ``strip_appeal_containers`` works on the lxml tree before extraction and drops
  elements whose markup declares an appeal (class, id, aria-label, role, data-*),
  or that hold a "Remind me later" style button.
* ``strip_appeal_text`` works on the extracted paragraphs and drops runs of
  paragraphs whose language asks the reader to give, join, subscribe or log in.

Neither layer fetches anything, and neither knows about sites: what marks an
appeal is data (``APPEAL_TOKENS``, ``SIGNALS``), so a new language or a new
markup habit is a new table row, not new code.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from lxml.html import HtmlElement

from monitor.model import Removal

__all__ = ["SIGNALS", "is_detached", "strip_appeal_containers", "strip_appeal_text"]

# ---------------------------------------------------------------- DOM layer

# Whole tokens of class/id/aria-label/data-* values that name an appeal. Whole
# tokens, not substrings: "supported-browsers" and "subscriber-count" must not hit.
APPEAL_TOKENS = frozenset(
    {
        "donate", "donation", "donations", "contribute", "contribution", "contributions",
        "support", "supporter", "supporters", "membership", "memberships", "paywall",
        "regwall", "paywalled", "newsletter", "newsletters", "subscribe", "subscription",
        "subscriptions", "signup", "promo", "promos", "cta", "adblock", "adblocker",
        "patreon", "rassylka", "podpiska", "рассылка", "подписка", "пожертвование",
    }
)  # fmt: skip
APPEAL_BIGRAMS = frozenset(
    {
        ("sign", "up"), ("join", "us"), ("become", "member"), ("members", "only"),
        ("ad", "block"), ("ad", "blocker"), ("remind", "later"), ("piano", "offer"),
    }
)  # fmt: skip
_DIALOG_ROLES = frozenset({"dialog", "alertdialog"})
# Buttons that dismiss an appeal: the box holding one is an appeal even when its
# markup says nothing.
_DISMISS_BUTTON = re.compile(
    r"(?:remind me later|maybe later|not now|no,? thanks|напомнить позже|не сейчас)\W*",
    re.IGNORECASE,
)
_BOX_TAGS = frozenset({"div", "section", "aside", "dialog", "form", "footer"})
_NEVER_DROPPED = frozenset({"html", "body", "head", "main"})
_MAX_TEXT_SHARE = 0.5  # a box holding more of the page text than this is the page
_DATA_VALUE_MAX = 80  # longer data-* values are JSON or URLs, not names

_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")
_NON_WORD = re.compile(r"[\W_\d]+")


@lru_cache(maxsize=4096)
def _tokens(value: str) -> tuple[str, ...]:
    """Split an attribute value on -, _, spaces, digits and camelCase, lowercased."""
    return tuple(t for t in _NON_WORD.split(_CAMEL.sub(" ", value).lower()) if t)


# A cheap necessary condition, tried on the lowercased value before tokenising:
# most attribute values on a page name no appeal, and tokenising all is the cost.
_GATE = re.compile(
    "|".join(sorted(APPEAL_TOKENS | {max(pair, key=len) for pair in APPEAL_BIGRAMS}))
)


@lru_cache(maxsize=4096)
def _appeal_word(value: str) -> str | None:
    """The token or token pair of ``value`` that names an appeal, if any."""
    tokens = _tokens(value)
    for token in tokens:
        if token in APPEAL_TOKENS:
            return token
    for pair in pairwise(tokens):
        if pair in APPEAL_BIGRAMS:
            return "-".join(pair)
    return None


def _names_appeal(value: str | None) -> str | None:
    """The appeal word in an attribute value, if any; cheap when there is none."""
    if not value or not _GATE.search(value.lower()):
        return None
    return _appeal_word(value)


def _markup_reason(element: HtmlElement) -> str | None:
    """Why the element's own attributes declare it an appeal, or None."""
    for name in ("class", "id", "aria-label"):
        if word := _names_appeal(value := element.get(name)):
            return f"container {name} '{value.strip()}' names an appeal ('{word}')"
    if (role := element.get("role", "").strip().lower()) in _DIALOG_ROLES:
        return f"role '{role}' marks an overlay, not article text"
    if element.get("aria-modal", "").strip().lower() == "true":
        return "aria-modal marks an overlay, not article text"
    if element.tag not in _BOX_TAGS:
        return None  # data-* names are read on boxes only: reading every element's costs
    for name, value in element.items():
        word = None
        if name.startswith("data-") and len(value) <= _DATA_VALUE_MAX:
            word = _names_appeal(f"{name[5:]} {value}")
        if word:
            return f"attribute {name}='{value.strip()}' names an appeal ('{word}')"
    return None


def _dismiss_label(element: HtmlElement) -> str | None:
    """The label of a link or button that dismisses an appeal ("Remind me later")."""
    if element.tag not in ("a", "button"):
        return None
    # Direct text first: text_content() on every link of a page costs too much.
    label = (element.text or "").strip() or (element.text_content().strip() if len(element) else "")
    return label if _DISMISS_BUTTON.fullmatch(label) else None


def _dismissed_box(button: HtmlElement, guarded: set[HtmlElement]) -> HtmlElement:
    """The box a dismiss button closes: its nearest box ancestor, unless that is guarded."""
    box = next((a for a in button.iterancestors() if a.tag in _BOX_TAGS), None)
    return button if box is None or box in guarded else box


def _main_content(body: HtmlElement) -> HtmlElement | None:
    """The element whose own <p> children hold the most text: the article body."""
    weight: dict[HtmlElement, int] = {}
    for p in body.iter("p"):
        parent = p.getparent()
        if parent is not None:
            weight[parent] = weight.get(parent, 0) + len(p.text_content())
    return max(weight, key=weight.__getitem__) if weight else None


def _protected(body: HtmlElement, keep: Collection[HtmlElement]) -> set[HtmlElement]:
    """Elements the DOM layer never drops: the main content, kept boxes, their kin."""
    guarded: set[HtmlElement] = set()
    main = _main_content(body)
    anchors = [*keep, main] if main is not None else list(keep)
    for anchor in anchors:
        guarded.add(anchor)
        guarded.update(anchor.iterancestors())
    for kept in keep:
        guarded.update(kept.iterdescendants())
    return guarded


def _candidates(body: HtmlElement) -> list[tuple[HtmlElement, str, bool]]:
    """Elements the markup marks as an appeal, in document order: (element, reason,
    False), or (button, label, True) for a dismiss button that stands for its box."""
    found = []
    for element in body.iter():
        if element.tag in _NEVER_DROPPED:
            continue
        if reason := _markup_reason(element):
            found.append((element, reason, False))
        elif label := _dismiss_label(element):
            found.append((element, label, True))
    return found


def strip_appeal_containers(root: HtmlElement, keep: Collection[HtmlElement] = ()) -> list[Removal]:
    """Drop, in place, the elements whose markup declares an appeal; return what went.

    Never drops an element that holds more than half of the page's text, that is
    or encloses the article body, or that is, holds or sits inside an element in
    ``keep``. Does not look at the words of the text: that is ``strip_appeal_text``.
    """
    body = root.find("body")
    body = root if body is None else body
    candidates = _candidates(body)
    if not candidates:
        return []  # the common case; skip the guards' cost
    total = len(body.text_content()) or 1
    guarded = _protected(body, keep)
    removed: list[Removal] = []
    for found, why, is_button in candidates:
        element = _dismissed_box(found, guarded) if is_button else found
        reason = why
        if is_button:
            what = "box holds the button" if element is not found else "button"
            reason = f"{what} '{why}' dismisses an appeal"
        if element in guarded or is_detached(element, root):
            continue
        text = " ".join(" ".join(element.itertext()).split())
        if len(text) > _MAX_TEXT_SHARE * total:
            continue
        element.drop_tree()
        if text:
            removed.append(Removal(text=text, reason=reason))
    return removed


def is_detached(element: HtmlElement, root: HtmlElement) -> bool:
    """True when an ancestor was already dropped (so this one went with it)."""
    top = element
    for top in element.iterancestors():  # noqa: B007 - the last ancestor is wanted
        pass
    return top is not root


# --------------------------------------------------------------- text layer


@dataclass(frozen=True, slots=True)
class Signal:
    """One way appeal language shows: a pattern, what it means, and how much.

    ``where`` says what the pattern is matched against: "text" searches the
    paragraph with quoted speech blanked out (reporting an appeal is not making
    one), "sentence" likewise but only where a sentence starts (imperatives),
    "start" matches at the paragraph's start (lead-ins), "line" the whole
    paragraph (buttons). Patterns see lowercased text. ``lead`` marks a lead-in
    that may open an appeal block.
    """

    reason: str
    weight: int
    pattern: str
    where: str = "text"
    lead: bool = False


# Per language, the signals of appeal text. Adding a language is adding a key.
SIGNALS: dict[str, tuple[Signal, ...]] = {
    "en": (
        Signal("opens with a message from the publisher", 0,
               r"(?:an? )?(?:message|note|letter|word) from [\w .'\u2019&-]{1,60}:?\s*$",
               "start", lead=True),
        Signal("addresses the readers", 0,
               r"dear (?:readers?|friends|subscribers|supporters|listeners|viewers)\b",
               "start", lead=True),
        Signal("asks the reader to give, join or subscribe", 2,
               r"\b(?:please|you can|can you|if you can|would you|will you|help us|consider)\b"
               r"[^.!?]{0,60}?\b(?:support|donat\w*|giv\w*|contribut\w*|chip in|subscrib\w*|"
               r"join|sign(?:ing)? up|become a)\b"),
        Signal("asks the reader to support the publication", 2,
               r"\bsupport (?:us|our (?:work|journalism|reporting|newsroom|mission))\b|"
               r"\bsupport (?:independent|quality|local) journalism\b"),
        Signal("says the publication needs the reader's help", 2,
               r"\b(?:we|i) (?:need|rely on|depend on|count on) (?:your|readers like you)\b"),
        Signal("tells the reader what their support does", 2,
               r"\bby (?:supporting|donating|subscribing|becoming a)\b[^.!?]{0,80}\byou"),
        Signal("tells the reader to sign up, subscribe, donate or log in", 2,
               r"\b(?:sign up|subscribe|donate|log in|sign in|register now|"
               r"become a (?:member|subscriber|supporter|patron)|join (?:us|now|today|our)|"
               r"click here to|start your (?:day|morning|week) with)\b", "sentence"),
        Signal("promises delivery to the reader's inbox", 2, r"\b(?:in|to|into) your inbox\b"),
        Signal("counts the reader's free articles", 2,
               r"\byou(?:'ve|\u2019ve| have) (?:read|used|reached|viewed)\b[^.!?]{0,40}"
               r"\b(?:articles?|stories|limit)\b"),
        Signal("counts the reader's free articles", 2,
               r"\b\d+ (?:free )?(?:articles?|stories) (?:left|remaining)\b"),
        Signal("asks whether the reader already subscribes", 2,
               r"\balready (?:a|an) (?:subscriber|member|supporter)\b"),
        Signal("asks the reader to subscribe to keep reading", 2,
               r"\b(?:subscribe|log in|sign in|register) (?:now )?to (?:continue|keep) reading\b"),
        Signal("asks the reader to disable an ad blocker", 2,
               r"\b(?:disable|turn off|pause|whitelist)\b[^.!?]{0,40}\bad[ -]?blocker|"
               r"\bad[ -]?blocker\b[^.!?]{0,40}\b(?:detected|enabled|turned on)\b"),
        Signal("is a cookie notice", 2,
               r"\bwe use cookies\b|\b(?:accept|allow) (?:all )?cookies\b|"
               r"\b(?:site|website) uses cookies\b"),
        Signal("is an appeal's button", 2,
               r"(?:remind me later|maybe later|not now|no,? thanks|close|continue|"
               r"(?:donate|support us|subscribe|sign up|join|give|contribute)"
               r"(?: now| today| here)?|"
               r"log ?in|sign in|become a (?:member|supporter|subscriber)|"
               r"thanks? (?:you )?for (?:signing up|subscribing))\W*", "line"),
        Signal("speaks of the reader's support", 1,
               r"\byour (?:support|donation|contribution|gift|generosity|membership)\b|"
               r"\b(?:every|any) (?:contribution|donation|gift)\b"),
        Signal("thanks the reader for support", 1,
               r"\bthank you for (?:supporting|standing with|your support|being a)\b"),
        Signal("mentions a newsletter or channel to subscribe to", 1,
               r"\bnewsletters?\b|\bsubscribe to\b[^.!?]{0,50}\b(?:channel|podcast|alerts)\b"),
        Signal("names a price per period", 1,
               r"[$\u20ac\u00a3\u20bd]\s?\d+(?:[.,]\d+)?\s?(?:a|per|/|every)\s?"
               r"(?:month|mo|week|year|yr|day)\b"),
        Signal("names a price per period", 1,
               r"\b\d+(?:[.,]\d+)?\s?(?:dollars?|euros?|pounds?) (?:a|per|every) "
               r"(?:month|week|year)\b"),
        Signal("names a low price", 1, r"\b(?:just|only) [$\u20ac\u00a3\u20bd]\s?\d"),
        Signal("offers unlimited access", 1, r"\bunlimited (?:digital )?access\b"),
    ),
    # Cyrillic words sit in their own groups: ruff reads a Latin letter touching a
    # Cyrillic one (a "\\b" before a word) as a homoglyph trick. The noqa lines hold
    # one-letter or all-lookalike Russian words on purpose.
    "ru": (
        Signal("addresses the readers", 0,
               r"(?:дорогие|уважаемые|милые) (?:читатели|читательницы|друзья|подписчики)(?!\w)",
               "start", lead=True),
        Signal("opens with a message from the publisher", 0,
               r"(?:обращение|письмо|сообщение) (?:от |к )?(?:редакции|читателям)(?!\w)",
               "start", lead=True),
        Signal("asks the reader to give, join or subscribe", 2,
               r"\b(?:поддержите|помогите (?:нам|редакции)|подпишитесь|"
               r"оформите (?:подписку|пожертвование)|сделайте пожертвование|задонатьте)(?!\w)"),
        Signal("says the publication needs the reader's help", 2,
               r"\b(?:нам) (?:очень )?(?:нужна) (?:ваша) (?:помощь|поддержка)(?!\w)"),
        Signal("is an appeal's button", 2,
               r"(?:напомнить позже|не сейчас|поддержать|подписаться|пожертвовать|закрыть)\W*",
               "line"),
        Signal("speaks of the reader's support", 1,
               r"\b(?:ваш)[аеиу]? (?:поддержк|помощь|пожертвовани)|\b(?:пожертвовани)"),
        Signal("thanks the reader for support", 1,
               r"\b(?:спасибо),? (?:что) (?:вы )?(?:с нами|поддерживаете|читаете)(?!\w)"),  # noqa: RUF001
        Signal("mentions a newsletter", 1, r"\b(?:рассылк)"),
        Signal("names a price per period", 1,
               r"\b\d+\s?(?:рубл[а-яё]*|руб\.?|\u20bd)\s?(?:в|за) (?:месяц|неделю|год)(?!\w)"),  # noqa: RUF001
        Signal("names a price per period", 1, r"\b(?:ежемесячн)"),
    ),
}  # fmt: skip

_QUOTED = re.compile(r'"[^"\n]*"|“[^”\n]*”|«[^»\n]*»|„[^“”\n]*[“”]')
# Reported speech: a story quoting an appeal is a story, so its signals count half.
_REPORTED = (
    r"\b(?:said|says|told|according to|wrote|writes|asked|urged|added)\b|"
    r"\b(?:сказал|заявил|сообщил|пишет|по словам|призвал)\w*"
)
_LEAD_MAX_WORDS = 12
_MIDDLE_MAX_WORDS = 40
_WEIGHT_CAP = 4
_BLOCK_GAP = 3  # signal-free paragraphs an appeal block may hold in a row
_BLOCK_SPAN = 15  # paragraphs a block may span from its lead-in
_EDGE_EVIDENCE = 3  # weight a lead-in block needs at the start or end of the text
_MIDDLE_EVIDENCE = 5  # ... and inside it, where cutting wrongly costs more
_MIDDLE_LINE = 3  # weight a lone paragraph inside the text needs
_LIST_ITEM = ("- ", "* ", "• ")  # how trafilatura's text renders list items


@dataclass(frozen=True, slots=True)
class _Pattern:
    """A signal pattern compiled for speed: matched on lowercased text, and a
    leading ``\\b`` checked by hand, because either one stops ``re`` from
    skipping ahead to the pattern's first letters (ten times slower)."""

    regex: re.Pattern[str]
    at_word: bool

    @classmethod
    def compile(cls, pattern: str) -> _Pattern:
        branches = _top_level_branches(pattern)
        if not all(branch.startswith(r"\b") for branch in branches):
            return cls(re.compile(pattern), at_word=False)
        return cls(re.compile("|".join(branch[2:] for branch in branches)), at_word=True)

    def search(self, text: str, *, at_sentence: bool = False) -> bool:
        position = 0
        while (found := self.regex.search(text, position)) is not None:
            start = found.start()
            word_ok = not self.at_word or start == 0 or not _is_word_char(text[start - 1])
            if word_ok and (not at_sentence or _starts_sentence(text, start)):
                return True
            position = start + 1
        return False


def _top_level_branches(pattern: str) -> list[str]:
    """Split a regular expression at the ``|`` outside any group or class."""
    branches, depth, start, escaped, in_class = [], 0, 0, False, False
    for i, char in enumerate(pattern):
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char in "()":
            depth += 1 if char == "(" else -1
        elif char == "|" and depth == 0:
            branches.append(pattern[start:i])
            start = i + 1
    return [*branches, pattern[start:]]


def _starts_sentence(text: str, start: int) -> bool:
    """Whether ``start`` opens a sentence or clause, allowing a "please" before it."""
    before = text[:start].rstrip()
    before = before.removesuffix("please").rstrip()
    return not before or before[-1] in ".!?:;-\u2013\u2014"


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


@dataclass(frozen=True, slots=True)
class _Compiled:
    signal: Signal
    pattern: _Pattern


_COMPILED = tuple(
    _Compiled(s, _Pattern.compile(s.pattern)) for table in SIGNALS.values() for s in table
)
_LEADS = tuple(c for c in _COMPILED if c.signal.lead)
_REPORTED_PATTERN = _Pattern.compile(_REPORTED)
_SEARCHED = ("text", "sentence")


@dataclass(frozen=True, slots=True)
class _Scored:
    weight: int
    reasons: tuple[str, ...]
    lead: bool


def _score(paragraph: str) -> _Scored:
    """Weigh one paragraph's appeal signals."""
    line = paragraph.strip().lower()
    masked = _QUOTED.sub(" ", line)
    halve = _REPORTED_PATTERN.search(masked)
    weight, reasons, lead = 0, [], False
    for c in _COMPILED:
        where = c.signal.where
        if where == "line":
            hit = c.pattern.regex.fullmatch(line) is not None
        elif where == "start":
            hit = c.pattern.regex.match(line) is not None and len(line.split()) <= _LEAD_MAX_WORDS
        else:
            hit = c.pattern.search(masked, at_sentence=where == "sentence")
        if hit and c.signal.reason not in reasons:
            reasons.append(c.signal.reason)
            weight += c.signal.weight // 2 if halve and where in _SEARCHED else c.signal.weight
            lead = lead or c.signal.lead
    return _Scored(min(weight, _WEIGHT_CAP), tuple(reasons), lead)


class _Scores:
    """Paragraph scores, computed on first use: most paragraphs never need one,
    and scoring is the text layer's whole cost."""

    def __init__(self, paragraphs: Sequence[str]) -> None:
        self.paragraphs = paragraphs
        self._cache: dict[int, _Scored] = {}

    def __len__(self) -> int:
        return len(self.paragraphs)

    def __getitem__(self, k: int) -> _Scored:
        if (scored := self._cache.get(k)) is None:
            scored = self._cache[k] = _score(self.paragraphs[k])
        return scored

    def may_lead(self, k: int) -> bool:
        """Cheap pre-check: could paragraph k be a lead-in?"""
        line = self.paragraphs[k].strip().lower()
        return len(line.split()) <= _LEAD_MAX_WORDS and any(
            c.pattern.regex.match(line) for c in _LEADS
        )

    def is_list_item(self, k: int) -> bool:
        """List items are content: deal lists and how-tos say "Sign up for X at $5 a month"."""
        return self.paragraphs[k].lstrip().startswith(_LIST_ITEM)

    def is_lone_candidate(self, k: int) -> bool:
        """Whether paragraph k could be a promo line inside the text."""
        return not self.is_list_item(k) and len(self.paragraphs[k].split()) <= _MIDDLE_MAX_WORDS


@dataclass(frozen=True, slots=True)
class _Block:
    start: int
    end: int  # inclusive
    reason: str


def _lead_block(scored: _Scores, start: int) -> _Block | None:
    """The appeal block opened by the lead-in at ``start``, if the evidence holds."""
    end, gap, evidence = start, 0, 0
    for k in range(start, min(len(scored), start + _BLOCK_SPAN)):
        if scored[k].weight or scored[k].lead:
            end, gap, evidence = k, 0, evidence + scored[k].weight
        else:
            gap += 1
            if gap > _BLOCK_GAP:
                break
    at_edge = start == 0 or end == len(scored) - 1
    if evidence < (_EDGE_EVIDENCE if at_edge else _MIDDLE_EVIDENCE):
        return None
    reasons = dict.fromkeys(r for k in range(start, end + 1) for r in scored[k].reasons)
    return _Block(start, end, "appeal block: " + "; ".join(reasons))


def _edge_run(scored: _Scores, order: Sequence[int]) -> _Block | None:
    """The run of signalling paragraphs at one edge (indices in ``order``), if strong."""
    run = []
    for k in order:
        if not scored[k].weight or scored.is_list_item(k):
            break
        run.append(k)
    if not run or max(scored[k].weight for k in run) < 2:
        return None
    reasons = dict.fromkeys(r for k in sorted(run) for r in scored[k].reasons)
    return _Block(min(run), max(run), "paragraph " + "; ".join(reasons))


def _find_blocks(scored: _Scores) -> list[_Block]:
    """Lead-in blocks anywhere, then runs at either edge, then strong lone paragraphs."""
    blocks: list[_Block] = []
    k = 0
    while k < len(scored):
        block = _lead_block(scored, k) if scored.may_lead(k) and scored[k].lead else None
        if block is None:
            k += 1
            continue
        blocks.append(block)
        k = block.end + 1
    taken = {k for b in blocks for k in range(b.start, b.end + 1)}
    free = [k for k in range(len(scored)) if k not in taken]
    for order in (free[::-1], free):
        if (run := _edge_run(scored, order)) is not None:
            blocks.append(run)
            taken.update(range(run.start, run.end + 1))
            free = [k for k in free if k not in taken]
    for k in free:
        if (
            scored.is_lone_candidate(k)
            and (s := scored[k]).weight >= _MIDDLE_LINE
            and len(s.reasons) > 1
        ):
            blocks.append(_Block(k, k, "paragraph " + "; ".join(s.reasons)))
    return sorted(blocks, key=lambda b: b.start)


def strip_appeal_text(paragraphs: Sequence[str]) -> tuple[list[str], list[Removal]]:
    """Split extracted paragraphs into those kept and the appeals removed, with reasons.

    Removes a whole appeal block (lead-in, body, buttons) at once, and runs of
    appeal paragraphs at the start or end of the text; inside the text it wants
    stronger evidence. Does not touch third-person reporting about appeals: quoted
    and reported speech count for less, and asks must address the reader.
    """
    blocks = _find_blocks(_Scores(paragraphs))
    dropped = {k for b in blocks for k in range(b.start, b.end + 1)}
    kept = [p for k, p in enumerate(paragraphs) if k not in dropped]
    removals = [
        Removal("\n".join(p.strip() for p in paragraphs[b.start : b.end + 1]), b.reason)
        for b in blocks
    ]
    return kept, removals
