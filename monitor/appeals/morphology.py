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

import pymorphy3

# The endings a pattern finds: a Russian word that may be a verb to "you".
RU_SECOND_PERSON_ENDING = r"\w+(?:ите|йте|ьте)(?:сь)?"
_RU_YOU_PRONOUNS = r"вы|вам|вас|вами|ваш\w*"
# The reader, as the patterns of ``signals`` find them; ``speaks_to_reader_ru``
# then drops the nouns among them.
RU_READER = rf"\b(?:{RU_SECOND_PERSON_ENDING}|{_RU_YOU_PRONOUNS})(?!\w)"
_RU_READER = re.compile(RU_READER)
_RU_PRONOUN = re.compile(rf"(?:{_RU_YOU_PRONOUNS})$")


@lru_cache(maxsize=1)
def _analyser() -> pymorphy3.MorphAnalyzer:
    # Made when first needed: loading the dictionary takes a tenth of a second,
    # which only processes that read Russian should pay.
    return pymorphy3.MorphAnalyzer(lang="ru")


@lru_cache(maxsize=1 << 14)
def is_second_person_verb_ru(word: str) -> bool:
    """Whether the analyser's likeliest reading of a (lowercased) Russian word
    is a verb to "you": an imperative ("подпишитесь") or the second person
    ("получите", also "you will get" in an appeal)."""
    parses = _analyser().parse(word)
    if not parses:
        return False
    tag = parses[0].tag
    return bool(tag.POS == "VERB" and (tag.mood == "impr" or tag.person == "2per"))


def speaks_to_reader_ru(text: str) -> bool:
    """Whether a (lowercased) Russian text names the reader: "вы" and its forms,
    or a verb to "you" (``is_second_person_verb_ru``), not a noun that only ends
    like one."""
    return any(
        _RU_PRONOUN.match(word) or is_second_person_verb_ru(word)
        for word in (m.group(0) for m in _RU_READER.finditer(text))
    )
