"""Rule terms: their little language, and finding many of them in a text at once.

A term is one of (DESIGN §2):

* a phrase, matched on word tokens: ``K-2 air base`` finds ``"K-2" air-base``;
  case-insensitive after NFKC and casefolding, except that a term whose letters
  are all capitals (``US``, ``NATO``) is matched case-sensitively;
* a word prefix, ``Казан*`` (the ``*`` ends the last word of a phrase);
* a Python regular expression between slashes, ``/sanction(s|ed)/``,
  case-insensitive, searched in the NFKC text.

A word token is a run of letters, digits and combining marks; everything else
(punctuation, apostrophes, underscores, spaces) separates words, so ``Lavrov``
finds ``Lavrov's``. Entity names are resolved by ``rules``, not here. Nothing in
this module does I/O.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass


def _mark_ranges() -> str:
    # Python's \w leaves out combining marks, which would split Hindi or
    # decomposed Latin words in two; build the class once from unicodedata.
    ranges: list[str] = []
    start = prev = -2
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code))[0] != "M":
            continue
        if code != prev + 1:
            if start >= 0:
                ranges.append(f"{chr(start)}-{chr(prev)}")
            start = code
        prev = code
    ranges.append(f"{chr(start)}-{chr(prev)}")
    return "".join(ranges)


_WORD = re.compile(f"(?:[^\\W_]|[{_mark_ranges()}])+")


def normalize(text: str) -> str:
    """NFKC: the form every text and term is compared in (offsets refer to it)."""
    return unicodedata.normalize("NFKC", text)


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a normalised text and where it is."""

    text: str  # as written (NFKC): what case-sensitive terms compare
    folded: str  # casefolded: what every other term compares
    start: int
    end: int


def tokenize(text: str) -> tuple[Token, ...]:
    """Split an already normalised text into word tokens."""
    return tuple(
        Token(found[0], found[0].casefold(), found.start(), found.end())
        for found in _WORD.finditer(text)
    )


@dataclass(frozen=True, slots=True)
class Phrase:
    """A sequence of words to find in consecutive tokens."""

    words: tuple[str, ...]  # casefolded, or as written when case_sensitive
    case_sensitive: bool = False
    prefix: bool = False  # the last word need only start the token

    def matches_at(self, tokens: Sequence[Token], i: int) -> bool:
        if i + len(self.words) > len(tokens):
            return False
        last = len(self.words) - 1
        for offset, word in enumerate(self.words):
            token = tokens[i + offset]
            have = token.text if self.case_sensitive else token.folded
            if not (have.startswith(word) if self.prefix and offset == last else have == word):
                return False
        return True


@dataclass(frozen=True, slots=True)
class Regex:
    """A user's regular expression, compiled case-insensitive."""

    pattern: re.Pattern[str]


Pattern = Phrase | Regex


class TermError(ValueError):
    """A term cannot be compiled; the message says why, fit for a config error."""


def compile_term(term: str) -> Pattern:
    """Turn a term as written in config.yaml into a pattern, or raise TermError."""
    text = normalize(term).strip()
    if len(text) >= 2 and text.startswith("/") and text.endswith("/"):
        return _compile_regex(text[1:-1])
    prefix = text.endswith("*")
    body = text.removesuffix("*")
    if "*" in body:
        raise TermError("'*' may only end a term, to match a word prefix (Казан*)")
    tokens = tokenize(body)
    if not tokens:
        raise TermError("a term needs at least one letter or digit")
    if prefix and tokens[-1].end != len(body):
        raise TermError("write '*' right after the word it extends (Казан*)")
    case_sensitive = body.isupper()
    words = tuple(t.text if case_sensitive else t.folded for t in tokens)
    return Phrase(words, case_sensitive=case_sensitive, prefix=prefix)


def _compile_regex(source: str) -> Regex:
    if not source:
        raise TermError("the regular expression is empty")
    try:
        compiled = re.compile(source, re.IGNORECASE)
    except re.error as e:
        raise TermError(f"bad regular expression /{source}/: {e}") from None
    if compiled.search("") is not None:
        # It would match every story.
        raise TermError("the regular expression matches the empty string")
    return Regex(compiled)


Span = tuple[int, int]


class Scanner:
    """Finds many patterns in one text: phrases in one pass over its tokens.

    Phrases are indexed by their first word (exact, or by prefix length for a
    one-word prefix term), so the cost is one dict look-up per token plus one per
    distinct prefix length, whatever the number of phrases. Regexes are searched
    one by one. ``find`` reports each pattern's first occurrence.
    """

    def __init__(self, patterns: Sequence[Pattern]) -> None:
        self._exact: dict[str, list[tuple[int, Phrase]]] = defaultdict(list)
        self._prefix: dict[str, list[tuple[int, Phrase]]] = defaultdict(list)
        self._regexes: list[tuple[int, re.Pattern[str]]] = []
        for index, pattern in enumerate(patterns):
            if isinstance(pattern, Regex):
                self._regexes.append((index, pattern.pattern))
                continue
            first = pattern.words[0].casefold()
            one_word_prefix = pattern.prefix and len(pattern.words) == 1
            (self._prefix if one_word_prefix else self._exact)[first].append((index, pattern))
        self._prefix_lengths = sorted({len(key) for key in self._prefix})
        self._count = len(patterns)

    def _candidates(self, token: Token) -> Iterator[tuple[int, Phrase]]:
        yield from self._exact.get(token.folded, ())
        for length in self._prefix_lengths:
            if length > len(token.folded):
                break
            yield from self._prefix.get(token.folded[:length], ())

    def find(self, text: str) -> dict[int, Span]:
        """Map the index of every pattern found in ``text`` (normalised) to its first span."""
        found: dict[int, Span] = {}
        tokens = tokenize(text)
        for i, token in enumerate(tokens):
            for index, phrase in self._candidates(token):
                if index not in found and phrase.matches_at(tokens, i):
                    found[index] = (token.start, tokens[i + len(phrase.words) - 1].end)
        for index, regex in self._regexes:
            # Skip empty hits: /\b/ passes the compile check but finds nothing real.
            hit = next((m for m in regex.finditer(text) if m.end() > m.start()), None)
            if hit is not None:
                found[index] = hit.span()
        return found
