"""The signals of appeal language, per language. Data, not code: adding a
language is adding a key to ``SIGNALS``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from monitor.appeals.morphology import RU_SECOND_PERSON_ENDING, mark_false_verbs_ru


@dataclass(frozen=True, slots=True)
class Signal:
    """One way appeal language shows: a pattern, what it means, and how much.

    ``where`` says what the pattern is matched against: "text" searches the
    paragraph with quoted speech blanked out (reporting an appeal is not making
    one) and readied by the language's ``PREPARE`` step, "sentence" likewise
    (without that step) but only where a sentence starts (imperatives),
    "start" matches at the paragraph's start (lead-ins), "line" the whole
    paragraph (buttons). Patterns see lowercased text. ``lead`` marks a lead-in
    that may open an appeal block. ``needs``, when given, lists words the signal
    cannot do without: the pattern is tried only on a paragraph holding one of
    them, a cheap check that spares most paragraphs the costly patterns.

    ``weight``: 3, the words are an appeal wherever they stand (a cookie notice,
    a free-article meter); 2, an ask addressed to the reader, enough at the edges
    of the article; 1, appeal vocabulary that only adds to an ask; 0, a lead-in.

    ``always``: tried on every paragraph holding one of ``needs``, even one the
    learned model reads as the story's (which the rules otherwise skip): for
    fixed furniture whose words are the story's words elsewhere.
    """

    reason: str
    weight: int
    pattern: str
    where: str = "text"
    lead: bool = False
    needs: tuple[str, ...] = ()
    always: bool = False


# What appeals are about, for the signals that pair them with a word to the reader.
_EN_TOPICS = (
    r"\b(?:donat\w*|contribut\w*|subscri\w*|membership|newsletters?|inbox|premium|free trial|"
    r"ad ?block\w*|blockers?|allowlist|whitelist|cookies|paywall|journalism|newsroom)\b"
)
# Access kept for paying readers: "exclusively to subscribers", "members-only".
_EN_FOR_SUBSCRIBERS = (
    r"\b(?:(?:subscriber|member|premium)s?[- ]only|"
    r"(?:only|exclusively) (?:to|for) (?:paying |premium |digital )?(?:subscribers|members)|"
    r"(?:to|for) (?:paying |premium |digital )?(?:subscribers|members) only|"
    r"reserved for (?:paying |premium )?(?:subscribers|members))\b"
)
# The page the reader is on: a gate names the text it withholds.
_EN_THIS_TEXT = (
    r"\b(?:this|the rest of this|the full) (?:\w+ )?(?:story|article|content|piece|feature|text|"
    r"report|page|post)\b"
)
# The reader: "you" in English; in Russian "вы" and its forms, or a verb in the
# polite imperative or second person plural ("поддержите", "подпишитесь"),
# not a noun that ends alike ("на сайте", "при защите": see ``PREPARE``).
# A verb after the word "не" forbids: "Не устанавливайте приложения из  # noqa: RUF003
# неизвестных источников" is a story's advice. But for the few that encourage:
# "Не забудьте подписаться", "Не стесняйтесь поддержать", "Не пропустите".  # noqa: RUF003
_RU_NOT_AFTER_NE = r"(?<!\bне )(?<!\bне\xa0)"  # noqa: RUF001
_EN_YOU = r"\byou(?:r|'ll|\u2019ll|'re|\u2019re|'ve|\u2019ve|'d)?\b"
_RU_ENCOURAGING_NEGATED = (
    r"не[ \xa0](?:забудьте|забывайте|стесняйтесь|бойтесь|упустите|упускайте|пропустите|"
    r"пропускайте|проходите|откладывайте)"
)
_RU_YOU = (
    rf"\b(?:{_RU_NOT_AFTER_NE}{RU_SECOND_PERSON_ENDING}|{_RU_ENCOURAGING_NEGATED}|"
    r"вы|вам|вас|вами|ваш\w*)(?!\w)"
)
_RU_TOPICS = (
    r"\b(?:(?:поддерж|подпис|рассылк|пожертв|донат|взнос|реклам|блокир|cookie|куки|редакци|"
    r"приложени|уведомлени|клуб)\w*|e-?mail)"
)
# Access kept for paying readers ("только для подписчиков", "по подписке"), and
# the text a gate withholds ("этот материал", "продолжение статьи").
_RU_FOR_SUBSCRIBERS = (
    r"\b(?:доступ\w* (?:только )?(?:для )?(?:подписчик|участник|член)\w*|"
    r"только (?:для )?(?:подписчик|участник)\w*|по подписке)(?!\w)"
)
_RU_THIS_TEXT = (
    r"\b(?:(?:эт|данн)\w+ (?:материал|стать|текст|публикаци|расследовани)|продолжени)\w*"
)


def _in_one_sentence(first: str, second: str) -> str:
    """A pattern for two patterns in one sentence, in either order. Each must be
    one branch (no top-level ``|``), else the halves come apart."""
    return f"{first}[^.!?]{{0,80}}?{second}|{second}[^.!?]{{0,80}}?{first}"


# Quoted words, in the quote marks of English and Russian text. Single quotes
# (British style: 'We value your privacy') open after a non-letter and close
# before one: an apostrophe inside a word ("You've") is no closing quote. A
# single-quoted span counts from three words up: one or two are a button's
# name ('Monthly') or a stray apostrophe ("the '90s"), not a quotation.
QUOTED = re.compile(
    r'"[^"\n]*"|“[^”\n]*”|«[^»\n]*»|„[^“”\n]*[“”]|'
    r"(?<!\w)'(?=[^\s\d])(?:[^'\s]|'(?=\w))+(?:\s(?:[^'\s]|'(?=\w))+){2,60}'(?!\w)|"
    r"(?<!\w)\u2018(?=[^\s\d])(?:[^\u2019\s]|\u2019(?=\w))+"
    r"(?:\s(?:[^\u2019\s]|\u2019(?=\w))+){2,60}\u2019(?!\w)"
)
QUOTE_MARKS = re.compile("[\"“«„'\u2018]")

# Per language, the letters its text is written in: a language's signals are
# tried only on paragraphs holding some of them.
SCRIPTS: dict[str, str] = {"en": "[a-z]", "ru": "[\u0430-\u044f\u0451]"}

# Per language, what readies its (lowercased, quote-blanked) text for its
# "text" signals, where grammar a pattern cannot see matters: in Russian, a word
# that only ends like a verb to the reader ("на сайте") is marked as none.
PREPARE: dict[str, Callable[[str], str]] = {"ru": mark_false_verbs_ru}

# Per language, the signals of appeal text. Adding a language is adding a key.
# The patterns name the grammar of an appeal (an imperative or a question put to
# the reader, "your", "we need", a price per period) around its topics (giving,
# joining, subscribing, logging in, ad blockers, cookies), not any site's wording.
SIGNALS: dict[str, tuple[Signal, ...]] = {
    "en": (
        Signal("opens with a message from the publisher", 0,
               r"(?:an? )?(?:message|note|letter|word) (?:from|to) [\w .'\u2019&-]{1,60}:?\s*$",
               "start", lead=True),
        Signal("addresses the readers", 0,
               r"dear (?:readers?|friends|subscribers|supporters|listeners|viewers)\b",
               "start", lead=True),
        Signal("asks the reader to give, join or subscribe", 2,
               r"\b(?:please|can you|could you|if you can|would you|will you|help us|consider|"
               r"why not|we ask you to|we(?:'re|\u2019re| are) asking you to)\b[^.!?]{0,60}?"
               r"\b(?:support\w*|donat\w*|contribut\w*|chip in|subscrib\w*|join\w*|sign(?:ing)? up|"
               r"becom\w* a|register\w*|pledg\w*|giv\w* (?:a gift|what you can|today|monthly|"
               r"[$\u20ac\u00a3\d]))",
               needs=("please", "you", "help us", "consider", "why not")),
        Signal("tells the reader to give, join, subscribe or log in", 2,
               r"\b(?:donate|contribute|chip in|pledge|subscribe|sign up|sign in|log in|register|"
               r"join (?:us|now|today|our|the|\d[\d,.]*|thousands|millions|more than|over)|"
               r"become an? (?:member|subscriber|supporter|patron|friend|insider)|"
               r"support (?:us|our|independent|quality|local|free)|help (?:us|keep|fund|support)|"
               r"make an? (?:[\w-]+ ){0,2}(?:donation|gift|contribution|pledge)|make a one-off|"
               r"(?:join|subscribe|sign up|start|try \w+) (?:for|from|at) (?:just |only )?"
               r"[$\u20ac\u00a3\d]|"
               r"(?:download|install|get) (?:our|the|it|now)\b(?: free| new| \w+)?(?: app)?|"
               r"(?:turn on|enable|allow|switch on) (?:\w+ )?(?:notifications|alerts)|pitch in|"
               r"give (?:a gift|today|now|monthly|what you can|[$\u20ac\u00a3\d])|"
               r"start (?:your|a) (?:free )?(?:trial|subscription|membership|digital)|"
               r"enter your email|add your (?:name|email|voice)|"
               r"get (?:unlimited|full|premium|ad-free|our (?:free|daily|weekly|newsletter)|"
               r"the best of)|"
               r"(?:disable|turn off|pause|whitelist|switch off) (?:your|the|our|ad)|allow ads|"
               r"try (?:it|us|\w+) (?:free|for free)|"
               r"accept (?:all|cookies)|manage (?:your )?(?:settings|preferences|cookies|consent)|"
               r"(?:don't|don\u2019t|never) miss|stay (?:informed|up to date|in the loop)|"
               r"follow us|(?:keep|continue) reading (?:with|for)|unlock|upgrade (?:to|your|now)|"
               r"create (?:an?|your|a free) account)\b", "sentence"),
        Signal("speaks to the reader about giving, subscribing or blocking ads", 2,
               _in_one_sentence(_EN_YOU, _EN_TOPICS),
               needs=("you",)),
        Signal("offers the publication's newsletter, membership or app", 2,
               r"\bour (?:[\w-]+ ){0,2}(?:newsletters?|e-?mails?|briefings?|digests?|podcasts?|"
               r"membership|members|subscribers|club|premium|apps?)\b", needs=("our",)),
        Signal("promises delivery to the reader's inbox", 2,
               r"\b(?:in|to|into) your (?:inbox|mailbox|email|e-mail)\b|\byour email address\b|"
               r"\benter (?:your )?e-?mail\b", needs=("inbox", "mail")),
        Signal("asks the reader to support the publication", 2,
               r"\bsupport(?:ing)? (?:us|our (?:work|journalism|reporting|newsroom|mission|"
               r"reporters|journalists|team))\b|"
               r"\bsupport (?:independent|quality|local|free|fact-based) (?:journalism|news|"
               r"media|reporting)\b",
               needs=("support",)),
        Signal("says the publication needs the reader's help", 2,
               r"\b(?:we|i) (?:need|rely on|depend on|count on|can't do (?:it|this) without) "
               r"(?:your|you|readers)\b|\breaders like you\b|\bwithout your (?:help|support)\b",
               needs=("need", "rely", "depend", "count on", "can't", "like you", "without your")),
        Signal("tells the reader what their support does", 2,
               r"\bby (?:supporting|donating|subscribing|becoming a|joining)\b[^.!?]{0,80}\byou"),
        Signal("counts the reader's free articles", 3,
               r"\byou(?:'ve|\u2019ve| have) (?:read|used|reached|viewed|hit)\b[^.!?]{0,40}"
               r"\b(?:articles?|stories|limit|free)\b|"
               r"\b(?:\d+|one|two|three|four|five|first|second|third|fourth|fifth)"
               r" of (?:\d+|\w+) free (?:articles?|stories|reads)\b|"
               r"\byour (?:\w+ )?(?:free )?(?:articles?|stories|reads) (?:left|remaining)\b|"
               r"\b(?:your (?:\w+ )?limit of|you(?:'re|\u2019re| are) out of) free (?:articles?|"
               r"stories)\b|"
               r"\byour (?:last|final) free (?:articles?|stories|reads?)\b|"
               r"\b\d+ free (?:articles?|stories) (?:left|remaining)\b",
               needs=("free", "article", "stories", "limit")),
        # An ad blocker named together with the page the reader is on: the site
        # speaking of itself, never a story about ad blocking in general.
        Signal("says an ad blocker acts on this page", 3,
               _in_one_sentence(r"\b(?:ad[ -]?block\w*|blockers?)\b",
                                r"\b(?:(?:this|our) (?:page|site|website)|"
                                r"your (?:browser|device))\b"),
               needs=("block",)),
        Signal("keeps this article for subscribers", 3,
               _in_one_sentence(_EN_THIS_TEXT, _EN_FOR_SUBSCRIBERS),
               needs=("subscriber", "member", "only")),
        Signal("asks whether the reader is a member yet", 2,
               r"\bnot (?:yet )?an? (?:member|subscriber|supporter|"
               r"patron)(?: yet)?\?", needs=("not",)),
        Signal("asks whether the reader already subscribes", 3,
               r"\balready (?:an? )?(?:subscriber|member|supporter|subscribed|registered)\b|"
               r"\balready have an account\b", needs=("already",)),
        Signal("asks the reader to subscribe to keep reading", 3,
               r"\b(?:subscri\w+|log in|sign in|register)\b[^.!?]{0,30}\bto (?:continue|"
               r"keep) reading\b|"
               r"\bto (?:continue|keep) reading\b[^.!?]{0,40}\b(?:subscri\w+|log in|sign in|"
               r"register)",
               "sentence", needs=("reading",)),
        Signal("asks the reader to disable an ad blocker", 3,
               r"\b(?:disabl\w*|turn\w* off|paus\w*|switch\w* off|deactivat\w*) (?:your|the) "
               r"(?:ad[ -]?block\w*|blocker)|\byour (?:ad[ -]?block\w*|allowlist|whitelist)\b|"
               r"\bad[ -]?block(?:er|ing)? (?:is )?(?:detected|enabled|turned on)|"
               r"\byou(?:'re|\u2019re| are) (?:using|running|blocking)\b[^.!?]{0,30}\bad",
               needs=("block", "allowlist", "whitelist")),
        Signal("is a cookie notice", 3,
               r"\b(?:we|(?:this|our) (?:site|website)|our partners)\b[^.!?]{0,30}"
               r"\b(?:use|uses|set|sets|store|stores) "
               r"(?:\w+ )?cookies\b|\b(?:our|the) use of cookies\b|\b(?:accept|allow|"
               r"reject) (?:all )?cookies\b|"
               r"\bcookie (?:policy|settings|preferences)\b|"
               r"\bby (?:using|continuing|clicking|browsing)\b[^.!?]{0,60}\byou (?:agree|consent|"
               r"accept)\b|"
               r"\byou (?:agree|consent) to (?:our|the) (?:use|terms|privacy|cookie)",
               needs=("cookie", "agree", "consent", "accept")),
        Signal("is an appeal's button", 2,
               r"(?:remind me later|maybe later|not now|no,? thanks|close|dismiss|continue|got it|"
               r"i agree|accept(?: all)?|"
               r"(?:donate|support us|subscribe|sign up|join|give|contribute)(?: now| today|"
               r" here)?|"
               r"log ?in|sign in|become a (?:member|supporter|subscriber|patron)|"
               r"thanks? (?:you )?for (?:signing up|subscribing)|"
               r"(?:download|install|get)(?: the)? app|(?:install|download) now|"
               r"(?:enable|allow|turn on) (?:alerts|notifications)|notify me)\W*", "line"),
        Signal("tells the reader they can cancel", 1,
               r"\b(?:cancel|unsubscribe)(?: at)? any ?time\b"),
        Signal("speaks of the reader's support", 1,
               r"\byour (?:support|donation|contribution|gift|generosity|membership|"
               r"subscription)\b|"
               r"\b(?:every|any|a small|one-off|monthly|regular) (?:contribution|donation|gift)\b|"
               r"\bgift of any size\b"),
        Signal("thanks the reader for support", 1,
               r"\bthank you for (?:supporting|standing with|your support|being a|reading)\b"),
        Signal("mentions a newsletter or channel to subscribe to", 1,
               r"\bnewsletters?\b|\b(?:daily|weekly|morning|evening|free) (?:digest|briefing|"
               r"bulletin|e-?mail)\b|"
               r"\bsubscribe to\b[^.!?]{0,50}\b(?:channel|podcast|alerts)\b"),
        Signal("speaks of membership perks", 1,
               r"\b(?:members|subscribers|supporters|patrons) (?:get|enjoy|receive)\b|"
               r"\bas an? (?:member|subscriber|supporter|patron)\b|\bmemberships?\b"),
        Signal("names a price per period", 1,
               r"[$\u20ac\u00a3\u20bd]\s?\d+(?:[.,]\d+)?\s?(?:a|per|/|every)\s?"
               r"(?:month|mo|week|year|yr|day)\b|[$\u20ac\u00a3]\d+(?:[.,]\d+)? (?:monthly|"
               r"weekly)\b|"
               r"\b\d+(?:[.,]\d+)?\s?(?:dollars?|euros?|pounds?) (?:a|per|every) (?:month|week|"
               r"year)\b"),
        Signal("names a low price", 1,
               r"\b(?:just|only|from) [$\u20ac\u00a3\u20bd]\s?\d|\b(?:just|only) \d+p\b"),
        Signal("offers unlimited access", 1,
               r"\b(?:unlimited|full|premium|exclusive|early) (?:digital )?access\b|\bad-free\b|"
               r"\bexclusive (?:content|events|offers|articles|newsletters?)\b|\bpremium\b"),
        Signal("speaks of paying for journalism", 1,
               r"\b(?:costs? money|funding|funded by|fund (?:our|the|this)|pays? for|advertis\w*|"
               r"revenue|afford|sponsors?|billionaire|paywall)\b"),
        Signal("speaks of access for subscribers only", 1, _EN_FOR_SUBSCRIBERS,
               needs=("subscriber", "member", "only")),
        Signal("offers the publication's alerts", 1,
               r"\bour (?:[\w-]+ ){0,2}(?:alerts|notifications)\b", needs=("our",)),
        Signal("offers a free trial", 1,
               r"\bfree (?:for \d+ (?:days|weeks)|trial)\b|\btry it free\b"),
        Signal("says it is quick or free", 1,
               r"\bit(?:'s|\u2019s| is) (?:free|quick|easy)\b|"
               r"\b(?:takes|in) less than a minute\b|\bin (?:a few|two) clicks\b"),
        Signal("speaks from the publication to the reader", 1,
               r"\b(?:we|our|us)\b[^.!?]{0,80}\b(?:you|your)\b|\b(?:you|"
               r"your)\b[^.!?]{0,80}\b(?:we|our|us)\b"),
        Signal("speaks of the publication's own work", 1,
               r"\bour (?:journalism|newsroom|reporting|reporters|journalists|mission|readers|"
               r"editors|site|website|coverage|future)\b|\bindependent (?:journalism|media|"
               r"newsroom)\b|"
               r"\bwe(?:'ve|\u2019ve| have)? (?:been )?(?:reporting|reported|covering|covered)\b"),
    ),
    # Cyrillic words sit in their own groups: ruff reads a Latin letter touching a
    # Cyrillic one (a "\\b" before a word) as a homoglyph trick. The noqa lines hold
    # one-letter or all-lookalike Russian words on purpose.
    "ru": (
        # Page furniture with the same effect as an appeal: the label the law
        # demands on every text of a "foreign agent", which would make a rule on
        # "иностранный агент" fire on every story the outlet publishes.
        # Only the legal formula, and only as the whole paragraph (with the
        # agent's name and an "18+" after it): a story's sentence glued to it,
        # or one that tells of such labels, stays.
        Signal("carries the label the law demands of a foreign agent", 3,
               r"^(?:18\+\s*)?(?:данное|данный|настоящее|настоящий) (?:сообщение|материал)\s*"
               r"\((?:материал|информация)\)\s*(?:создан|произвед|распростран)\w*"
               r".{0,400}?иностранн\w* агент\w*(?:\s+[\w.-]+){0,6}\W*(?:18\+)?\W*$",
               needs=("иностранн",), always=True),
        Signal("addresses the readers", 0,
               r"(?:дорогие|уважаемые|милые) (?:читатели|читательницы|друзья|подписчики)(?!\w)",
               "start", lead=True),
        Signal("opens with a message from the publisher", 0,
               r"(?:обращение|письмо|сообщение) (?:от |к )?(?:редакции|читателям)(?!\w)",
               "start", lead=True),
        # Both aspects, and "ты" as well as "вы": a blogger writes "подпишись",
        # a paper "подписывайтесь". Never after "не": Russian forbids with the
        # imperfective ("Не регистрируйтесь на подозрительных сайтах" is advice).  # noqa: RUF003
        # Forms that are advice as often as asks ("поддержи иммунитет", "стань
        # внимательнее") count only with what an appeal asks for.
        Signal("asks the reader to give, join or subscribe", 2,
               rf"\b{_RU_NOT_AFTER_NE}(?:поддержите|помоги(?:те)? (?:нам|редакции)|"
               r"(?:поддерживайте|поддержи) (?:нас|редакци|проект|наш|независим|журналист|"
               r"издани|канал|автор)\w*|"
               r"подпишитесь|подписывайтесь|подпишись|пожертвуйте|жертвуйте|"
               r"оформите (?:подписку|пожертвование|ежемесячн)|сделайте (?:пожертвование|взнос)|"
               r"задонать(?:те)?|донатьте|станьте|"
               r"стань (?:\w+ )?(?:друг|подписчик|участник|член|частью|патрон|спонсор)\w*|"
               r"присоединяйтесь|присоединяйся|вступайте|зарегистрируйтесь|"
               r"регистрируйтесь|войдите)(?!\w)"),
        # The outlet's own app: advice to install some app is a story's.
        Signal("asks the reader to install the app", 2,
               _in_one_sentence(rf"\b{_RU_NOT_AFTER_NE}(?:скачайте|скачивайте|скачай|установите|"
                                r"устанавливайте|установи)(?!\w)",
                                r"\bнаш\w* (?:\w+ )?приложени\w*"),  # noqa: RUF001
               needs=("приложени",)),
        Signal("speaks to the reader about giving, subscribing or blocking ads", 2,
               _in_one_sentence(_RU_YOU, _RU_TOPICS)),
        Signal("says the publication needs the reader's help", 2,
               r"\b(?:без (?:вашей|вашего) (?:помощи|поддержки|участия))(?!\w)|"
               r"\b(?:нам) (?:очень )?(?:нужна) (?:ваша) (?:помощь|поддержка)(?!\w)|"
               r"\b(?:благодаря) (?:вам|читателям|вашей)(?!\w)"),
        Signal("promises delivery to the reader's inbox", 2,
               r"\b(?:на (?:вашу |свою )?(?:почту|электронную почту|e-?mail))(?!\w)"),
        Signal("counts the reader's free articles", 3,
               r"\b(?:вы (?:прочитали|исчерпали))(?!\w)|"
               r"\b(?:бесплатн\w* (?:статей|статьи|материал\w*))(?!\w)"),
        Signal("asks whether the reader already subscribes", 3,
               r"\b(?:уже (?:подписаны|подписан|есть подписка|зарегистрированы))(?!\w)"),
        Signal("asks the reader to disable an ad blocker", 3,
               r"\b(?:отключите|выключите|вы используете|у вас)\b[^.!?]{0,40}"  # noqa: RUF001
               r"(?:блокировщик|adblock|ad block)"),
        # The site, page or browser in the singular: "сайты", "сайтов" and
        # "браузеров" are sites in general, the subject of a story. ("_" is
        # ``PREPARE``'s mark on a noun that ends like a verb: "сайте_".)
        Signal("says an ad blocker acts on this page", 2,
               _in_one_sentence(r"\b(?:блокировщик|блокировк\w* реклам|adblock|ad block)\w*",
                                r"\b(?:(?:эт|наш|ваш)\w* )?(?:сайт(?:а|у|е|ом)?|"  # noqa: RUF001
                                r"страниц(?:а|ы|у|е|ей)|браузер(?:а|у|е|ом)?)_?(?!\w)"),  # noqa: RUF001
               needs=("блокир", "block")),
        Signal("keeps this article for subscribers", 3,
               _in_one_sentence(_RU_THIS_TEXT, _RU_FOR_SUBSCRIBERS),
               needs=("подпис", "участник", "член")),
        Signal("is a cookie notice", 3,
               r"\b(?:используем|использует|используются)\b[^.!?]{0,20}(?:cookie|куки)|"
               r"\b(?:вы (?:соглашаетесь|даёте согласие|даете согласие))(?!\w)"),
        Signal("is an appeal's button", 2,
               r"(?:напомнить позже|не сейчас|поддержать|подписаться|пожертвовать|закрыть|"
               r"понятно|принять|войти|помочь(?: редакции)?|"
               # a button names its action with an infinitive: "Стать другом"
               r"(?:стать|оформить|подписаться|поддержать|помочь|пожертвовать|вступить|"
               r"зарегистрироваться|подключить|попробовать|получать|получить|скачать|"
               r"установить|разрешить|включить|отключить|оставить|перейти)(?: \S+){0,3})\W*",
               "line"),
        Signal("speaks of the reader's support", 1,
               r"\b(?:ваш)[аеиу]? (?:поддержк|помощь|пожертвовани)|\b(?:пожертвовани)"),
        Signal("thanks the reader for support", 1,
               r"\b(?:спасибо),? (?:что) (?:вы )?(?:с нами|поддерживаете|читаете)(?!\w)"),  # noqa: RUF001
        Signal("mentions a newsletter", 1, r"\b(?:рассылк)"),
        Signal("names a price per period", 1,
               r"\b\d+\s?(?:рубл[а-яё]*|руб\.?|\u20bd)\s?(?:в|за) (?:месяц|неделю|год)(?!\w)"),  # noqa: RUF001
        Signal("names a price per period", 1, r"\b(?:ежемесячн)"),
        Signal("names a low price", 1, r"\b(?:от|всего) \d+\s?(?:рубл|руб|\u20bd)"),  # noqa: RUF001
        Signal("offers unlimited access", 1,
               r"\b(?:без ограничений|без рекламы|никакой рекламы)(?!\w)|"
               r"\b(?:эксклюзивн\w* (?:материал|контент|доступ))|"
               r"\b(?:(?:ранн|полн|эксклюзивн|неограниченн|безлимитн)\w* доступ|"
               r"закрыт\w* (?:встреч|эфир|чат|мероприяти|трансляци|клуб))"),
        Signal("speaks of access for subscribers only", 1, _RU_FOR_SUBSCRIBERS,
               needs=("подпис", "участник", "член")),
        Signal("offers the publication's app or alerts", 1,
               r"\b(?:наш\w* (?:\w+ )?приложени|уведомлени)"),
        Signal("speaks of the publication's own work", 1,
               r"\b(?:наш\w* (?:редакци|журналист|сайт|издани|читател))|"
               r"\b(?:независим\w* (?:журналистик|издани|сми|редакци))"),
        Signal("speaks of paying for journalism", 1, r"\b(?:спонсор|деньг|финансир|доход|реклам)"),
        Signal("speaks from the publication to the reader", 1,
               r"\b(?:мы|нас|нам|наш\w*)(?!\w)[^.!?]{0,80}\b(?:вы|вам|вас|ваш\w*)(?!\w)|"
               r"\b(?:вы|вам|вас|ваш\w*)(?!\w)[^.!?]{0,80}\b(?:мы|нас|нам|наш\w*)(?!\w)"),
    ),
}  # fmt: skip

# Words that open an appeal's imperative ("Subscribe", "Join", "Get the app"): a
# shape feature of the learned model (``model``), which adds Russian polite
# imperatives ("поддержите", "подпишитесь") by their grammar (``morphology``).
IMPERATIVES = frozenset(
    [
        "donate",
        "contribute",
        "give",
        "chip",
        "pledge",
        "support",
        "help",
        "join",
        "become",
        "subscribe",
        "sign",
        "register",
        "log",
        "get",
        "download",
        "install",
        "enable",
        "allow",
        "turn",
        "disable",
        "switch",
        "whitelist",
        "add",
        "try",
        "start",
        "upgrade",
        "unlock",
        "claim",
        "keep",
        "continue",
        "read",
        "follow",
        "stay",
        "don",
        "never",
        "accept",
        "manage",
        "choose",
        "see",
        "поддержать",
        "помочь",
        "подписаться",
        "оформить",
        "скачать",
        "установить",
        "разрешить",
        "отключить",
    ]
)

# Per language (lowercase, readied by ``PREPARE``), a word to the reader or
# from a "we" ("you", "we", «вы», «наш», a verb to the reader): text with none
# of them speaks to and as no one, as reporting does. Not "us", which reads as
# "US" once lowercased.
PERSONS: dict[str, str] = {
    "en": rf"{_EN_YOU}|\b(?:yours|yourself|yourselves|we|we're|we\u2019re|we've|we\u2019ve|our|"
    r"ours|ourselves)\b",
    "ru": rf"{_RU_YOU}|(?<!\w)(?:ты|тебя|тебе|тобой|тво\w+|мы|нас|нам|нами|"
    r"наш(?:а|е|и|его|ей|ему|ем|им|ими|их|у)?)(?!\w)",  # noqa: RUF001
}

# Per language (lowercase), the actions of an interface how-to ("open Settings,
# tap your name, then pick Lumen+", «нажмите на аватар, перейдите в раздел»).
# Three in one paragraph, none acting on ``THIS_SITE``, make it a story's
# service how-to (how to cancel, how to clear cookies), as a list is: none of
# the 16,249 training and tuning appeal paragraphs is one, against 17 of the
# 15,259 paragraphs of the negative article sets in tools/appeal_data and 1 of
# the 2,874 of the AEB truth (counted in round 14). Not the verbs of an
# appeal's own form or ask ("enter your email", "turn off your ad blocker",
# «введите», «отключите»), nor "sign in".
STEPS: dict[str, str] = {
    "en": r"\b(?:click|tap|choose|select|pick|open|go to|press|scroll|toggle)\b",
    "ru": r"(?<!\w)(?:нажмите|выберите|откройте|перейдите|зайдите|найдите|отметьте)(?!\w)",
}
# Per language (lowercase), the site or page the reader is on, or any domain
# name: how-to steps that act on it ("click the blocker's icon and choose to
# allow this site") are an appeal's own. A story's steps that name a domain
# ("go to lumenplus.com, click ...") are not taken for a how-to, the cautious
# side.
THIS_SITE: dict[str, str] = {
    "en": r"\b(?:this|our) (?:web)?(?:sites?|pages?|domain)\b|"
    r"\b[a-z0-9-]+\.(?:com|org|net|co\.uk)\b",
    "ru": r"(?<!\w)(?:эт|наш|дан)\w* (?:сайт|ресурс|домен|страниц)\w*|"  # noqa: RUF001
    r"(?<!\w)[a-z0-9-]+\.(?:ru|рф|com)\b",
}
# Per language (lowercase), a reader told how to leave ("If you want to cancel,
# you can do so in the app", «Если вы решите отменить подписку»): a story's
# service line. None of the 16,249 training and tuning appeal paragraphs
# speaks of leaving so, against 3 of the negative article sets' 15,259 and 7
# of the looked-at on-topic story sets' 2,472 (counted in round 14). An
# appeal's own line that also asks surely ("If you want to stop seeing this,
# disable your ad blocker") is still an appeal's: see ``scoring.is_how_to``.
LEAVING: dict[str, str] = {
    "en": r"\b(?:if|when) you\b[^.?!;:]{0,60}?\b(?:want|wish|decide|choose|would like|"
    r"['\u2019]d like|prefer|plan|need) to (?:cancel|unsubscribe|opt out|withdraw|delete|stop|"
    r"leave|downgrade|turn off|switch off|reject|end|pause|close|quit)\b",
    "ru": r"(?<!\w)если (?:вы |ты )?[^.?!;:]{0,40}?(?:хотите|решили|решите|захотите|хотели бы|"
    r"хочешь|захочешь|желаете|передумали|планируете|нужно)\w*,? (?:(?:бы )?(?:чтобы|то|—|-) )?"
    r"(?:\w+ )?(?:отменить|отключить|отказаться|удалить|отозвать|запретить|отписаться|"
    r"прекратить|выйти|расторгнуть|приостановить)",
}

# Per language, the words that say a story is *about* appeals: a fundraising
# drive, a membership scheme, a paywall, newsletters, cookie banners, ad
# blockers. Specific phrases, not bare words: "NATO membership" or "organ
# donors" say nothing of the kind. A headline naming one, or a lede naming two,
# makes the learned model's evidence alone too weak to cut in ``text``, and
# keeps a rule block from spreading over its neighbours: such a story reads
# like an appeal from end to end.
SUBJECTS: dict[str, str] = {
    "en": r"\b(?:donations?|fund-?rais\w*|crowd-?fund\w*|pledge drives?|paywalls?|"
    r"newsletters?|ad[- ]?block\w*|patreon|substack|boosty|telethons?|paid tiers?|"
    r"(?:cookie|consent) (?:banners?|notices?|walls?|pop-?ups?|rules?)|"
    r"(?:membership|subscription) (?:drives?|schemes?|programmes?|programs?|fees?|prices?|plans?)|"
    r"subscriptions?|(?:fundraising|donation|charity) appeals?)\b",
    "ru": r"(?<!\w)(?:пожертв\w*|донат\w*|краудфанд\w*|"
    r"сбор\w* (?:средств|денег|пожертвований)|"  # noqa: RUF001
    r"подписк\w*(?! о невыезде)|пейвол\w*|платн\w* доступ\w*|рассылк\w*|"  # noqa: RUF001
    r"блокировщик\w* реклам\w*|фандрайз\w*|телемарафон\w*|членск\w* взнос\w*)(?!\w)",
}

# Per language, a story's credit line: a byline ("Reporting by Jane Doe",
# «Подготовила Мария Лебедева», "By Jane Doe") or a credit with a colon ("Photo:
# ...", «Текст: ...»). It is the story's, though as short and as capitalised as
# an appeal's title or button. A byline names someone: a capital after the
# credit word, and not a word to or about the reader ("Written by you", «Фото
# Ваших питомцев», «Подготовили для вас подборку» head appeals).
_EN_NAME = r"(?!(?:you|your|yours|our|us|readers?|members?)\b)(?:the\s+)?(?-i:[A-Z])"
_RU_NAME = r"(?!(?:ваш\w*|вас|вам|вы|нас|нам|наш\w*)(?!\w))(?-i:[А-ЯЁA-Z])"  # noqa: RUF001
CREDITS: dict[str, str] = {
    "en": r"^(?:(?:additional|further)\s+)?(?:reporting|written|edited|editing|photos?|"
    r"photographs?|pictures?|words|text|compiled|graphics?|illustrations?|video|produced|"
    rf"translated|research|interviews?)(?:\s+and\s+\w+)?\s+by\s+{_EN_NAME}"
    r"|^by\s+(?-i:[A-Z][\w.'-]*\s+[A-Z])"
    r"|^(?:photos?|pictures?|text|words|sources?|video|graphics?|illustrations?)\s*:\s",
    # Not «Перевод» nor «Видео» before a name: a transfer of money and a video
    # are what appeals speak of.
    "ru": r"^(?:подготовил[аи]?|записал[аи]?|беседовал[аи]?|текст|фото(?:графи[ия])?|"
    r"иллюстраци[ия]|автор(?:ы)?\s+(?:текста|фото)|интервью\s+(?:взял[аи]?|записал[аи]?))"
    rf"\s+{_RU_NAME}"
    r"|^(?:фото\w*|текст|автор\w*|источник|видео|иллюстраци\w*)\s*:\s",
}
