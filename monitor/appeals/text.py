"""The text layer: find appeal blocks in the extracted paragraphs and remove
each whole (lead-in, heading, body, buttons), cautiously in the middle of the
article. Reported and quoted speech count less: a story about a fundraising
drive is a story.

Two readers, each explainable. The rules (``scoring``: signals of appeal
language per language) find asks and grow them into blocks. The learned
paragraph model (``model``) gives every paragraph log-odds of being appeal
text; with the rules' asks added, ``segments`` finds the runs whose evidence,
summed, pays for their edges: cheaply at the end of the text, dearly inside it.
Removals from both are merged, with the reasons of each."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import overload

from monitor.appeals.model import content_words, model, stem, tokens
from monitor.appeals.scoring import (
    NOTHING,
    Scored,
    is_how_to,
    is_list_item,
    is_reported,
    quotes_an_appeal,
    score,
    speaks_to_or_as_anyone,
)
from monitor.appeals.segments import best_runs
from monitor.appeals.signals import CREDITS, SUBJECTS
from monitor.model import Removal

_MIDDLE_MAX_WORDS = 60  # a lone paragraph inside the text longer than this is the story's
_ASK_GAP = 1  # other paragraphs allowed between two asks of one block
_LEAD_GAP = 3  # ... between a lead-in and the asks that follow it
_MIDDLE_EVIDENCE = 3  # weight an appeal inside the text needs, from two kinds of signal
# Appeal vocabulary next to an appeal joins it, up to this many paragraphs on
# each side and only in short paragraphs: a long one is the story's own text.
# Before it, so does a paragraph in the appeal's register (the publication
# speaking as "we") under a heading: a box opens with a title and a story of
# its own work ("This investigation took four months"), then asks. Without the
# heading, a "we" paragraph before an ask is as likely the blog's own text.
_EXTEND = 2
_EXTEND_MAX_WORDS = 40
# ... and none the model reads this surely as the story's, whatever appeal
# words it uses (``_joins``): "the project would cost more than the city could
# afford" speaks of money, not for the appeal below it. On the out-of-author
# check, story paragraphs cut around an appeal fell from 1.685 / 1.971 % (end /
# middle) to 1.556 / 1.729 %, for 0.11 / 0.01 points fewer appeal paragraphs
# removed. Other floors: -5 gave 1.610 / 1.801 % for 0.01 / 0.01 points, -2
# gave 1.523 / 1.696 % for 0.14 / 0.03.
_JOIN_FLOOR = -3.0
_HEADING_WORDS = 8
_BUTTON_WORDS = 6
_BUTTONS = 2  # short lines after an appeal taken as its buttons
# Runs by the weight of their evidence (see ``_runs``): the model's log-odds,
# clipped so that no one paragraph settles a run, leaned towards removal by
# ``_LEAN`` and raised by the rules' asks; a run pays for its edges (below).
# The lean is where the trade sits between appeals removed and story cut.
# Measured on tools/crosscheck_appeals.py in round 12, with the model trained
# by AdaGrad: 0.6 is the least lean tried that removes as many appeal
# paragraphs as the round-11 model did at its lean of 0.5 (95.37 / 94.36 %, end
# / middle; then 95.34 / 94.20), and it cuts fewer article paragraphs read
# alone (1.37 %, then 1.59 %). At 0.75: +0.2 / +0.2 points removed, 1.42 % cut, and one more
# paragraph cut in the tuning sets of on-topic stories; at 1.0: +0.5 / +0.6
# removed, 1.57 % cut; at 0.5: -0.2 / -0.1 removed, 1.33 % cut.
_LOGIT_CLIP = 6.0
_LEAN = 0.6
_RULE_ASK = 2.0
_RULE_SURE = 4.0
# A paragraph sharing at most this share of its words with the story, before
# one the model reads at these log-odds (p = 0.95), gains this much evidence.
_LONER_COHESION = 0.1
_SURE_NEIGHBOUR = 3.0
_NEIGHBOUR_BONUS = 2.0
_SENTENCE_END = re.compile(r"[.!?:\u2026][\"'\u201c\u201d\u2019\u00bb]?\s*$")
_STORY_SIDE = 1.0  # the evidence of a paragraph without an ask in a story about appeals
_HELD = 2.0  # evidence of a paragraph a rule block holds; minus: of reported speech
# What a run's edges cost: entering it (what an appeal at the end of the text
# pays), leaving it (added for one inside the text), and opening the text with
# it, which costs most: the lede is the story's most important paragraph, and
# an appeal there is rare (a paywall notice there is the rules' to find).
_ENTER_COST = 3.0
_LEAVE_COST = 1.0
_START_COST = 6.0
_ANCHOR_LOGIT = 1.4  # p = 0.8: a run needs a sentence this sure (not a label), or a rule's ask
# A label (a box's title, its button) must be this sure to carry a run: p = 0.88.
# Surer (3.0, as before) let through appeals whose only sure line is their
# button ("Pick a tier"); at 2.0 the out-of-author check
# (``tools/crosscheck_appeals.py``) removes 0.4 points more and cuts no more
# article text; at 1.5 it starts to cut more article text.
_LABEL_ANCHOR_LOGIT = 2.0
_ANCHOR_MIN_WORDS = 4  # shorter scraps that are no label ("Dear readers,") carry none
_STEM = 5
_TOPIC_WEIGHT = 3.0  # the model's weight for a word that makes it an appeal word
_MAX_RUN_SHARE = 0.5  # never a run holding half the text's words: that is the story
# Below these log-odds (p < 0.018) the rules do not read a paragraph: they cost
# as much again as the model, and cannot lift such a paragraph into a run alone.
# Short lines they always read, cheaply: a lead-in ("A message from ...:") opens
# a rule block however the model reads it.
_RULES_FLOOR = -2.0
_ALWAYS_READ_WORDS = 12
_MODEL_REASON = "the learned model reads these paragraphs as appeal text"


@dataclass(frozen=True, slots=True)
class _Block:
    start: int
    end: int  # inclusive
    reasons: tuple[str, ...]

    @property
    def reason(self) -> str:
        kind = "appeal block" if self.end > self.start else "paragraph"
        return f"{kind}: " + "; ".join(self.reasons)


def _seeds(scores: Sequence[Scored]) -> list[tuple[int, int]]:
    """Runs of asks and lead-ins that belong together: (first, last) index pairs.
    Asks close together form one run; after a lead-in the run waits longer, as
    a letter to readers tells its story before it asks."""
    runs: list[tuple[int, int]] = []
    start = last = -1
    for k, s in enumerate(scores):
        if not (s.ask or s.lead):
            continue
        gap = _LEAD_GAP if start >= 0 and scores[start].lead else _ASK_GAP
        if start >= 0 and k - last - 1 <= gap:
            last = k
            continue
        if start >= 0:
            runs.append((start, last))
        start = last = k
    return [*runs, (start, last)] if start >= 0 else runs


def _grow(
    scores: Sequence[Scored],
    words: Sequence[int],
    labels: Sequence[int],
    logits: Sequence[float],
    *,
    start: int,
    end: int,
    about: bool,
) -> tuple[int, int]:
    """Widen a run over neighbouring appeal vocabulary, then take the heading just
    before it and the buttons just after it: short labels of any words, as a
    box's title and its "Count me in" belong to the appeal, whatever they say.
    In a story ``about`` appeals, the neighbours' appeal vocabulary is the
    story's: only the heading and the buttons are taken."""
    for _ in range(0 if about else _EXTEND):
        titled = start > 1 and 0 < labels[start - 2] <= _HEADING_WORDS
        k = start - 1
        if start > 0 and _joins(scores[k], words[k], logits[k], opener=titled):
            start -= 1
    for _ in range(0 if about else _EXTEND):
        k = end + 1
        if end < len(scores) - 1 and _joins(scores[k], words[k], logits[k], opener=False):
            end += 1
    # One title and a button or two: a label next to a label the block already
    # holds is the story's own subheading, unless it speaks the appeal's language.
    title = start > 0 and 0 < labels[start - 1] <= _HEADING_WORDS
    if title and (not labels[start] or scores[start - 1].weight):
        start -= 1
    for _ in range(_BUTTONS):
        if end == len(scores) - 1 or not 0 < labels[end + 1] <= _BUTTON_WORDS:
            break
        if labels[end] and not scores[end + 1].weight:
            break
        end += 1
    return start, end


# Signals of register alone (who speaks to whom), not of what an appeal is about:
# a blog's "we hope you enjoy it" has them too.
_REGISTER = frozenset({"speaks from the publication to the reader"})


def _joins(neighbour: Scored, words: int, logit: float, *, opener: bool) -> bool:
    """Whether a short paragraph beside an appeal belongs to it: it speaks the
    appeal's language, or, as its titled opener, the appeal's register, and the
    model does not read it surely as the story's."""
    if words > _EXTEND_MAX_WORDS or logit < _JOIN_FLOOR:
        return False
    if not (neighbour.weight or neighbour.voice):
        return False  # a halved signal (reported speech) is the story's
    return opener or (neighbour.weight > 0 and not _REGISTER.issuperset(neighbour.reasons))


# What a label (a heading or a button) never holds: the article's own short lines
# are sentences, datelines, credits, links and captions, which do.
_NOT_LABEL = re.compile(r"[\d:;/@(\[|]|https?|[.,;:\u3002]\s*$")
_CREDIT = re.compile("|".join(CREDITS.values()), re.IGNORECASE)


def _is_credit(line: str) -> bool:
    """A story's credit line (``CREDITS``); not one in capitals, which is a
    heading ("PHOTOS BY YOU")."""
    return _CREDIT.match(line) is not None and not line.isupper()


def _label_words(paragraph: str) -> int:
    """The words of a paragraph that could be a heading or a button, else 0."""
    line = paragraph.strip()
    if not line[:1].isupper() or _NOT_LABEL.search(line) or _is_credit(line):
        return 0
    return len(line.split())


def _is_appeal(
    scores: Sequence[Scored],
    words: Sequence[int],
    labels: Sequence[int],
    *,
    start: int,
    end: int,
) -> bool:
    """Whether the evidence in paragraphs start..end suffices where they stand:
    at an edge of the text one ask does; inside it, cutting wrongly costs the
    story, so it takes a sure signal or an ask with more evidence, of which a
    box's shape (a title, then the publication's voice, then the ask) is one."""
    inside = scores[start : end + 1]
    asks = sum(s.ask for s in inside)
    if not asks:
        return False
    if start == 0 or end == len(scores) - 1:
        return True
    if any(s.sure for s in inside) or asks > 1:
        return True  # one sure sign, or asks in a row: a box of them
    reasons = {r for s in inside for r in s.reasons}
    evidence = sum(s.weight for s in inside)
    if end - start >= 2 and labels[start] and scores[start + 1].voice:
        reasons.add("a titled opener in the publication's voice")
        evidence += 1
    lone_long = start == end and words[start] > _MIDDLE_MAX_WORDS
    return evidence >= _MIDDLE_EVIDENCE and len(reasons) > 1 and not lone_long


def _read(
    paragraphs: Sequence[str], around: tuple[Sequence[str], Sequence[str]]
) -> tuple[list[float], list[float | None]]:
    """The learned model's log-odds for every paragraph, clipped, and each one's
    cohesion with the text (``around`` it: the text before and after)."""
    logits, cohesion = model().read(paragraphs, before=around[0], after=around[1])
    return [max(-_LOGIT_CLIP, min(_LOGIT_CLIP, x)) for x in logits], cohesion


class _Scores(Sequence[Scored]):
    """Full paragraph scores, computed on first use: only paragraphs in and
    around a possible appeal need more than the asks-only score."""

    def __init__(self, paragraphs: Sequence[str], protected: AbstractSet[int]) -> None:
        self._paragraphs = paragraphs
        # A protected paragraph (``strip_appeal_text``) says nothing for an appeal.
        self._cache: dict[int, Scored] = dict.fromkeys(protected, NOTHING)

    def __len__(self) -> int:
        return len(self._paragraphs)

    @overload
    def __getitem__(self, k: int) -> Scored: ...
    @overload
    def __getitem__(self, k: slice) -> Sequence[Scored]: ...
    def __getitem__(self, k: int | slice) -> Scored | Sequence[Scored]:
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        if (found := self._cache.get(k)) is None:
            found = self._cache[k] = score(self._paragraphs[k])
        return found


def _find_blocks(
    paragraphs: Sequence[str],
    *,
    box: bool,
    around: tuple[Sequence[str], Sequence[str]],
    headline: str | None,
    protected: AbstractSet[int],
) -> list[_Block]:
    logits, cohesion = _read(paragraphs, around)
    about = _about_appeals(paragraphs, logits, headline=headline, box=box)
    # What the user keeps is read as the story's surest line, once the lede has
    # told what the story is about, with no appeal words and as no label: it
    # neither starts an appeal, nor joins one (``_JOIN_FLOOR``), nor heads or
    # closes one as its title or button, nor lends one its evidence.
    for k in protected:
        logits[k] = -_LOGIT_CLIP
    words = [len(p.split()) for p in paragraphs]
    asks = [
        NOTHING
        if k in protected
        else score(p, asks_only=True)
        if logits[k] > _RULES_FLOOR or words[k] <= _ALWAYS_READ_WORDS
        else score(p, always_only=True)
        for k, p in enumerate(paragraphs)
    ]
    labels = [
        _label_words(p)
        if words[k] <= _HEADING_WORDS and not is_list_item(p) and k not in protected
        else 0
        for k, p in enumerate(paragraphs)
    ]
    questions = set() if box else _explainer_questions(paragraphs, words, asks)
    # Lines the story owns however they read: an explainer's questions and a
    # story's service lines (``is_how_to``: a how-to's steps, how to leave; not
    # with a sure sign of an appeal in them, which ``score`` already treats
    # so), looked for only where the model leans towards an appeal.
    story_lines = questions | {
        k
        for k, p in enumerate(paragraphs)
        if logits[k] > _RULES_FLOOR and not asks[k].sure and is_how_to(p)
    }
    # The headline's words: a section under a subheading repeating them is the
    # story's (``_rule_blocks``, ``_runs``).
    headed = _stems(headline) if headline else set()
    blocks = _rule_blocks(
        paragraphs,
        asks,
        words,
        labels,
        logits,
        about=about,
        cohesion=cohesion,
        headed=headed,
        protected=protected,
    )
    evidence = _evidence(
        paragraphs,
        asks=asks,
        labels=labels,
        logits=logits,
        cohesion=cohesion,
        blocks=blocks,
        about=about,
        story_lines=story_lines,
    )
    runs = _runs(
        paragraphs,
        evidence,
        asks=asks,
        words=words,
        labels=labels,
        logits=logits,
        blocks=blocks,
        box=box,
        topic=_topic(headline),
        cohesion=cohesion,
        headed=headed,
    )
    found = _with_lists(_merge([*blocks, *runs]), paragraphs)
    if about or box:
        return found
    return _merge(
        [
            _reach_back(
                b,
                paragraphs,
                evidence=evidence,
                labels=labels,
                words=words,
                story_lines=story_lines,
            )
            for b in found
        ]
    )


_QUESTION_WORDS = 20
_QUESTION_END = re.compile(r"\?[\"'\u201d\u00bb]?\s*$")
_EXPLAINER_QUESTIONS = 3
_ANSWER_SPAN = 4  # paragraphs from one question to the next, at most


def _explainer_questions(
    paragraphs: Sequence[str], words: Sequence[int], asks: Sequence[Scored]
) -> set[int]:
    """The questions of a question-and-answer explainer ("Can I keep my profile?",
    «А что делать пользователю?»): three or more lines of their own that ask
    nothing of the reader, each with an answer after it and the next question
    at most ``_ANSWER_SPAN`` paragraphs on; the first in the text's first
    third, the span of them at least half the text. An appeal asks its
    questions together at its end ("Why subscribe? ... Can I cancel?"); an
    explainer's run through the story. They are never appeal text on their
    own evidence, but one still heads an appeal that goes after it (``_frame``)."""  # noqa: RUF002
    n = len(paragraphs)
    found = [
        k
        for k in range(n - 1)
        if words[k] <= _QUESTION_WORDS
        and _QUESTION_END.search(paragraphs[k])
        and not (asks[k].ask or asks[k].lead)
        and not _QUESTION_END.search(paragraphs[k + 1])
    ]
    chain: list[int] = []
    for k in found:
        if chain and k - chain[-1] > _ANSWER_SPAN:
            if len(chain) >= _EXPLAINER_QUESTIONS:
                break
            chain = []
        chain.append(k)
    if len(chain) < _EXPLAINER_QUESTIONS or chain[0] * 3 > n or (chain[-1] - chain[0]) * 2 < n:
        return set()
    return set(chain)


_TIED_COHESION = 0.25  # a lone paragraph this tied to the story stays (_runs, _rule_blocks)
_LEDE_WORDS = 15  # a lede's paragraphs are this long at least (_runs)
_REACH_BACK = 3  # lead-in paragraphs a block may take before it
_REACH_FLOOR = -3.0  # ... none with stronger evidence against it than this
_REACH_SHARED = 2  # ... and each sharing this many words with the block at least


def _reach_back(
    block: _Block,
    paragraphs: Sequence[str],
    *,
    evidence: Sequence[float],
    labels: Sequence[int],
    words: Sequence[int],
    story_lines: AbstractSet[int] = frozenset(),
) -> _Block:
    """The block with its lead-in: an appeal often opens like a story ("Since
    1974, listeners have kept KHPR on the air"), which the model reads as the
    story's. A paragraph just before the block that shares at least
    ``_REACH_SHARED`` words (by their stems) with the block, and more than with
    all the text before it, speaks of the appeal, not of the story, and goes
    with it; so may the one before that. Never a label, a list item, a
    quotation or one of the ``story_lines``, nor the text's first paragraph,
    nor so much that the block would hold half the text; a title just before
    the lead-in goes too."""
    common = model().common
    start = block.start
    own = set().union(*(_stemmed(paragraphs[k], common) for k in range(start, block.end + 1)))
    story = [_stemmed(p, common) for p in paragraphs[:start]]
    total = sum(words) or 1
    taken = sum(words[start : block.end + 1])
    while start > 1 and block.start - start < _REACH_BACK:
        k = start - 1
        if (
            labels[k]
            or k in story_lines
            or evidence[k] < _REACH_FLOOR
            or _listed_or_reported(paragraphs[k])
        ):
            break
        mine = story[k]
        before = set().union(*story[:k])
        shared = len(mine & own)
        if shared < max(_REACH_SHARED, len(mine & before) + 1):
            break
        if taken + words[k] > _MAX_RUN_SHARE * total:
            break
        own |= mine
        taken += words[k]
        start = k
    if start == block.start:
        return block
    # The title of the lead-in, unless it is the text's first line or would tip
    # the block past half the text.
    if start > 1 and labels[start - 1] and taken + words[start - 1] <= _MAX_RUN_SHARE * total:
        start, _ = _frame(labels, start, block.end, len(paragraphs))
    return _Block(start, block.end, block.reasons)


def _rule_blocks(
    paragraphs: Sequence[str],
    asks: Sequence[Scored],
    words: Sequence[int],
    labels: Sequence[int],
    logits: Sequence[float],
    *,
    about: bool,
    cohesion: Sequence[float | None],
    headed: AbstractSet[str] = frozenset(),
    protected: AbstractSet[int] = frozenset(),
) -> list[_Block]:
    """The blocks the rules find: asks grown over their neighbours, kept where
    their evidence suffices (``_is_appeal``)."""
    if not any(s.ask or s.lead for s in asks):
        return []  # the common case: no rule block can start anywhere
    scores = _Scores(paragraphs, protected)
    blocks: list[_Block] = []
    taken = -1
    for first, last in _seeds(asks):
        start, end = _grow(scores, words, labels, logits, start=first, end=last, about=about)
        start = max(start, taken + 1)
        if start > end or not _is_appeal(scores, words, labels, start=start, end=end):
            continue
        # Inside the text, the rules alone do not cut: a how-to in a story about
        # subscriptions speaks to "you" about them too. Unless a sign is sure,
        # the model must read some sentence of the block (not just a short
        # label, which it reads less surely) as appeal text.
        inside = start > 0 and end < len(paragraphs) - 1
        sure = any(s.sure for s in scores[start : end + 1])
        sentences = [k for k in range(start, end + 1) if not labels[k]] or [start]
        if inside and not sure and max(logits[k] for k in sentences) < 0:
            continue
        # At the text's edge one ask suffices, but not from a lone paragraph the
        # model reads as the story's and that shares a good part of its words
        # with the rest of it, and that tells the reader to do nothing: a
        # column's lede ("You probably use an ad blocker. About four in ten
        # people do ...") or its close. "The vote is on Monday. Sign up for
        # alerts." still tells.
        if (
            not inside
            and start == end
            and not sure
            and not scores[start].told
            and logits[start] < 0
            and (cohesion[start] or 0.0) >= _TIED_COHESION
        ):
            continue
        # Inside the text, a section whose subheading repeats the headline's
        # words ("Here's how to cancel" above, "How to cancel" here) is the
        # service part the headline promised, however it speaks to the reader.
        if inside and not sure:
            start = _past_section(start, end, paragraphs, labels, headed)
            if start > end or not _is_appeal(scores, words, labels, start=start, end=end):
                continue
        reasons = dict.fromkeys(r for s in scores[start : end + 1] for r in s.reasons)
        blocks.append(_Block(start, end, tuple(reasons)))
        taken = end
    return blocks


_SECTION_REACH = 2  # paragraphs between a subheading and what it heads


def _past_section(
    first: int,
    last: int,
    paragraphs: Sequence[str],
    labels: Sequence[int],
    headed: AbstractSet[str],
) -> int:
    """Where an appeal among paragraphs ``first``..``last`` can start, past the
    part of a section the headline announced: under a subheading (the nearest
    label at or above ``first``, a paragraph or two up) that only repeats the
    headline's words (``headed``), common words too, the subheading and the
    sentences that speak of what the headline does are the story's. One shared
    word is chance ("Reporting that costs" under "... reportedly investigating
    ..."), and an appeal placed in such a section shares none ("Subscribe to
    our newsletters" under "How to cancel"). Past ``last``: all of it is.
    Only a subheading with such a sentence under it heads a section."""
    if not headed:
        return first
    for k in range(first, max(first - _SECTION_REACH, 0) - 1, -1):
        if k > 0 and labels[k]:
            said = _stems(paragraphs[k])
            if not said or not said <= headed:
                return first
            start, told = first, False
            while start <= last and (
                start == k or (not labels[start] and _stems(paragraphs[start]) & headed)
            ):
                told = told or start != k
                start += 1
            # A subheading with no sentence of the headline's subject under it
            # is no section: an appeal's title ("Support us") may share a word.
            return start if told else first
    return first


def _evidence(
    paragraphs: Sequence[str],
    *,
    asks: Sequence[Scored],
    labels: Sequence[int],
    logits: Sequence[float],
    cohesion: Sequence[float | None],
    blocks: Sequence[_Block],
    about: bool,
    story_lines: AbstractSet[int] = frozenset(),
) -> list[float]:
    """Per paragraph, the log-odds that it is appeal text: the learned model's,
    leaned towards removal (``_LEAN``), raised by the rules' asks, and raised
    for a paragraph that shares no words with the story and stands before one
    the model is sure of: an appeal's opener sets the scene
    before its neighbour asks. A paragraph a rule block holds is appeal text;
    quoted or reported speech, list items, credits and the ``story_lines``
    (``_find_blocks``) never are. In a story ``about``
    appeals (a pledge drive, a paywall), every paragraph reads like one: there
    the model's evidence alone counts against, and only the rules' asks (the
    outlet's own appeal after the story) are appeal text, with what the model is
    sure of beside them (``_beside_asks``)."""
    found = []
    held = {k for b in blocks for k in range(b.start, b.end + 1)}
    last = len(paragraphs) - 1
    own = _beside_asks(paragraphs, asks, labels, logits) if about else set()
    for k, paragraph in enumerate(paragraphs):
        value = logits[k] + _LEAN
        if asks[k].sure:
            value += _RULE_SURE
        elif asks[k].ask:
            value += _RULE_ASK
        shared = cohesion[k]
        if (
            shared is not None
            and shared <= _LONER_COHESION
            and not labels[k]
            and _SENTENCE_END.search(paragraph)  # not a caption or credit: "(Graphic: ...)"
            and k < last
            and not labels[k + 1]  # a heading after the story's last line opens the appeal
            and logits[k + 1] >= _SURE_NEIGHBOUR
        ):
            value += _NEIGHBOUR_BONUS
        if about and not asks[k].ask and k not in own:
            value = min(value, -_STORY_SIDE)
        if k in held:
            value = max(value, _HELD)
        if value > -_HELD and (k in story_lines or _listed_or_reported(paragraph)):
            value = -_HELD
        found.append(value)
    return found


def _listed_or_reported(paragraph: str) -> bool:
    """A list item, quoted or reported speech, or a credit: the story's, never
    an appeal."""
    return is_list_item(paragraph) or is_reported(paragraph) or _is_credit(paragraph.strip())


def _beside_asks(
    paragraphs: Sequence[str],
    asks: Sequence[Scored],
    labels: Sequence[int],
    logits: Sequence[float],
) -> set[int]:
    """The paragraphs joined to a rule's ask by a chain of paragraphs the model is
    sure of: in a story about appeals, the outlet's own appeal after it (its
    title, its story, its ask) is still one. Its title is where it starts: the
    chain stops there, before the story's own lines about the drive. After the
    ask come only its buttons: the story may go on there."""
    found: set[int] = set()
    for k in (k for k, s in enumerate(asks) if s.ask):
        for step in (-1, 1):
            j = k + step
            while 0 <= j < len(paragraphs) and logits[j] >= _SURE_NEIGHBOUR:
                if _listed_or_reported(paragraphs[j]) or (step > 0 and not labels[j]):
                    break
                found.add(j)
                if step < 0 and labels[j]:
                    break
                j += step
    return found


def _runs(
    paragraphs: Sequence[str],
    evidence: Sequence[float],
    *,
    asks: Sequence[Scored],
    words: Sequence[int],
    labels: Sequence[int],
    logits: Sequence[float],
    blocks: Sequence[_Block],
    box: bool,
    topic: frozenset[str],
    cohesion: Sequence[float | None],
    headed: AbstractSet[str] = frozenset(),
) -> list[_Block]:
    """Appeal runs by the weight of all their evidence (``segments``): each needs
    a paragraph the model is sure of or a rule's ask, and none may hold half the
    text (unless the text is one ``box``). A run without a rule's ask that speaks
    of the ``topic`` (the headline's appeal words: "membership", "paywall") stays:
    a story about a paper's membership drive reads like an appeal, and its
    headline says so. A run takes the heading before it and a button after it,
    as a block does."""
    held = {k for b in blocks for k in range(b.start, b.end + 1)}
    total = sum(words) or 1
    found = []
    runs = best_runs(
        evidence,
        enter_cost=_ENTER_COST,
        leave_cost=_LEAVE_COST,
        start_cost=0.0 if box else _START_COST,
    )
    for run in runs:
        first, last = run
        # Inside the text, under a subheading that repeats the headline's words,
        # the section the headline promised is the story's (``_past_section``).
        section_end = 0  # where such a section ends, if the run starts in one
        if not box and last < len(paragraphs) - 1:
            past = _past_section(first, last, paragraphs, labels, headed)
            if past != first:
                first = section_end = past
        first, last = _without_story_lines(
            first,
            last,
            box=box,
            held=held,
            paragraphs=paragraphs,
            asks=asks,
            logits=logits,
            words=words,
            labels=labels,
        )
        inside = range(first, last + 1)
        # Inside the text, a label alone that names what the next paragraph
        # tells (a content word: not "with", "their") is a subheading
        # ("Neighbours join in"), however the model reads it.
        if (
            not box
            and last < len(paragraphs) - 1
            and all(labels[k] for k in inside)
            and _stems(" ".join(paragraphs[first : last + 1]), model().common)
            & _stems(paragraphs[last + 1], model().common)
        ):
            continue
        if first > last or not any(
            _anchors(k, asks=asks, words=words, labels=labels, logits=logits) for k in inside
        ):
            continue
        if (
            topic
            and not any(asks[k].ask for k in inside)
            and any(topic & _stems(paragraphs[k]) for k in inside)
        ):
            continue  # the model's evidence alone, on what the headline is about: the story's
        # The text's opening, read as appeal text by the model alone, in
        # paragraphs of reporting's length that speak to no reader and as no
        # "we", the first sharing its words with the story, is the story's lede
        # ("Nine months after the Ledger closed, its reporters launched a news
        # site funded by members"). A paywall's notice before the story ("Three
        # free articles left this month.") is short and shares no words.
        if (
            first == 0
            and not box
            and (cohesion[first] or 0.0) > _LONER_COHESION
            and not any(asks[k].ask for k in inside)
            and all(words[k] >= _LEDE_WORDS for k in inside)
            and not any(speaks_to_or_as_anyone(paragraphs[k]) for k in inside)
        ):
            continue
        # A lone paragraph, without a rule's ask, that shares a good part of its
        # words with the rest of the story is the story's, however it reads.
        if (
            not box
            and first == last
            and not asks[first].ask
            and (cohesion[first] or 0.0) >= _TIED_COHESION
        ):
            continue
        if not box and sum(words[k] for k in inside) > _MAX_RUN_SHARE * total:
            continue
        first, last = _trimmed(first, last, box=box, held=held, evidence=evidence)
        start, end = _frame(labels, first, last, len(paragraphs))
        start = max(start, section_end)  # not the section's own subheading
        rules = dict.fromkeys(r for k in range(start, end + 1) for r in asks[k].reasons)
        found.append(_Block(start, end, (*rules, _MODEL_REASON)))
    return found


def _trimmed(
    first: int,
    last: int,
    *,
    box: bool,
    held: AbstractSet[int],
    evidence: Sequence[float],
) -> tuple[int, int]:
    """A run's first and last paragraph once the story's lines beyond the appeal
    are left out. A run reaching a free edge (the end of the text; either end of
    a box) saves an edge by taking what lies beyond the appeal: lines with
    evidence against them (a credit, a last sentence, reported speech) stay.
    Paragraphs a rule block holds are the appeal's."""
    if box or last == len(evidence) - 1:
        while last > first and evidence[last] < 0 and last not in held:
            last -= 1
    if box:
        while first < last and evidence[first] < 0 and first not in held:
            first += 1
    return first, last


def _without_story_lines(
    first: int,
    last: int,
    *,
    box: bool,
    held: AbstractSet[int],
    paragraphs: Sequence[str],
    asks: Sequence[Scored],
    logits: Sequence[float],
    words: Sequence[int],
    labels: Sequence[int],
) -> tuple[int, int]:
    """A run in an article without the story's short lines at its edges
    (``_short_story_line``); before the run is judged, so that what is left
    faces every test a run of that size does."""

    def story_line(k: int) -> bool:
        return k not in held and _short_story_line(
            paragraphs[k], asks[k], logits[k], words=words[k], label=labels[k]
        )

    if box:
        return first, last
    while first < last and story_line(first):
        first += 1
    while last > first and story_line(last):
        last -= 1
    return first, last


_SHORT_LINE_WORDS = 8


# A sentence's end: a story's line. An appeal's title or button has none, though
# it may hold a digit or a colon that makes it no label ("Election 2024: Inside
# the race").
_SENTENCE = re.compile(r"[.!?\u2026][\"'\u201d\u2019\u00bb)]?\s*$")


def _short_story_line(paragraph: str, ask: Scored, logit: float, *, words: int, label: int) -> bool:
    """Whether a paragraph at a run's edge is a short line of the story's
    ("Подробности уточняются.") that came into the run on the lean: no rule's
    ask, the model reading it as the story's, too short to tell more, and
    shaped as a sentence. A label (an appeal's title or button) is the run's to
    frame (``_frame``), not judged here; a credit never comes into a run, as its
    evidence is against (``_listed_or_reported``).

    On the out-of-author check (round 13): 0.03 / 0.02 points fewer appeal
    paragraphs removed (at the end / in the middle), 0.06 / 0.01 points fewer
    story paragraphs cut around them. Longer lines cut fewer still and remove
    less: up to 12 words, 0.05 / 0.03 points fewer cut for 0.06 / 0.04 fewer
    removed (and 3 fewer paragraphs of 14,559 cut from articles read alone); up
    to 20, 0.07 / 0.08 for 0.19 / 0.15. A later round may trade so."""
    if ask.ask or label or words > _SHORT_LINE_WORDS:
        return False
    return logit < 0 and _SENTENCE.search(paragraph.strip()) is not None


def _stemmed(text: str, common: frozenset[str]) -> set[str]:
    """A text's content words by their Snowball stems: "мэрия" meets "мэрию"."""
    return {stem(w) for w in content_words(tokens(text), common)}


def _stems(text: str, common: frozenset[str] = frozenset()) -> set[str]:
    """A text's words of four letters or more, not among ``common``, cut to their
    first five: "member" meets "membership". For the headline's topic the
    common words count too: what the training texts use most ("members", on a
    membership story) may be what the headline says."""
    return {w[:_STEM] for w in content_words(tokens(text), common)}


_SUBJECT = re.compile("|".join(SUBJECTS.values()), re.IGNORECASE)
_LEDE_SUBJECTS = 2
_QUOTE_REACH = 2


def _about_appeals(
    paragraphs: Sequence[str], logits: Sequence[float], *, headline: str | None, box: bool
) -> bool:
    """Whether the story's subject is an appeal (a pledge drive, a paywall): its
    headline names one, or its lede (when the model reads that as the story's)
    names two different ones ("paying subscribers" alone is a detail of many a
    business story), or one of its first ``_QUOTE_REACH`` paragraphs quotes an
    appeal a rule is sure of ("You've reached your free article limit. Subscribe
    for $1 a month."; ``quotes_an_appeal``). Never for a ``box``: a box is
    judged by its own words."""
    if box:
        return False
    if _SUBJECT.search(headline or ""):
        return True
    lede = paragraphs[0] if paragraphs and logits[0] < 0 else ""
    named = {m.group(0).casefold()[:_STEM] for m in _SUBJECT.finditer(lede)}
    return len(named) >= _LEDE_SUBJECTS or any(map(quotes_an_appeal, paragraphs[:_QUOTE_REACH]))


def _topic(headline: str | None) -> frozenset[str]:
    """The stems of the headline's words that the model reads as appeal words
    ("membership", "paywall", "donors"): a story about those is about appeals."""
    if not headline:
        return frozenset()
    scorer = model()
    words = content_words(tokens(headline), frozenset())
    return frozenset(w[:_STEM] for w in words if scorer.word_weight(w) >= _TOPIC_WEIGHT)


def _anchors(
    k: int,
    *,
    asks: Sequence[Scored],
    words: Sequence[int],
    labels: Sequence[int],
    logits: Sequence[float],
) -> bool:
    """Whether paragraph k can carry a run: a rule's ask, or a sentence the model
    is sure of; a label (a heading, a button: "Close", a share bar) only if the
    model is surer still."""
    if labels[k]:
        return logits[k] >= _LABEL_ANCHOR_LOGIT
    return asks[k].ask or (logits[k] >= _ANCHOR_LOGIT and words[k] >= _ANCHOR_MIN_WORDS)


def _frame(labels: Sequence[int], start: int, end: int, count: int) -> tuple[int, int]:
    """A run with the title just before it and a button just after it; a label
    beside a label the run already holds is the story's own subheading."""
    if start > 0 and 0 < labels[start - 1] <= _HEADING_WORDS and not labels[start]:
        start -= 1
    if end < count - 1 and 0 < labels[end + 1] <= _BUTTON_WORDS and not labels[end]:
        end += 1
    return start, end


def _with_lists(blocks: Sequence[_Block], paragraphs: Sequence[str]) -> list[_Block]:
    """The blocks with the lists they hold: list items are never appeal text by
    their own evidence (a story lists steps and prices too), but a list that an
    appeal's line opens with a colon ("Members get:"), up to the rest of the
    appeal ("Become a member") or the text's end, is the appeal's."""
    found = list(blocks)
    for k, block in enumerate(found):
        end = block.end
        while end + 1 < len(paragraphs) and is_list_item(paragraphs[end + 1]):
            end += 1
        if end == block.end:
            continue
        # The appeal's own line introduces the list ("Members get:"); a list
        # that merely stands between two appeals is the story's.
        if not paragraphs[block.end].rstrip().endswith(":"):
            continue
        closed = k + 1 < len(found) and found[k + 1].start == end + 1
        if closed or end == len(paragraphs) - 1:
            found[k] = _Block(block.start, end, block.reasons)
    return _merge(found)


def _merge(blocks: Sequence[_Block]) -> list[_Block]:
    """Overlapping or touching blocks as one, with the reasons of all."""
    merged: list[_Block] = []
    for block in sorted(blocks, key=lambda b: b.start):
        if merged and block.start <= merged[-1].end + 1:
            last = merged[-1]
            reasons = tuple(dict.fromkeys((*last.reasons, *block.reasons)))
            merged[-1] = _Block(last.start, max(last.end, block.end), reasons)
        else:
            merged.append(block)
    return merged


def strip_appeal_text(
    paragraphs: Sequence[str],
    *,
    box: bool = False,
    around: tuple[Sequence[str], Sequence[str]] = ((), ()),
    headline: str | None = None,
    protected: AbstractSet[int] = frozenset(),
) -> tuple[list[str], list[Removal]]:
    """Split extracted paragraphs into those kept and the appeals removed, with reasons.

    Removes a whole appeal block (lead-in, body, heading, buttons) at once. At the
    start or end of the text one ask to the reader suffices (not from a lone
    paragraph the model reads as the story's, tied to it by its words, that
    tells the reader to do nothing); inside the text it wants stronger
    evidence. Does not touch third-person reporting about appeals: quoted and
    reported speech count for less, asks must address the reader, list items
    are never read as appeals, nor are a how-to's steps and lines on how to
    leave (``is_how_to``) without a sure sign, nor a Q&A explainer's questions
    on their own; a lede the model alone reads as an appeal, speaking to no
    reader and as no "we", stays.
    ``box``: the paragraphs are one box's lines, not an article, so an appeal
    may take them all; ``around`` holds the article's text before and after the
    box, read for context only; ``headline`` is the article's title: what the
    model alone reads as an appeal stays when it speaks of what the headline is
    about, and anywhere in a story whose headline (or lede) names an appeal as
    its subject (``SUBJECTS``) or whose opening quotes one a rule is sure of.
    ``protected``: indices of paragraphs the user said are never appeals (a
    feed's ``keep`` selectors; indices outside the text are ignored): they
    stay, read as the story's surest lines, so that they neither start an
    appeal nor join one; the rest of an appeal around them still goes, in
    stretches around them.
    """
    protected = {k for k in protected if 0 <= k < len(paragraphs)}
    blocks = _find_blocks(
        paragraphs, box=box, around=around, headline=headline, protected=protected
    )
    dropped: set[int] = set()
    removals = []
    for block in blocks:
        gone = [k for k in range(block.start, block.end + 1) if k not in protected]
        dropped.update(gone)
        # One removal per stretch the protected paragraphs leave of the block.
        for _, pairs in itertools.groupby(enumerate(gone), lambda pair: pair[1] - pair[0]):
            stretch = [k for _, k in pairs]
            text = "\n".join(paragraphs[k].strip() for k in stretch)
            removals.append(Removal(text, _Block(stretch[0], stretch[-1], block.reasons).reason))
    kept = [p for k, p in enumerate(paragraphs) if k not in dropped]
    return kept, removals
