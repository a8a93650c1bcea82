"""The signals of appeal language, per language. Data, not code: adding a
language is adding a key to ``SIGNALS``."""

from __future__ import annotations

from dataclasses import dataclass


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
