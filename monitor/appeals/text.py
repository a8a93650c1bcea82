"""The text layer: find appeal blocks in the extracted paragraphs and remove
each whole (lead-in, heading, body, buttons), cautiously in the middle of the
article. Reported and quoted speech count less: a story about a fundraising
drive is a story. How one paragraph is weighed is ``scoring``'s job; the learned
paragraph model (``model``) is a second opinion on short paragraphs: it may open
a block or widen one, but inside the text it removes nothing without a second
kind of evidence, and never a long paragraph or quoted or reported speech."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import overload

from monitor.appeals.model import appeal_probability
from monitor.appeals.scoring import LIST_ITEM, Scored, is_reported, score
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
_HEADING_WORDS = 8
_BUTTON_WORDS = 6
_BUTTONS = 2  # short lines after an appeal taken as its buttons
# The learned model: a short paragraph it is this sure of counts as an ask ...
_LEARNED_ASK = 0.8
# ... and one it leans towards joins an appeal beside it.
_LEARNED_JOIN = 0.7
_LEARNED_MAX_WORDS = _MIDDLE_MAX_WORDS
# Below this, a line is a label or a credit, which it reads poorly; labels have rules.
_LEARNED_MIN_WORDS = 4
_LEARNED_REASON = "the learned model reads it as appeal text"
# Off: with it the text layer costs +18 % CPU over plain trafilatura (limit 15 %),
# though heldout3 gains 3 to 12 points per layout. Turn on once it is cheaper.
LEARNED_MODEL = False


@dataclass(frozen=True, slots=True)
class _Block:
    start: int
    end: int  # inclusive
    reason: str


def _seeds(scores: Sequence[Scored], learned: Sequence[bool]) -> list[tuple[int, int]]:
    """Runs of asks and lead-ins that belong together: (first, last) index pairs.
    Asks close together form one run; after a lead-in the run waits longer, as
    a letter to readers tells its story before it asks."""
    runs: list[tuple[int, int]] = []
    start = last = -1
    for k, s in enumerate(scores):
        if not (s.ask or s.lead or learned[k]):
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
    learned: Sequence[float],
    *,
    start: int,
    end: int,
) -> tuple[int, int]:
    """Widen a run over neighbouring appeal vocabulary, then take the heading just
    before it and the buttons just after it: short labels of any words, as a
    box's title and its "Count me in" belong to the appeal, whatever they say."""
    for _ in range(_EXTEND):
        titled = start > 1 and 0 < labels[start - 2] <= _HEADING_WORDS
        k = start - 1
        if start > 0 and _joins(scores[k], words[k], learned[k], opener=titled):
            start -= 1
    for _ in range(_EXTEND):
        k = end + 1
        if end < len(scores) - 1 and _joins(scores[k], words[k], learned[k], opener=False):
            end += 1
    # One title and a button or two: a label next to a label the block already
    # holds is the story's own subheading, unless it speaks the appeal's language.
    title = start > 0 and 0 < labels[start - 1] <= _HEADING_WORDS
    if title and (not labels[start] or scores[start - 1].weight or learned[start - 1]):
        start -= 1
    for _ in range(_BUTTONS):
        if end == len(scores) - 1 or not 0 < labels[end + 1] <= _BUTTON_WORDS:
            break
        if labels[end] and not (scores[end + 1].weight or learned[end + 1]):
            break
        end += 1
    return start, end


# Signals of register alone (who speaks to whom), not of what an appeal is about:
# a blog's "we hope you enjoy it" has them too.
_REGISTER = frozenset({"speaks from the publication to the reader"})


def _joins(neighbour: Scored, words: int, learned: float, *, opener: bool) -> bool:
    """Whether a short paragraph beside an appeal belongs to it: it speaks the
    appeal's language, or, as its titled opener, the appeal's register, or the
    learned model takes it for appeal text."""
    if words > _EXTEND_MAX_WORDS:
        return False
    if learned >= _LEARNED_JOIN:
        return True
    if not (neighbour.weight or neighbour.voice):
        return False  # a halved signal (reported speech) is the story's
    return opener or (neighbour.weight > 0 and not _REGISTER.issuperset(neighbour.reasons))


# What a label (a heading or a button) never holds: the article's own short lines
# are sentences, datelines, credits, links and captions, which do.
_NOT_LABEL = re.compile(r"[\d:;/@(\[|]|https?|[.,;:\u3002]\s*$")


def _label_words(paragraph: str) -> int:
    """The words of a paragraph that could be a heading or a button, else 0."""
    line = paragraph.strip()
    if not line[:1].isupper() or _NOT_LABEL.search(line):
        return 0
    return len(line.split())


def _is_appeal(
    scores: Sequence[Scored],
    words: Sequence[int],
    labels: Sequence[int],
    learned: Sequence[float],
    *,
    start: int,
    end: int,
) -> bool:
    """Whether the evidence in paragraphs start..end suffices where they stand:
    at an edge of the text one ask does; inside it, cutting wrongly costs the
    story, so it takes a sure signal or an ask with more evidence, of which a
    box's shape (a title, then the publication's voice, then the ask) is one.
    The learned model's sure paragraphs count as asks at the edges; inside the
    text, as evidence beside a rule's ask, or as a box when two of them stand
    together."""
    inside = scores[start : end + 1]
    taught = sum(p >= _LEARNED_ASK for p in learned[start : end + 1])
    asks = sum(s.ask for s in inside)
    if not (asks or taught):
        return False
    if start == 0 or end == len(scores) - 1:
        return True
    if any(s.sure for s in inside) or asks > 1:
        return True  # one sure sign, or asks in a row: a box of them
    if (asks and taught) or taught > 1:
        return True  # two kinds of evidence, or two sure paragraphs together
    if not asks:
        return False
    reasons = {r for s in inside for r in s.reasons}
    evidence = sum(s.weight for s in inside)
    if end - start >= 2 and labels[start] and scores[start + 1].voice:
        reasons.add("a titled opener in the publication's voice")
        evidence += 1
    lone_long = start == end and words[start] > _MIDDLE_MAX_WORDS
    return evidence >= _MIDDLE_EVIDENCE and len(reasons) > 1 and not lone_long


def _learned(paragraphs: Sequence[str], words: Sequence[int]) -> list[float]:
    """The learned model's probability for each paragraph it may speak for:
    short but no label, not a list item, not quoted or reported speech; 0 for the others."""
    found = [0.0] * len(paragraphs)
    if not LEARNED_MODEL:
        return found
    for k, paragraph in enumerate(paragraphs):
        if not _LEARNED_MIN_WORDS <= words[
            k
        ] <= _LEARNED_MAX_WORDS or paragraph.lstrip().startswith(LIST_ITEM):
            continue
        if (p := appeal_probability(paragraph)) >= _LEARNED_JOIN and not is_reported(paragraph):
            found[k] = p
    return found


class _Scores(Sequence[Scored]):
    """Full paragraph scores, computed on first use: only paragraphs in and
    around a possible appeal need more than the asks-only score."""

    def __init__(self, paragraphs: Sequence[str]) -> None:
        self._paragraphs = paragraphs
        self._cache: dict[int, Scored] = {}

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


def _find_blocks(paragraphs: Sequence[str]) -> list[_Block]:
    asks = [score(p, asks_only=True) for p in paragraphs]
    words = [len(p.split()) for p in paragraphs]
    learned = _learned(paragraphs, words)
    sure = [p >= _LEARNED_ASK for p in learned]
    if not any(s.ask or s.lead for s in asks) and not any(sure):
        return []  # the common case: no appeal can start anywhere
    scores = _Scores(paragraphs)
    labels = [0 if p.lstrip().startswith(LIST_ITEM) else _label_words(p) for p in paragraphs]
    blocks: list[_Block] = []
    taken = -1
    for first, last in _seeds(asks, sure):
        start, end = _grow(scores, words, labels, learned, start=first, end=last)
        start = max(start, taken + 1)
        if start > end or not _is_appeal(scores, words, labels, learned, start=start, end=end):
            continue
        reasons = dict.fromkeys(r for s in scores[start : end + 1] for r in s.reasons)
        if any(learned[start : end + 1]):
            reasons[_LEARNED_REASON] = None
        kind = "appeal block" if end > start else "paragraph"
        blocks.append(_Block(start, end, f"{kind}: " + "; ".join(reasons)))
        taken = end
    return blocks


def strip_appeal_text(paragraphs: Sequence[str]) -> tuple[list[str], list[Removal]]:
    """Split extracted paragraphs into those kept and the appeals removed, with reasons.

    Removes a whole appeal block (lead-in, body, heading, buttons) at once. At the
    start or end of the text one ask to the reader suffices; inside the text it
    wants stronger evidence. Does not touch third-person reporting about appeals:
    quoted and reported speech count for less, asks must address the reader, and
    list items are never read as appeals.
    """
    blocks = _find_blocks(paragraphs)
    dropped = {k for b in blocks for k in range(b.start, b.end + 1)}
    kept = [p for k, p in enumerate(paragraphs) if k not in dropped]
    removals = [
        Removal("\n".join(p.strip() for p in paragraphs[b.start : b.end + 1]), b.reason)
        for b in blocks
    ]
    return kept, removals
