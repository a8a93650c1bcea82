"""The text layer: score extracted paragraphs by their appeal language and
remove whole appeal blocks (lead-in, body, buttons), cautiously in the middle
of the article. Reported and quoted speech count less: a story about a
fundraising drive is a story."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from monitor.appeals.signals import SIGNALS, Signal
from monitor.model import Removal

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
