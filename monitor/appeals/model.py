"""A small learned paragraph model: the probability that one paragraph is appeal text.

A logistic regression over hashed features, trained offline by
``tools/train_appeal_model.py`` and stored in ``appeal_model.json`` beside this
module. Features of a paragraph (NFKC, casefolded, ``\\w+`` tokens):

* each token, and its character 3- to 5-grams (Russian endings, English stems);
* each pair of neighbouring tokens;
* the paragraph's shape: a length bucket, how much of it speaks to "you", whether
  it names a price, whether it opens with an imperative, how much is quoted.

Token and pair counts are divided by the square root of the token count, so
a token's whole contribution (its word and character-gram weights) is one number,
computed once per distinct token and cached: scoring a paragraph costs a dict
lookup per token and a multiply-add per pair. The model is evidence for the
text layer, never a verdict on its own; ``text`` decides what goes.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import re
import unicodedata
import zlib
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from monitor.appeals.signals import IMPERATIVES

MODEL_PATH = Path(__file__).with_name("appeal_model.json")
BITS = 16
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
_PRICE = re.compile(r"[$€£₽¢]|\d\s?(?:руб|р\.|usd|eur|dollars?|cents?|pounds?)", re.IGNORECASE)  # noqa: RUF001
_QUOTED = re.compile(r'"[^"\n]*"|“[^”\n]*”|«[^»\n]*»|„[^“”\n]*[“”]')
_RU_IMPERATIVE = re.compile(r"\w+(?:ите|йте|ьте)(?:сь)?$")
_LENGTHS = (3, 8, 20, 40, 60)  # upper bounds of the length buckets, in tokens

# The shape features, by name; their weights are stored by name too.
SHAPES = (
    *(f"len<={n}" for n in _LENGTHS),
    f"len>{_LENGTHS[-1]}",
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


def pair_bucket(first: int, second: int) -> int:
    return ((first * 0x9E3779B1) ^ (second * 0x85EBCA77) ^ (second >> 7)) >> 5 & _MASK


def shape(paragraph: str, words: list[str]) -> dict[str, float]:
    """The shape features of a paragraph: their names and values."""
    n = len(words)
    length = next((f"len<={b}" for b in _LENGTHS if n <= b), f"len>{_LENGTHS[-1]}")
    found: dict[str, float] = {length: 1.0}
    if n:
        found["you"] = sum(w in _YOU for w in words) / n
        first = words[0]
        if first in IMPERATIVES or _RU_IMPERATIVE.match(first):
            found["imperative"] = 1.0
    if _PRICE.search(paragraph):
        found["price"] = 1.0
    if quoted := sum(len(m) for m in _QUOTED.findall(paragraph)):
        found["quoted"] = quoted / max(len(paragraph), 1)
    return found


def features(paragraph: str) -> Iterator[tuple[int | str, float]]:
    """Every feature of a paragraph with its value: hashed buckets, then shape
    names. For training; the scorer sums the same weights faster."""
    words = tokens(paragraph)
    scale = 1 / math.sqrt(len(words)) if words else 0.0
    keys = []
    for word in words:
        key, buckets = token_buckets(word)
        keys.append(key)
        for bucket in buckets:
            yield bucket, scale
    for first, second in itertools.pairwise(keys):
        yield pair_bucket(first, second), scale
    yield from shape(paragraph, words).items()


class Model:
    """Weights of a trained model, and the probability they give a paragraph."""

    def __init__(self, weights: list[float], shapes: dict[str, float], bias: float) -> None:
        self.weights = weights
        self.shapes = shapes
        self.bias = bias
        self._contribution: dict[str, tuple[int, float]] = {}

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
        return cls(weights, {k: float(v) for k, v in data["shapes"].items()}, data["bias"])

    def _token(self, word: str) -> tuple[int, float]:
        if (found := self._contribution.get(word)) is None:
            key, buckets = token_buckets(word)
            weights = self.weights
            found = (key, sum(weights[b] for b in buckets))
            if len(self._contribution) < 1 << 17:
                self._contribution[word] = found
        return found

    def logit(self, paragraph: str) -> float:
        words = tokens(paragraph)
        if not words:
            return self.bias
        total, previous, weights = 0.0, -1, self.weights
        for word in words:
            key, value = self._token(word)
            total += value
            if previous >= 0:
                total += weights[pair_bucket(previous, key)]
            previous = key
        result = self.bias + total / math.sqrt(len(words))
        shapes = self.shapes
        for name, value in shape(paragraph, words).items():
            result += shapes.get(name, 0.0) * value
        return result

    def probability(self, paragraph: str) -> float:
        z = self.logit(paragraph)
        return 1 / (1 + math.exp(-z)) if z > -30 else 0.0


@lru_cache(maxsize=1)
def model() -> Model:
    """The shipped model, loaded once per process."""
    return Model.load()


def appeal_probability(paragraph: str) -> float:
    """The shipped model's probability that the paragraph is appeal text."""
    return model().probability(paragraph)
