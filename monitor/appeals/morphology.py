"""What a word is, where its spelling cannot tell: a morphological analyser.

A Russian appeal speaks to the reader with a verb in the polite imperative or
the second person plural ("поддержите", "подпишитесь", "получите"), and those
end like many nouns in the locative or dative ("на сайте", "при судебной
защите", "Вите"). A pattern can only find the ending; pymorphy3, with its
OpenCorpora dictionary, says which of the two the word is. Words are analysed
once each.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pymorphy3 import MorphAnalyzer

# The ending of a Russian word that may be a verb to "you".
RU_SECOND_PERSON_ENDING = r"\w+(?:ите|йте|ьте)(?:сь)?"
_RU_LOOKS_SECOND_PERSON = re.compile(rf"\b{RU_SECOND_PERSON_ENDING}\b")
# What ``mark_false_verbs_ru`` adds to a word that only looks like a verb: a
# word character, so that a pattern for the ending ("...ите" then no letter)
# no longer matches it, while one for the noun's stem ("сайт\w*") still does.
_NOT_A_VERB = "_"


@lru_cache(maxsize=1)
def _analyser() -> MorphAnalyzer:
    # Imported and made when first needed: the module and its dictionary cost
    # a few megabytes and a tenth of a second, which only Russian text should pay.
    import pymorphy3  # noqa: PLC0415

    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=1 << 14)
def is_second_person_verb_ru(word: str) -> bool:
    """Whether the analyser's likeliest reading of a Russian word is a verb to
    "you": an imperative ("подпишитесь") or the second person ("получите",
    also "you will get" in an appeal)."""
    parses = _analyser().parse(word)
    if not parses:
        return False
    tag = parses[0].tag
    return bool(tag.POS == "VERB" and (tag.mood == "impr" or tag.person == "2per"))


def _mark(found: re.Match[str]) -> str:
    word = found.group(0)
    return word if is_second_person_verb_ru(word) else word + _NOT_A_VERB


def mark_false_verbs_ru(text: str) -> str:
    """The text with every word that ends like a verb to "you" but is none
    ("на сайте") marked, so that the signals' patterns for the reader pass it by."""
    return _RU_LOOKS_SECOND_PERSON.sub(_mark, text)
