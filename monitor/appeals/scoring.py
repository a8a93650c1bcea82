"""Weigh one paragraph's appeal language with the signals of ``signals.SIGNALS``.

Scoring runs on every paragraph of every article, so it is built for speed:
a language's signals run only on text in its script, imperatives are tried only
where a sentence starts, and a pattern's leading ``\\b`` is checked by hand.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from monitor.appeals.signals import (
    LEAVING,
    PERSONS,
    PREPARE,
    QUOTE_MARKS,
    SCRIPTS,
    SIGNALS,
    STEPS,
    THIS_SITE,
    Signal,
)
from monitor.appeals.signals import QUOTED as _QUOTED

# Reported speech: a story quoting an appeal is a story, so its signals count half.
# So is an ask reported as put to others ("a message asking them to disable the
# blocker", «предлагает пользователям отключить»): after someone else ("news
# sites ask visitors"), never the outlet's own ("we're asking users", «просим»),
# nor an imperative ("Encourage them to subscribe", "... and invite them to").
_REPORTED = (
    r"\b(?:said|says|told|according to|wrote|writes|asked|urged|added)\b|"
    r"\b(?<=\w )(?<!we )(?<!you )(?<!please )(?<!and )(?<!to )(?<!i )(?<!we're )(?<!we\u2019re )"
    r"(?<!we are )(?<!we've )(?<!we\u2019ve )(?<!we have )"
    r"(?:ask|urg|prompt|invit|encourag|push|nudg|tell)\w* "
    r"(?:them|users|visitors|customers|viewers|audiences)\b|"
    r"\b(?:сказал|заявил|сообщил|пишет|по словам|призвал)\w*|"
    r"\b(?:призыва|предлага|убежда|подталкива)(?:ет|ют|л|ла|ли)\s(?:их|им|"
    r"(?:пользовател|посетител|клиент|абонент|зрител)\w*)(?!\w)|"
    r"\b(?:просит|просят|просил[аи]?)\s(?:их|(?:пользовател|посетител|клиент|абонент|"
    r"зрител)\w*)(?!\w)"
)
# Where a sentence or clause starts, allowing a "please" before an imperative.
_SENTENCE_START = re.compile(r"(?:^|[.!?:;\-\u2013\u2014]\s+)(?:please,?\s+)?")
_LEAD_MAX_WORDS = 12
_BUTTON_CHARS = 60
_WEIGHT_CAP = 4
# An ask buried in a long paragraph is the story's ("sign up for the trial to
# get ..." in a review); appeals speak in short paragraphs.
_ASK_MAX_WORDS = 70
LIST_ITEM = ("- ", "* ", "• ")  # how trafilatura's text renders list items


_STEP = re.compile("|".join(STEPS.values()))
_THIS_SITE = re.compile("|".join(THIS_SITE.values()))
_LEAVING = re.compile("|".join(LEAVING.values()))
_PERSONS = re.compile("|".join(PERSONS.values()))
_HOW_TO_STEPS = 3


def is_list_item(paragraph: str) -> bool:
    return paragraph.lstrip().startswith(LIST_ITEM)


def speaks_to_or_as_anyone(paragraph: str) -> bool:
    """Whether a paragraph holds a word to the reader or from a "we"
    (``PERSONS``), quoted or not: a quoted source's "we" counts too. Russian
    text is readied by ``PREPARE`` first, so a noun that ends like a verb to
    the reader ("на сайте") is none."""
    line = paragraph.lower()
    for table in _TABLES:
        if table.prepare and table.script.search(line):
            line = table.prepare(line)
    return _PERSONS.search(line) is not None


def is_how_to(paragraph: str) -> bool:
    """A story's service line: a how-to's steps (``STEPS``) that do not act on
    this site (``THIS_SITE``), or how to leave (``LEAVING``). It speaks to the
    reader about subscriptions, as an appeal does, but is the story's, as a list
    is, unless a sure sign of an appeal is in it too (``score``)."""
    line = paragraph.lower()
    return _LEAVING.search(line) is not None or (
        len(_STEP.findall(line)) >= _HOW_TO_STEPS and not _THIS_SITE.search(line)
    )


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


@dataclass(frozen=True, slots=True)
class _Pattern:
    """A signal pattern compiled for speed: a leading ``\\b`` is checked by hand,
    because it stops ``re`` from skipping ahead to the first letters (ten times
    slower)."""

    regex: re.Pattern[str]
    at_word: bool

    @classmethod
    def compile(cls, pattern: str) -> _Pattern:
        branches = _top_level_branches(pattern)
        if not all(branch.startswith(r"\b") for branch in branches):
            return cls(re.compile(pattern), at_word=False)
        return cls(re.compile("|".join(branch[2:] for branch in branches)), at_word=True)

    def search(self, text: str) -> bool:
        position = 0
        while (found := self.regex.search(text, position)) is not None:
            start = found.start()
            if not self.at_word or start == 0 or not _is_word_char(text[start - 1]):
                return True
            position = start + 1
        return False


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


@dataclass(frozen=True, slots=True)
class _Compiled:
    signal: Signal
    pattern: _Pattern


@dataclass(frozen=True, slots=True)
class _Table:
    script: re.Pattern[str]
    signals: tuple[_Compiled, ...]
    asks: tuple[_Compiled, ...]  # the signals that can make an ask or a lead-in
    always: tuple[_Compiled, ...]  # the signals tried on every paragraph
    prepare: Callable[[str], str] | None  # see ``signals.PREPARE``


def _table(language: str, signals: tuple[Signal, ...]) -> _Table:
    compiled = tuple(_Compiled(s, _Pattern.compile(s.pattern)) for s in signals)
    asks = tuple(c for c in compiled if c.signal.weight >= 2 or c.signal.lead)
    always = tuple(c for c in compiled if c.signal.always)
    return _Table(re.compile(SCRIPTS[language]), compiled, asks, always, PREPARE.get(language))


_TABLES = tuple(_table(language, signals) for language, signals in SIGNALS.items())
_ALWAYS_NEEDS = tuple(w for t in _TABLES for c in t.always for w in c.signal.needs)


_REPORTED_PATTERN = _Pattern.compile(_REPORTED)
# "us" is left out: lowercased, it is also the country.
_VOICE = _Pattern.compile(
    r"\b(?:we|we're|we\u2019re|we've|we\u2019ve|our|ours)\b|\b(?:мы|нас|нам|наш\w*)(?!\w)"
)


@dataclass(frozen=True, slots=True)
class Scored:
    """The appeal signals of one paragraph."""

    weight: int  # summed signal weights, capped
    reasons: tuple[str, ...]
    lead: bool  # a lead-in ("Dear readers"): may open a block, is no evidence itself
    ask: bool  # a signal of weight 2 or more: the paragraph asks something of the reader
    sure: bool  # a signal of weight 3: an appeal wherever it stands
    # Speaks as the publication ("we", "our"), outside quotes and reported
    # speech: the register of an appeal's story-like opener. Full scoring only.
    voice: bool = False
    # Tells the reader to act, in an imperative of weight 2 or more at a
    # sentence's start ("Sign up for alerts."): an ask whatever the rest says.
    told: bool = False


NOTHING = Scored(0, (), lead=False, ask=False, sure=False)


class _Paragraph:
    """One paragraph prepared once for every signal: lowercased, quotes masked,
    sentence starts found only if an imperative is tried, and the text readied
    for a language's "text" signals (``signals.PREPARE``) only if one is tried."""

    def __init__(self, paragraph: str) -> None:
        self.line = paragraph.strip().lower()
        self.masked = _QUOTED.sub(" ", self.line)
        self.words = len(self.line.split())
        self._starts: list[int] | None = None
        self._prepared: dict[Callable[[str], str], str] = {}

    def hit(self, c: _Compiled, prepare: Callable[[str], str] | None) -> bool:
        if c.signal.needs and not any(word in self.line for word in c.signal.needs):
            return False
        where = c.signal.where
        if where == "line":
            return (
                len(self.line) <= _BUTTON_CHARS and c.pattern.regex.fullmatch(self.line) is not None
            )
        if where == "start":
            return self.words <= _LEAD_MAX_WORDS and c.pattern.regex.match(self.line) is not None
        if where == "sentence":
            if self._starts is None:
                self._starts = [m.end() for m in _SENTENCE_START.finditer(self.masked)]
            return any(c.pattern.regex.match(self.masked, start) for start in self._starts)
        if prepare is None:
            return c.pattern.search(self.masked)
        if (prepared := self._prepared.get(prepare)) is None:
            prepared = self._prepared[prepare] = prepare(self.masked)
        return c.pattern.search(prepared)


# What makes quoted words a quotation, not a name in quotes («Друзья редакции»,
# "The Brief", «Дело было так», as Russian writes every title): a clause's
# length, sentence punctuation inside the marks, or an attribution after them
# («...», — сказал). A short quotation with none of these counts as a name: an
# appeal names its podcast or button far more often than a story quotes
# three words without saying who said them.
_SPEECH_WORDS = 5
_SPEECH_END = re.compile(r"[.,!?;\u2026]\W?$")
_ATTRIBUTION = re.compile(r"\s*,\s*[\u2014\u2013-]")


def _is_quotation(line: str, quoted: re.Match[str]) -> bool:
    inner = quoted.group(0)[1:-1].strip()
    return (
        len(inner.split()) >= _SPEECH_WORDS
        or _SPEECH_END.search(inner) is not None
        or _ATTRIBUTION.match(line, quoted.end()) is not None
    )


def is_reported(paragraph: str) -> bool:
    """Whether a paragraph quotes or reports someone's words: the story's, then.
    A name in quotes is no quotation: an appeal names its club or newsletter."""
    line = paragraph.lower()
    if _REPORTED_PATTERN.search(line):
        return True
    return any(_is_quotation(line, m) for m in _QUOTED.finditer(line))


def quotes_an_appeal(paragraph: str) -> bool:
    """Whether a paragraph quotes an appeal that a rule is sure of (the notice
    "You've reached your free article limit. Subscribe for $1 a month."): a
    story about a paywall or a pledge drive does. An appeal almost never quotes
    one, nor does other news: a quoted call to "join us in the streets" or to
    donate blood asks, but is no appeal a rule is sure of."""
    if not QUOTE_MARKS.search(paragraph):
        return False
    line = paragraph.lower()
    return any(
        _is_quotation(line, m) and score(m.group(0)[1:-1], asks_only=True).sure
        for m in _QUOTED.finditer(line)
    )


def score(paragraph: str, *, asks_only: bool = False, always_only: bool = False) -> Scored:
    """Weigh one paragraph's appeal signals. List items score nothing: deal lists
    and how-tos say "Sign up for X at $5 a month" as content; so do a story's
    service lines (``is_how_to``) without a sure sign. ``asks_only`` tries
    only the signals that can make an ask or a lead-in: enough to find where
    appeals may be, and a fraction of the cost; weights are then partial.
    ``always_only`` tries only those marked ``always``: what is read even in a
    paragraph the learned model reads as the story's."""
    if is_list_item(paragraph):
        return NOTHING
    if always_only and not any(word in paragraph.lower() for word in _ALWAYS_NEEDS):
        return NOTHING  # the common case, found without preparing the text
    text = _Paragraph(paragraph)
    hits = [
        c.signal
        for table in _TABLES
        if table.script.search(text.line)
        for c in (table.always if always_only else table.asks if asks_only else table.signals)
        if text.hit(c, table.prepare)
    ]
    partial = asks_only or always_only
    if partial and not hits:
        return NOTHING
    halve = _REPORTED_PATTERN.search(text.masked)
    # Quoted or reported words belong to the story, whoever they address.
    voice = not (partial or halve or text.masked != text.line) and _VOICE.search(text.masked)
    if not hits:
        return Scored(0, (), lead=False, ask=False, sure=False, voice=voice)
    weight, reasons, lead, ask, sure, told = 0, dict[str, None](), False, False, False, False
    for signal in hits:
        if signal.reason in reasons:
            continue
        given = (
            signal.weight // 2 if halve and signal.where in ("text", "sentence") else signal.weight
        )
        reasons[signal.reason] = None
        weight += given
        lead = lead or signal.lead
        ask = ask or given >= 2
        sure = sure or given >= 3
        told = told or (given >= 2 and signal.where == "sentence")
    ask = sure or (ask and text.words <= _ASK_MAX_WORDS)
    if not sure and is_how_to(paragraph):
        return NOTHING  # tried last: only a paragraph with some appeal signal pays for it
    return Scored(min(weight, _WEIGHT_CAP), tuple(reasons), lead, ask, sure, voice, told)
