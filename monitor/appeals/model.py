"""A small learned paragraph model: the probability that one paragraph is appeal text.

A logistic regression over hashed features, trained offline by
``tools/train_appeal_model.py`` and stored in ``appeal_model.json`` beside this
module. Features of a paragraph (NFKC, casefolded, ``\\w+`` tokens):

* each token, and its character 3- to 5-grams (Russian endings, English stems);
* each pair of neighbouring tokens, and the first token as a pair with the start;
* the paragraph's shape: a length bucket, how much of it speaks to "you", whether
  it names a price, whether it opens with an imperative (in Russian, a word
  ``morphology`` reads as a verb to "you"), how much is quoted;
* its context: how many of its content words (not among the ``common`` words
  the model file lists) the rest of the text also uses, more than
  ``COHESION_WINDOW`` paragraphs away. A story's paragraphs share their
  subject's words; an appeal pasted into it speaks of something else.

Token and pair counts are divided by the square root of the token count, so
a token's whole contribution (its word and character-gram weights) is one number,
computed once per distinct token and cached: scoring a paragraph costs a dict
lookup per token and a multiply-add per pair. The model is evidence for the
text layer, never a verdict on its own; ``text`` decides what goes.
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import json
import math
import re
import unicodedata
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TypeVar

import snowballstemmer

from monitor.appeals.morphology import RU_SECOND_PERSON_ENDING, is_second_person_verb_ru
from monitor.appeals.signals import IMPERATIVES, QUOTE_MARKS, QUOTED

MODEL_PATH = Path(__file__).with_name("appeal_model.json")
BITS = 18
SIZE = 1 << BITS
_MASK = SIZE - 1
_TOKEN = re.compile(r"\w+")
_YOU = frozenset(
    [
        "you",
        "your",
        "yours",
        "you're",
        "you'll",
        "you've",
        "yourself",
        "вы",
        "вас",
        "вам",
        "вами",
        "ваш",
        "ваша",
        "ваше",
        "ваши",
        "вашего",
        "вашей",
        "вашу",
        "вашим",
        "ваших",
    ]
)
# Case spelled out, not re.IGNORECASE: that makes the search several times slower.
_PRICE = re.compile(
    r"[$€£₽¢]|\d\s?(?:[рР]уб|[рР]\.|usd|USD|eur|EUR|[dD]ollars?|[cC]ents?|[pP]ounds?)"  # noqa: RUF001
)
_RU_IMPERATIVE = re.compile(rf"{RU_SECOND_PERSON_ENDING}$")
_LENGTHS = (3, 8, 20, 40, 60)  # upper bounds of the length buckets, in tokens

_LENGTH_NAMES = (*(f"len<={n}" for n in _LENGTHS), f"len>{_LENGTHS[-1]}")

# The shape features, by name; their weights are stored by name too.
SHAPES = (
    "cohesion",
    "alone",
    *_LENGTH_NAMES,
    "you",
    "price",
    "imperative",
    "quoted",
)


def trained_on(page_key: str) -> bool:
    """Whether an AEB page (key: its file name without ``.html.gz``) is in the fixed
    half whose articles trained the model; the other half is held out."""
    return hashlib.sha256(page_key.encode("utf-8")).digest()[-1] % 2 == 0


def tokens(paragraph: str) -> list[str]:
    return _TOKEN.findall(unicodedata.normalize("NFKC", paragraph).casefold())


def _crc(text: str) -> int:
    return zlib.crc32(text.encode("utf-8"))


@lru_cache(maxsize=1 << 16)
def token_buckets(token: str) -> tuple[int, tuple[int, ...]]:
    """A token's key (for pairs) and its buckets: the word and its 3- to 5-grams."""
    key = _crc("w" + token)
    padded = f"<{token}>"
    grams = (_crc(padded[i : i + n]) & _MASK for n in (3, 4, 5) for i in range(len(padded) - n + 1))
    return key, (key & _MASK, *grams)


# The paragraph's start, paired with its first word: "Subscribe ..." and
# "Поддержите ..." open appeals, wherever else the word stands.
_START = _crc("^")
_FIRST = "^"  # the start as the scorer's memo names it: no token, as tokens are \w+
_MEMO_MAX = 1 << 17
_K = TypeVar("_K")


def pair_bucket(first: int, second: int) -> int:
    return ((first * 0x9E3779B1) ^ (second * 0x85EBCA77) ^ (second >> 7)) >> 5 & _MASK


def shape(paragraph: str, words: list[str]) -> dict[str, float]:
    """The shape features of a paragraph: their names and values."""
    n = len(words)
    found: dict[str, float] = {_LENGTH_NAMES[bisect.bisect_left(_LENGTHS, n)]: 1.0}
    if n:
        found["you"] = sum(map(_YOU.__contains__, words)) / n
        first = words[0]
        if first in IMPERATIVES or (
            _RU_IMPERATIVE.match(first) and is_second_person_verb_ru(first)
        ):
            found["imperative"] = 1.0
    if _PRICE.search(paragraph):
        found["price"] = 1.0
    # Most paragraphs hold no quotation mark: skip the pattern for them.
    if QUOTE_MARKS.search(paragraph) and (quoted := sum(len(m) for m in QUOTED.findall(paragraph))):
        found["quoted"] = quoted / max(len(paragraph), 1)
    return found


COHESION_WINDOW = 3
_CONTENT_MIN_CHARS = 4


def content_words(words: Iterable[str], common: frozenset[str]) -> set[str]:
    """The words of a text that say what it is about: not among the ``common``
    words, not a number, four letters or more."""
    return {w for w in set(words) - common if len(w) >= _CONTENT_MIN_CHARS and not w.isdigit()}


_CYRILLIC = re.compile("[\u0400-\u04ff]")
_STEMMERS = {"ru": snowballstemmer.stemmer("russian"), "en": snowballstemmer.stemmer("english")}


@lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """A word's Snowball stem in its script's language: "клуба" and "клубы" are
    one word to the context, as "members" and "member" are."""
    found: str = _STEMMERS["ru" if _CYRILLIC.search(word) else "en"].stemWord(word)
    return found


def context(texts: Sequence[list[str]], common: frozenset[str]) -> list[dict[str, float]]:
    """The context features of each paragraph of a text, given its tokens: its
    content words' share used elsewhere in the text (more than
    ``COHESION_WINDOW`` paragraphs away), or "alone" when it has no content
    words or the text no paragraph that far."""
    content = [{stem(w) for w in content_words(words, common)} for words in texts]
    # Per word, the first and last paragraph using it: a word is used far from
    # paragraph k when one of them is more than the window away.
    first: dict[str, int] = {}
    last: dict[str, int] = {}
    for k, words in enumerate(content):
        last.update(dict.fromkeys(words, k))
    for k in range(len(content) - 1, -1, -1):
        first.update(dict.fromkeys(content[k], k))
    n, window = len(texts), COHESION_WINDOW
    found: list[dict[str, float]] = []
    for k, words in enumerate(content):
        if not words or (k - window <= 0 and k + window >= n - 1):
            found.append({"alone": 1.0})
            continue
        shared = sum(first[w] < k - window or last[w] > k + window for w in words)
        found.append({"cohesion": shared / len(words)})
    return found


def features(
    paragraph: str, around: dict[str, float] | None = None
) -> Iterator[tuple[int | str, float]]:
    """Every feature of a paragraph with its value: hashed buckets, then shape
    and context names (``around``, from ``context``). For training; the scorer
    sums the same weights faster."""
    yield from (around or {}).items()
    words = tokens(paragraph)
    scale = 1 / math.sqrt(len(words)) if words else 0.0
    keys = []
    for word in words:
        key, buckets = token_buckets(word)
        keys.append(key)
        for bucket in buckets:
            yield bucket, scale
    for first, second in itertools.pairwise([_START, *keys]):
        yield pair_bucket(first, second), scale
    yield from shape(paragraph, words).items()


class _Memo(dict[_K, float]):
    """A memo of computed weights, emptied when full: a dict whose lookups run
    in C, so that summing a paragraph's weights is a ``map`` over its tokens."""

    def __init__(self, compute: Callable[[_K], float]) -> None:
        super().__init__()
        self._compute = compute

    def __missing__(self, key: _K) -> float:
        if len(self) >= _MEMO_MAX:
            self.clear()
        value = self[key] = self._compute(key)
        return value


class Model:
    """Weights of a trained model, and the probability they give a paragraph."""

    def __init__(
        self,
        weights: list[float],
        shapes: dict[str, float],
        bias: float,
        common: frozenset[str] = frozenset(),
    ) -> None:
        self.weights = weights
        self.shapes = shapes
        self.bias = bias
        self.common = common
        self._words = _Memo[str](self._word_weight)
        self._pairs = _Memo[tuple[str, str]](self._pair_weight)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> Model:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["bits"] != BITS:
            raise ValueError(f"{path}: model has {data['bits']} bits, the scorer {BITS}")
        weights = [0.0] * SIZE
        scale = data["scale"]
        index = 0
        for gap, value in zip(data["gaps"], data["value"], strict=True):
            index += gap
            weights[index] = value / scale
        shapes = {k: float(v) for k, v in data["shapes"].items()}
        return cls(weights, shapes, data["bias"], frozenset(data.get("common", ())))

    def word_weight(self, word: str) -> float:
        """A token's whole weight (positive: it speaks for an appeal)."""
        return self._words[word]

    def _word_weight(self, word: str) -> float:
        """A token's whole weight: the word's and its character grams'."""
        weights = self.weights
        return sum(weights[b] for b in token_buckets(word)[1])

    def _pair_weight(self, pair: tuple[str, str]) -> float:
        first, second = pair
        before = _START if first is _FIRST else token_buckets(first)[0]
        return self.weights[pair_bucket(before, token_buckets(second)[0])]

    def logits(self, paragraphs: Sequence[str]) -> list[float]:
        """The log-odds of each paragraph of one text, read in its context."""
        return self.read(paragraphs)[0]

    def read(
        self, paragraphs: Sequence[str], *, before: Sequence[str] = (), after: Sequence[str] = ()
    ) -> tuple[list[float], list[float | None]]:
        """The log-odds of each paragraph of one text, read in its context, and
        each one's cohesion with the text (None: it stands alone, see ``context``).
        ``before`` and ``after``: more of the text around them, read for context only."""
        texts = [tokens(p) for p in paragraphs]
        if before or after:
            whole = [*(tokens(p) for p in before), *texts, *(tokens(p) for p in after)]
            arounds = context(whole, self.common)[len(before) : len(before) + len(texts)]
        else:
            arounds = context(texts, self.common)
        shapes = self.shapes
        logits = [
            self._logit(paragraph, words)
            + sum(shapes.get(name, 0.0) * value for name, value in around.items())
            for paragraph, words, around in zip(paragraphs, texts, arounds, strict=True)
        ]
        return logits, [around.get("cohesion") for around in arounds]

    def logit(self, paragraph: str) -> float:
        """The log-odds of a paragraph read alone, without the text around it."""
        return self._logit(paragraph, tokens(paragraph)) + self.shapes.get("alone", 0.0)

    def _logit(self, paragraph: str, words: list[str]) -> float:
        result = self.bias
        shapes = self.shapes
        for name, value in shape(paragraph, words).items():
            result += shapes.get(name, 0.0) * value
        if not words:
            return result
        total = sum(map(self._words.__getitem__, words)) + sum(
            map(
                self._pairs.__getitem__, zip(itertools.chain((_FIRST,), words), words, strict=False)
            )
        )
        return result + total / math.sqrt(len(words))

    def probability(self, paragraph: str) -> float:
        z = self.logit(paragraph)
        return 1 / (1 + math.exp(-z)) if z > -30 else 0.0


@lru_cache(maxsize=1)
def model() -> Model:
    """The shipped model, loaded once per process."""
    return Model.load(MODEL_PATH)


def appeal_probability(paragraph: str) -> float:
    """The shipped model's probability that the paragraph is appeal text."""
    return model().probability(paragraph)
