"""The two appeal layers on their own: markup on small trees, language on paragraphs."""

from __future__ import annotations

import re

import lxml.html
import pytest

from monitor.appeals import SIGNALS, strip_appeal_containers, strip_appeal_text
from monitor.appeals.model import Model, appeal_probability, model
from monitor.appeals.morphology import is_second_person_verb_ru, mark_false_verbs_ru
from monitor.appeals.scoring import (
    NOTHING,
    is_how_to,
    is_reported,
    quotes_an_appeal,
    score,
    speaks_to_or_as_anyone,
)
from monitor.appeals.signals import SCRIPTS
from monitor.appeals.text import _Block, _explainer_questions, _reach_back, _runs

STORY = [
    "The regional parliament approved the budget on Wednesday after a debate that lasted two days.",
    "The budget raises spending on hospitals by eight percent and freezes public sector pay.",
    "Opposition deputies said the pay freeze would drive doctors and teachers out of the region.",
    "The governor is expected to sign the budget into law before the end of the month.",
]

DONATION = [
    "A Message from The Daily Courier:",
    "Dear readers,",
    "Our newsroom has covered this region for ninety years, through wars and censorship.",
    "To keep going, we need your help.",
    "Please support us monthly starting from just $2. Every contribution makes a difference.",
    "Remind me later.",
]


def kept(paragraphs: list[str], headline: str | None = None) -> list[str]:
    return strip_appeal_text(paragraphs, headline=headline)[0]


def test_plain_story_is_untouched() -> None:
    assert strip_appeal_text(STORY) == (STORY, [])


def test_donation_block_at_the_end_goes_as_one_removal() -> None:
    paragraphs, removals = strip_appeal_text(STORY + DONATION)

    assert paragraphs == STORY
    (removal,) = removals
    assert removal.text.splitlines() == DONATION
    assert removal.reason.startswith("appeal block: opens with a message from the publisher")
    assert "asks the reader to give, join or subscribe" in removal.reason


def test_donation_block_at_the_start_goes() -> None:
    assert kept(DONATION + STORY) == STORY


def test_donation_block_in_the_middle_goes_when_strong() -> None:
    assert kept(STORY[:2] + DONATION + STORY[2:]) == STORY


def test_weak_lead_in_in_the_middle_stays() -> None:
    """A letter quoted in a story: a lead-in, but only one weak signal after it."""
    letter = ["Dear readers,", "Thank you for your support over the years, the editor wrote."]
    text = STORY[:2] + letter + STORY[2:]

    assert kept(text) == text


@pytest.mark.parametrize(
    "appeal",
    [
        ["Join the Daily Courier. Members get unlimited access and no ads.", "Become a member"],
        ["You have read 3 of 5 free articles this month.", "Already a subscriber? Log in"],
        ["Get the latest updates right in your inbox. Subscribe to our newsletters."],
        ["Sign Up: Stay on top of the latest news! Sign up for our Email Newsletters here."],
        ["We noticed you are using an ad blocker. Please disable your ad blocker to support us."],
        ["We use cookies to improve your experience. Accept all cookies?"],
        ["Дорогие читатели!", "Поддержите нас — даже 300 рублей в месяц помогут.", "Закрыть"],
        ["Подпишитесь на нашу рассылку, чтобы не пропустить главное."],
    ],
    ids=["membership", "paywall", "inbox", "sign-up", "ad-blocker", "cookies", "ru", "ru-news"],
)
def test_appeals_at_the_end_go(appeal: list[str]) -> None:
    assert kept(STORY + appeal) == STORY


def test_promo_line_in_the_middle_goes() -> None:
    promo = "Subscribe to the Courier YouTube Channel for all of the latest videos!"
    assert kept([*STORY[:2], promo, *STORY[2:]]) == STORY


@pytest.mark.parametrize(
    "reporting",
    [
        "The charity asked donors to give £10 a month and said 40,000 people had signed up.",
        '"Please support us today," the charity\'s director said at the launch.',
        "The Times said subscribers can log in to read the newsletter, which costs $5 a month.",
        "Фонд сообщил, что собрал пожертвования от 40 тысяч человек.",
        "- Sign up for a streaming account with no ads for $11.99 a month",
    ],
    ids=["donors", "quoted", "subscribers", "ru-third-person", "deal-list-item"],
)
def test_reporting_about_appeals_stays(reporting: str) -> None:
    for text in ([*STORY, reporting], [*STORY[:2], reporting, *STORY[2:]]):
        assert kept(text) == text


def test_single_weak_signal_at_the_end_stays() -> None:
    """A price line closing a story about those prices is the story's (a price
    line pasted under a story about something else reads, rightly, as a promo)."""
    club = [
        "Riverside United will raise prices for season tickets next year, the club said on Monday.",
        "The club said the rise would pay for a new stand and repairs after the winter floods.",
        "Supporters said the rise would price out families who held season tickets for decades.",
        "Holders who renew before June will keep this year's prices for another season, it said.",
    ]
    text = [*club, "Tickets cost $20 a month for season holders."]
    assert kept(text) == text


def test_signal_tables_cover_both_languages() -> None:
    assert set(SIGNALS) >= {"en", "ru"}
    assert set(SCRIPTS) == set(SIGNALS)  # a language's signals run on text in its script
    for table in SIGNALS.values():
        assert any(signal.lead for signal in table)
        # patterns see lowercased text: a capital letter (outside an escape) never matches
        assert all(re.sub(r"\\.", "", s.pattern).islower() for s in table)


BOX = ["Get the Courier Daily", "Our editors pick the day's five best stories.", "Sign me up"]


@pytest.mark.parametrize(
    "appeal",
    [
        ["Before you go", *DONATION[2:5], "Count me in"],
        ["Cookie settings", "We use cookies to measure our audience.", "Accept all"],
        ["Get the Courier Daily", "Want stories like this in your inbox every morning?", "Sign up"],
        ["Not a member yet? Members get every issue and the full archive.", "Join today"],
        [
            "Вы прочитали 3 из 5 бесплатных статей.",
            "Оформите подписку, чтобы читать дальше.",
            "Войти",
        ],
        ["Похоже, у вас включён блокировщик рекламы. Отключите его, пожалуйста."],  # noqa: RUF001
    ],
    ids=["donation", "cookies", "newsletter", "membership", "ru-paywall", "ru-ad-blocker"],
)
def test_appeal_box_in_the_middle_goes_whole(appeal: list[str]) -> None:
    """Heading, body and buttons go together; the story around them stays."""
    paragraphs, removals = strip_appeal_text([*STORY[:2], *appeal, *STORY[2:]])

    assert paragraphs == STORY
    assert [r.text.splitlines() for r in removals] == [appeal]


def test_short_story_lines_next_to_an_appeal_stay() -> None:
    """Only label-like lines are taken as an appeal's heading or buttons: a short
    sentence, a dateline or a credit beside it is the story's."""
    before = ["Officials gave no other details.", "(Graphic: results by region)"]
    after = ["Reporting by Ann Lee; editing by Tom Ray"]
    text = [*STORY, *before, "Please support us: donate today.", *after]

    assert kept(text) == [*STORY, *before, *after]


def test_long_paragraph_with_an_ask_at_the_end_stays() -> None:
    """A review's last paragraph may tell the reader to sign up: it is content."""
    review = (
        "The service costs $9.99 a month after the trial, which is in line with its rivals, "
        "and the catalogue is larger than most. Families get up to six profiles, offline "
        "downloads work on phones and tablets, and the app is quick on older televisions. "
        "Sign up for the free trial if you want to test the picture quality on your own "
        "screen before you commit to a year, and cancel before it ends if it disappoints."
    )
    assert kept([*STORY, review]) == [*STORY, review]


@pytest.mark.parametrize(
    "reporting",
    [
        "Some sites ask visitors to disable their ad blocker or to add the site to an allowlist.",
        "Under the meter, visitors can read five free articles a month before they must pay.",
        "A site that uses cookies must now let visitors refuse them as easily as accept them.",
    ],
    ids=["ad-blocker", "meter", "cookies"],
)
def test_third_person_reporting_in_the_middle_stays(reporting: str) -> None:
    text = [*STORY[:2], reporting, *STORY[2:]]
    assert kept(text) == text


def tree(body: str) -> lxml.html.HtmlElement:
    paragraphs = "".join(f"<p>{p}</p>" for p in STORY)
    html = f"<html><body><main><div class='story'>{paragraphs}</div>{body}</main></body></html>"
    return lxml.html.fromstring(html)


def text_of(root: lxml.html.HtmlElement) -> str:
    return " ".join(root.text_content().split())


@pytest.mark.parametrize(
    ("box", "reason"),
    [
        ('<div class="article__block--support">Give</div>', "container class"),
        ('<section id="newsletterSignup">Join</section>', "container id"),
        ('<div aria-label="Subscribe to our newsletter">Join</div>', "container aria-label"),
        ('<div data-component="paywall-meter">3 of 5</div>', "attribute data-component"),
        ('<div role="dialog">Before you go</div>', "role 'dialog'"),
        ('<div><p>Give</p><a href="#">Remind me later</a></div>', "box holds the button"),
        ('<div class="cta-block">Give</div>', "container class"),
    ],
)
def test_appeal_containers_are_dropped_with_a_reason(box: str, reason: str) -> None:
    root = tree(box)

    (removal,) = strip_appeal_containers(root)

    assert reason in removal.reason
    assert removal.text not in text_of(root)
    assert STORY[0] in text_of(root)


@pytest.mark.parametrize(
    "box",
    [
        '<div class="supported-browsers">Chrome, Firefox</div>',
        '<div class="subscriber-count">1,200 readers</div>',
        '<div class="superpromotion">Chrome</div>',
        '<div data-config=\'{"newsletter": true, "' + "x" * 100 + "\"}'>Chrome</div>",
    ],
)
def test_lookalike_markup_is_kept(box: str) -> None:
    root = tree(box)

    assert strip_appeal_containers(root) == []
    assert "Chrome" in text_of(root) or "1,200" in text_of(root)


def test_wrapper_holding_the_article_is_never_dropped() -> None:
    paragraphs = "".join(f"<p>{p}</p>" for p in STORY)
    root = lxml.html.fromstring(
        f"<html><body><div class='page header-promo'><article>{paragraphs}</article>"
        "<div class='promo'>Buy</div></div></body></html>"
    )

    (removal,) = strip_appeal_containers(root)

    assert removal.text == "Buy"
    assert STORY[-1] in text_of(root)


def test_box_holding_most_of_the_text_is_never_dropped() -> None:
    root = lxml.html.fromstring(
        "<html><body><p>Short intro here.</p>"
        f"<div class='support-section'>{'<p>' + ' '.join(STORY) + '</p>'}</div></body></html>"
    )

    assert strip_appeal_containers(root) == []


def test_kept_elements_and_their_insides_are_never_dropped() -> None:
    root = tree('<div class="support-box"><div class="support-box__body">Shelter</div></div>')
    keep = root.xpath("//div[@class='support-box']")

    assert strip_appeal_containers(root, keep=keep) == []
    assert "Shelter" in text_of(root)


def test_nested_appeal_boxes_are_reported_once() -> None:
    root = tree('<div class="newsletter"><div class="newsletter__form">Sign up</div></div>')

    assert len(strip_appeal_containers(root)) == 1


def test_titled_opener_in_the_publications_voice_goes_with_its_ask() -> None:
    """A box opens with a title and a story of the publication's own work, with
    no appeal words, then asks: the whole box goes, even inside the text."""
    box = [
        "What this story cost",
        "Our reporters spent three weeks in the valley and we paid for every night of it.",
        "Reporting like this runs on readers. Chip in what you can.",
        "Chip in",
    ]
    assert kept([*STORY[:2], *box, *STORY[2:]]) == STORY


def test_untitled_we_paragraph_before_an_ask_stays() -> None:
    """Without a title above it, a "we" paragraph before an ask is the blog's own:
    it speaks of what the review is about."""
    review = [
        "The new Linkwave AX router costs $129 and promises coverage for a three-bedroom flat.",
        "Setup took ten minutes with the Linkwave app, and the router picked its channel itself.",
        "Two walls away from the router, the bedroom still got 300 megabits a second.",
        "The fan is audible at night, though, and the app insists on an account.",
    ]
    ours = "We tested the Linkwave router for two weeks in a flat with thick walls."
    text = [*review, ours, "Please support us: donate today."]
    assert kept(text) == [*review, ours]


def test_story_subheading_after_a_button_stays() -> None:
    """A box has a button or two; a label after its button is the story's subheading."""
    box = ["Not a member yet? Members get unlimited access.", "Become a member"]
    text = [*STORY[:2], *box, "Range and Charging", *STORY[2:]]
    assert kept(text) == [*STORY[:2], "Range and Charging", *STORY[2:]]


@pytest.mark.parametrize(
    "appeal",
    [
        ["This report is available exclusively to subscribers.", "Subscribe"],
        ["It looks like an ad blocker is interfering with this page."],
        ["Download our free app for breaking news alerts.", "Get the app"],
        ["Станьте участником клуба: ранний доступ и закрытые встречи.", "Стать участником"],
        ["Этот материал доступен только подписчикам.", "Оформить подписку"],
        ["Ваш блокировщик рекламы скрывает часть этой страницы."],
    ],
    ids=["exclusive", "ad-blocker-3rd", "app", "ru-imperative-te", "ru-gate", "ru-ad-blocker"],
)
def test_appeals_in_the_middle_go(appeal: list[str]) -> None:
    assert kept([*STORY[:2], *appeal, *STORY[2:]]) == STORY


@pytest.mark.parametrize(
    "reporting",
    [
        "Publishers say ad blockers cost the industry billions, and many sites now detect them.",
        "The paper made the investigation available only to subscribers, its editor said.",
        "Издание закрыло архив: он открыт только для подписчиков, сказал редактор.",
    ],
    ids=["ad-blockers", "exclusive-reported", "ru-gate-reported"],
)
def test_reporting_on_gates_and_blockers_stays(reporting: str) -> None:
    text = [*STORY[:2], reporting, *STORY[2:]]
    assert kept(text) == text


def test_learned_model_loads_and_reads_appeals_high_and_news_low() -> None:
    assert isinstance(model(), Model)
    assert model() is model()  # loaded once per process
    appeal = "Please support our journalism: donate $5 a month to keep it free for everyone."
    news = "The governor is expected to sign the budget into law before the end of the month."
    assert appeal_probability(appeal) > 0.9
    assert appeal_probability("Подпишитесь на нашу рассылку, чтобы не пропустить главное.") > 0.9
    assert appeal_probability(news) < 0.2
    assert appeal_probability(news) == Model.load().probability(news)  # deterministic


def test_learned_model_alone_does_not_cut_a_long_or_quoted_paragraph_in_the_middle() -> None:
    quoted = '"Support us and subscribe today," the editor wrote in a letter to readers.'
    long = " ".join([STORY[0], "Please donate to support our reporting.", *STORY[1:3]])
    for paragraph in (quoted, long):
        text = [*STORY[:2], paragraph, *STORY[2:]]
        assert kept(text) == text


def test_how_to_in_a_story_about_subscriptions_stays() -> None:
    """Second person about a subscription, inside a story about its price: the
    rules hear an appeal, the model reads the story's text, and inside the text
    the rules alone do not cut."""
    story = [
        "The streaming service Lumen will raise the price of its ad-free plan to $15.49 a"
        " month from March, the second increase in eighteen months.",
        "The basic plan with advertising stays at $6.99. Annual plans rise by about ten percent.",
        "Changing plans",
        "To cancel, open Settings, choose Membership and select End plan; you can keep"
        " watching until the end of the billing period.",
        "Lumen said the money would pay for live football and more original series.",
        "Analysts expect rival services to follow within the year.",
    ]

    assert kept(story) == story


def test_russian_noun_in_ite_is_not_an_imperative() -> None:
    """A noun in -ите/-йте ("about the defence", "on its website") is no verb to
    the reader ("defend!"), wherever it stands: the analyser tells them apart, a
    pattern cannot."""
    nouns = [
        "Деньги пойдут на юристов редакции в трёх делах о защите деловой репутации.",  # noqa: RUF001
        "Деньги пойдут на юристов редакции в делах о судебной защите репутации.",  # noqa: RUF001
        "Вступить в клуб можно в любом филиале библиотеки или на её сайте, заполнив анкету.",
    ]
    verbs = [
        "Защитите редакцию: поддержите нас сегодня.",
        "Вступайте в клуб друзей редакции: подробности получите на почту.",
        # A noun before the verb hides neither: each word is judged on its own.
        "Подписку на сайте оформите сегодня.",
        "Пожертвования принимаем на сайте и в кассе, переведите сколько сможете.",
    ]

    for sentence in nouns:
        assert "speaks to the reader" not in " ".join(score(sentence).reasons), sentence
    for sentence in verbs:
        assert "speaks to the reader" in " ".join(score(sentence).reasons), sentence


def test_the_analyser_tells_a_verb_to_the_reader_from_a_noun_ending_alike() -> None:
    verbs = ["поддержите", "подпишитесь", "получите", "станьте", "оставьте", "читайте"]
    nouns = ["сайте", "защите", "орбите", "вите"]

    assert all(map(is_second_person_verb_ru, verbs))
    assert not any(map(is_second_person_verb_ru, nouns))
    # Only the nouns are marked, and a noun's stem still reads as itself.
    assert mark_false_verbs_ru("на сайте оформите") == "на сайте_ оформите"


def test_the_imperatives_the_russian_signals_spell_out_survive_the_analyser() -> None:
    """A verb a "text" signal names outright ("поддержите") must not be marked as
    a noun before the signal looks for it."""
    ending = re.compile(r"[\w]+(?:ите|йте|ьте)(?:сь)?(?![\w])")
    spelled = {
        word
        for signal in SIGNALS["ru"]
        if signal.where == "text"
        for word in ending.findall(signal.pattern)
    }

    assert spelled  # the signals do name some
    for word in spelled:
        assert mark_false_verbs_ru(word) == word, word


def test_a_how_to_join_ending_a_story_about_a_club_stays() -> None:
    """A Russian story about a library's friends' club ends on how to join it, in
    the impersonal ("можно ... на её сайте"): reporting, not an ask."""
    story = [
        "Областная библиотека Твери открыла клуб «Друзья читального зала»: за ежегодный"
        " взнос от 800 рублей горожане смогут влиять на то, какие книги она закупит.",
        "Участники клуба получат именной билет и приглашения на встречи с авторами.",  # noqa: RUF001
        "«Денег на новые книги у нас не прибавлялось с 2020 года», — рассказала"  # noqa: RUF001
        " заведующая библиотекой Ольга Миронова.",
        "За первый месяц в клуб вступили 212 человек.",  # noqa: RUF001
        "Подобные клубы давно работают в библиотеках Европы, в России они пока редкость."
        " Взносы оформляются как добровольные пожертвования фонду библиотеки.",
        "Вступить в клуб можно в любом филиале библиотеки или на её сайте, заполнив"
        " короткую анкету.",
    ]

    assert kept(story, headline="Библиотека ищет «друзей»") == story


def test_the_outlets_own_appeal_after_a_story_about_a_pledge_drive_goes_whole() -> None:
    """In a story about a pledge drive the model's reading alone cuts nothing, but
    the outlet's own appeal after it goes whole: its title and its story, joined
    to its ask by lines the model is sure of, not the ask alone."""
    story = [
        "Northfield Public Radio ended its spring pledge drive on Friday two days early"
        " after listeners gave $412,000, beating its goal by $12,000.",
        "The station's general manager, Rita Okafor, said about 3,100 people had pledged,"
        " a third of them for the first time.",
        "The drive had been shortened this year after complaints that the on-air breaks"
        " ran too long, she said.",
        "The next drive is planned for October.",
        # A story line the model is sure of, just before the outlet's appeal.
        "Members who give $120 a year get a tote bag.",
    ]
    appeal = [
        "Local news needs local readers",
        "The Ledger has covered Northfield since 1921. Today three reporters cover eleven"
        " towns, and the money that pays them comes mostly from readers.",
        "If you value stories like this one, become a member today for as little as $5 a month.",
        "Become a member",
    ]
    headline = "Public radio pledge drive ends early after listeners beat goal"

    paragraphs, removals = strip_appeal_text(story + appeal, headline=headline)

    assert paragraphs == story
    assert [r.text.split("\n") for r in removals] == [appeal]


def test_after_an_ask_in_a_story_about_appeals_the_story_goes_on() -> None:
    """Past an ask, in a story about a pledge drive, only buttons join it: the
    story's own lines after it, however sure the model is of them, stay."""
    story = [
        "Northfield Public Radio ended its spring pledge drive on Friday two days early"
        " after listeners gave $412,000, beating its goal by $12,000.",
        "The station's general manager, Rita Okafor, said about 3,100 people had pledged,"
        " a third of them for the first time.",
        "The next drive is planned for October.",
        "Missed the drive? Become a member today at northfieldradio.org/give.",
    ]
    after = [
        "Members who give $120 a year get a tote bag.",
        "Members who give $10 a month get a mug and two concert tickets.",
    ]
    headline = "Public radio pledge drive ends early after listeners beat goal"

    paragraphs, _ = strip_appeal_text([*story, *after, "Perks"], headline=headline)

    assert [p for p in after if p in paragraphs] == after


def test_a_subheading_that_reads_like_an_ask_stays() -> None:
    """A story's subheading may read like a button ("Parents chip in"): one that
    names what the next paragraph tells is the story's, wherever it stands."""
    story = [
        "Hillcrest Primary will reopen its sports hall in September after a campaign"
        " raised £24,000 for a new roof, the head teacher said on Tuesday.",
        "The county had said it could not fund the repairs before 2027.",
        "Parents join in",
        "Parents organised a sponsored walk, two quiz nights and a cake sale, which"
        " together raised more than half of the total.",
        "The rest came from a local builders' merchant and a grant from the parish council.",
        "Work is due to start during the summer holidays.",
    ]

    assert kept(story) == story


def test_a_label_sharing_only_a_common_word_with_the_next_paragraph_is_no_subheading() -> None:
    """What makes a subheading is a word of substance it shares with the next
    paragraph, not "with" or "their": a button inside the text still goes."""
    button = "Become a member with one click"
    after = "Opposition deputies said the pay freeze, together with higher rents, would drive"
    text = [*STORY[:2], button, after, *STORY[3:]]

    assert kept(text) == [*STORY[:2], after, *STORY[3:]]


def test_single_quotes_are_quotes_and_apostrophes_are_not() -> None:
    """British style quotes the notice in single quotes: a story quoting a paywall
    notice is reporting it. An apostrophe ("You've", "readers'") opens no quote."""
    story = [
        "The Harlow Gazette will start charging for online stories on 1 March, its owner"
        " said on Thursday.",
        "Readers will see five articles a month free. After that a notice will read:"
        " 'You've reached your free article limit. Subscribe for $1 for your first month"
        " to keep reading.'",
        "The standard price will be $8.99 a month, or $79 a year for print subscribers.",
        "The Gazette's owner said online advertising no longer paid for its newsroom of"
        " eleven journalists.",
        "Other local papers in the county started charging last year.",
    ]

    assert kept(story) == story
    assert not is_reported("You've read our readers' favourite stories: don't miss them.")


@pytest.mark.parametrize(
    "paragraph",
    [
        "«Мы не закроемся», — говорит главный редактор.",
        "«Мы не закроемся», - отвечает главный редактор.",
        "«Подписка себя не окупит», — уверен экономист.",
        '"We will not close," the editor insists.',
        "A notice now reads \u201cYou have used your free articles this month\u201d on the site.",
    ],
)
def test_a_quotation_is_reported_speech(paragraph: str) -> None:
    assert is_reported(paragraph)


@pytest.mark.parametrize(
    "paragraph",
    [
        "Вступайте в «Клуб друзей редакции»: закрытые эфиры и письма от авторов.",
        'Get "The Morning Brief" in your inbox every weekday.',
        "Слушайте наш подкаст «Дело было так» на всех платформах.",
        "Нажмите кнопку «Поддержите нас» под этим текстом.",
    ],
)
def test_a_name_in_quotes_is_no_quotation(paragraph: str) -> None:
    """Russian writes every title in guillemets: an appeal naming its club or
    newsletter does not quote anyone."""
    assert not is_reported(paragraph)


def test_a_russian_appeal_naming_its_club_goes_after_the_story() -> None:
    story = [
        "Мэрия Самары утвердила новые тарифы на проезд в трамваях и автобусах.",
        "С 1 марта поездка по карте будет стоить 52 рубля, за наличные — 60 рублей.",  # noqa: RUF001
        "«Повышение связано с ростом цен на электроэнергию», — пояснили в департаменте"  # noqa: RUF001
        " транспорта.",
        "Льготы для пенсионеров и школьников сохранятся.",
    ]
    appeal = [
        "Вы читаете нас уже год — пора в «Клуб друзей редакции». Закрытые эфиры,"
        " мерч и письма от авторов.",
        "Хочу в клуб",
    ]

    assert kept(story + appeal) == story


BUDGET = [
    "The regional parliament approved the budget on Wednesday after a two-day debate.",
    "The budget raises spending on hospitals and freezes public sector salaries.",
    "Hospital managers welcomed the money but warned that staffing shortages would remain.",
    "The governor is expected to sign the budget before the end of the month.",
]


def _reached(paragraphs: list[str], block: tuple[int, int], evidence: list[float]) -> int:
    labels = [len(p.split()) if len(p.split()) <= 3 else 0 for p in paragraphs]
    found = _reach_back(
        _Block(*block, ("ask",)),
        paragraphs,
        evidence=evidence,
        labels=labels,
        words=[len(p.split()) for p in paragraphs],
    )
    return found.start


def test_an_appeal_takes_the_story_like_opener_that_speaks_of_it() -> None:
    """The opener reads like news, so the model leaves it; it names what the ask
    names (the paper, its press) and nothing the story spoke of."""
    appeal = [
        "The Ledger press on Mill Street printed its first edition in 1921.",
        "Chip in $5 and keep the Ledger press running.",
        "Chip in",
    ]
    paragraphs = BUDGET + appeal

    assert _reached(paragraphs, (5, 6), [-1.0] * 4 + [-2.0, 8.0, 8.0]) == 4


def test_a_lead_in_stops_at_a_line_the_story_owns() -> None:
    """The opener that would go with the appeal stays when it is one of the
    ``story_lines`` (an explainer's question, a how-to's steps)."""
    appeal = [
        "The Ledger press on Mill Street printed its first edition in 1921.",
        "Chip in $5 and keep the Ledger press running.",
        "Chip in",
    ]
    paragraphs = BUDGET + appeal
    found = _reach_back(
        _Block(5, 6, ("ask",)),
        paragraphs,
        evidence=[-1.0] * 4 + [-2.0, 8.0, 8.0],
        labels=[0] * 6 + [2],
        words=[len(p.split()) for p in paragraphs],
        story_lines={4},
    )
    assert found.start == 5


def test_the_story_s_last_paragraph_stays_before_an_appeal_on_its_subject() -> None:
    """The last paragraph shares a word with the ask ("hospital"), but more with
    the story before it: it is the story's."""
    appeal = ["Give to the hospitals appeal today.", "Give"]
    paragraphs = BUDGET + appeal

    assert _reached(paragraphs, (4, 5), [-1.0] * 4 + [8.0, 8.0]) == 4


def test_an_opener_the_model_is_sure_is_the_story_s_stays() -> None:
    appeal = [
        "The Ledger press on Mill Street printed its first edition in 1921.",
        "Chip in $5 and keep the Ledger press running.",
    ]

    assert _reached(BUDGET + appeal, (5, 5), [-1.0] * 4 + [-4.0, 8.0]) == 5


TARIFFS = [
    "Мэрия Самары утвердила новые тарифы на проезд в трамваях и автобусах.",
    "С 1 марта поездка по карте будет стоить 52 рубля, за наличные — 60 рублей.",  # noqa: RUF001
    "Льготы для пенсионеров и школьников сохранятся.",
    "Депутаты городской думы пообещали вернуться к вопросу осенью.",
]
AGENT_LABELS = [
    "ДАННОЕ СООБЩЕНИЕ (МАТЕРИАЛ) СОЗДАНО И (ИЛИ) РАСПРОСТРАНЕНО ИНОСТРАННЫМ СРЕДСТВОМ"
    " МАССОВОЙ ИНФОРМАЦИИ, ВЫПОЛНЯЮЩИМ ФУНКЦИИ ИНОСТРАННОГО АГЕНТА",
    "Настоящий материал (информация) произведен, распространен и (или) направлен"
    " иностранным агентом «Северный ветер» либо касается деятельности иностранного"
    " агента «Северный ветер».",
    "НАСТОЯЩИЙ МАТЕРИАЛ (ИНФОРМАЦИЯ) ПРОИЗВЕДЕН, РАСПРОСТРАНЕН И (ИЛИ) НАПРАВЛЕН"
    " ИНОСТРАННЫМ АГЕНТОМ ИВАНОВЫМ И. И. ЛИБО КАСАЕТСЯ ДЕЯТЕЛЬНОСТИ ИНОСТРАННОГО АГЕНТА"
    " ИВАНОВА И. И. 18+",
]


@pytest.mark.parametrize("label", AGENT_LABELS)
@pytest.mark.parametrize("at", [0, 2, 4])
def test_the_foreign_agent_label_goes_wherever_it_stands(label: str, at: int) -> None:
    """The law makes an outlet print it on every text: a rule watching for
    "иностранный агент" would fire on every story it publishes."""
    paragraphs, removals = strip_appeal_text([*TARIFFS[:at], label, *TARIFFS[at:]])

    assert paragraphs == TARIFFS
    (removal,) = removals
    assert "foreign agent" in removal.reason


def test_a_story_about_the_foreign_agent_label_stays() -> None:
    story = [
        "Минюст внёс издание «Северный ветер» в реестр иностранных агентов в пятницу.",
        "Теперь все его публикации должны открываться пометкой «Данное сообщение (материал)"  # noqa: RUF001
        " создано и (или) распространено иностранным средством массовой информации,"
        " выполняющим функции иностранного агента».",
        "Данное решение редакция намерена обжаловать в суде.",
        *TARIFFS[2:],
    ]

    assert kept(story) == story


def test_a_russian_story_line_sharing_its_subject_with_the_story_stays() -> None:
    """It names the newsroom the appeal speaks of, but "мэрию" is the story's
    word: compared by stem, it meets "мэрия" above."""
    story = [
        "Мэрия Твери отказалась публиковать смету ремонта набережной.",
        "Депутаты потребовали от мэрии раскрыть подрядчиков до конца месяца.",
        "Редакция направила запрос в мэрию, но ответа пока не получила.",
    ]
    appeal = ["Поддержите редакцию, которая задаёт вопросы мэрии за вас.", "Поддержать"]

    assert _reached([*story, *appeal], (3, 4), [-1.0, -1.0, -2.0, 8.0, 8.0]) == 3


def test_a_lead_in_never_takes_the_text_s_first_line_as_its_title() -> None:
    """The appeal opens the text: the line above its lead-in may be the page's
    headline, which the lede's cost protects."""
    paragraphs = [
        "Saturdays",
        "The Ledger press on Mill Street printed its first edition in 1921.",
        "Chip in $5 and keep the Ledger press running.",
        "Chip in",
        *BUDGET,
    ]

    assert _reached(paragraphs, (2, 3), [-1.0, -2.0, 8.0, 8.0, -1.0, -1.0, -1.0, -1.0]) == 1


@pytest.mark.parametrize(("tied", "cut"), [(0.4, False), (0.0, True)])
def test_a_lone_paragraph_tied_to_the_story_by_its_words_stays(tied: float, cut: bool) -> None:
    """The model reads the magazine's plan for a print almanac as a promo; but it
    shares its words with the story around it, which a pasted promo does not."""
    paragraphs = [*BUDGET, "The paper plans a printed almanac of the year's best stories."]
    runs = _runs(
        paragraphs,
        [-3.0, -3.0, -3.0, -3.0, 6.0],
        asks=[NOTHING] * 5,
        words=[len(p.split()) for p in paragraphs],
        labels=[0] * 5,
        logits=[-3.0, -3.0, -3.0, -3.0, 5.0],
        blocks=[],
        box=False,
        topic=frozenset(),
        cohesion=[0.5, 0.5, 0.5, 0.5, tied],
    )

    assert bool(runs) is cut


PERKS = [
    "Become a Friend of the Gazette",
    "Friends receive:",
    "• Every story without adverts",
    "• A printed annual on the doorstep",
    "• Seats at our reader evenings",
    "Join for $5 a month",
]


@pytest.mark.parametrize("where", ["end", "middle"])
def test_a_list_inside_an_appeal_goes_with_it(where: str) -> None:
    """List items are never appeal text by their own evidence, but the perks
    listed between an appeal's title and its button are the appeal's."""
    text = [*STORY, *PERKS] if where == "end" else [*STORY[:2], *PERKS, *STORY[2:]]
    assert kept(text) == STORY


def test_a_story_list_between_two_appeals_stays() -> None:
    """Only a list the appeal's own line opens goes with it: the story's list
    between two appeals stays."""
    listing = [
        "The budget's main changes:",
        "Subscribe to our newsletter for the best of the Courier, every morning.",
        "• Two new bus routes",
        "• A cycle lane on Mill Road",
        "• Longer library hours",
        "Support local journalism. Donate to the Courier today.",
    ]
    story_lines = [listing[0], *listing[2:5]]
    assert kept([*STORY, *listing]) == [*STORY, *story_lines]


@pytest.mark.parametrize(
    "reporting",
    [
        "Many sites now detect ad blockers and show visitors a banner asking them to disable "
        "the blocker or pay for a subscription.",
        "Сервис показывает окно и предлагает пользователям отключить блокировщик рекламы.",
        "That is one reason more news sites now ask visitors to register before reading on.",
    ],
    ids=["en", "ru", "sites-ask-visitors"],
)
def test_an_ask_reported_as_put_to_others_stays(reporting: str) -> None:
    text = [*STORY[:2], reporting, *STORY[2:]]
    assert kept(text) == text
    assert not score(reporting).ask


@pytest.mark.parametrize(
    "ask",
    [
        "Please disable your ad blocker. We urge users to whitelist our site so we can report.",
        "We're asking visitors to turn off the ad blocker on this site.",
        "Мы просим пользователей отключить блокировщик рекламы на нашем сайте.",
        "Просим именно вас: поддержите независимую журналистику.",
    ],
    ids=["we-urge", "we-are-asking", "ru-we-ask", "ru-imenno"],
)
def test_the_outlets_own_ask_to_its_users_is_still_an_ask(ask: str) -> None:
    assert score(ask).ask
    assert kept([*STORY, ask]) == STORY


@pytest.mark.parametrize(
    "ask",
    [
        "Подписывайтесь на наш канал: там всё, что не вошло в выпуск.",
        "Подпишись на рассылку, если тебе это интересно.",
        "Скачайте наше приложение, чтобы читать офлайн.",
        "Не забудьте подписаться на нашу рассылку.",  # noqa: RUF001
        "Не\xa0забывайте поддерживать редакцию.",  # noqa: RUF001
        "Не стесняйтесь поддержать редакцию: без вас мы не справимся.",  # noqa: RUF001
        "В нашем магазине оформите подписку на журнал со скидкой.",  # noqa: RUF001
    ],
    ids=[
        "imperfective",
        "informal",
        "app",
        "do-not-forget",
        "do-not-forget-nbsp",
        "do-not-hesitate",
        "word-ending-in-ne",
    ],
)
def test_russian_asks_in_either_aspect_and_to_ty_are_asks(ask: str) -> None:
    assert score(ask).ask
    assert kept([*STORY, ask]) == STORY


@pytest.mark.parametrize(
    "advice",
    [
        "Не регистрируйтесь на подозрительных сайтах и не сообщайте никому код из СМС.",  # noqa: RUF001
        "Не жертвуйте сном ради работы.",  # noqa: RUF001
        "Стань внимательнее к звонкам с незнакомых номеров.",  # noqa: RUF001
        "Поддержи пожилых родственников: объясни им, как действуют мошенники.",
        "Власти предложили жителям скачать приложение для записи к врачу.",
        "Не устанавливайте приложения из неизвестных источников и не сообщайте свои данные.",  # noqa: RUF001
        "Не\xa0устанавливайте приложения из неизвестных источников.",  # noqa: RUF001
    ],
    ids=[
        "do-not-register",
        "do-not-sacrifice",
        "be-careful",
        "support-relatives",
        "app-news",
        "do-not-install",
        "do-not-install-nbsp",
    ],
)
def test_russian_advice_at_a_storys_end_stays(advice: str) -> None:
    """Russian forbids with the imperfective, and advises with "ты": the new
    forms of an ask are asks only with what an appeal asks for."""
    text = [*STORY, advice]
    assert kept(text) == text


RU_STORY = [
    "В Казани в пятницу прошли переговоры делегаций шести стран о региональной торговле.",  # noqa: RUF001
    "Стороны обсудили транзитные маршруты через Центральную Азию и новые таможенные правила.",
    "По словам участников, следующий раунд пройдет весной, место пока не согласовано.",
    "Министр заявил, что стороны близки к соглашению по тарифам.",
]
RU_APPEAL = [
    "Дорогие читатели!",
    "Мы работаем без рекламы и спонсоров. Каждый ваш перевод помогает нам писать о том,"  # noqa: RUF001
    " что происходит на самом деле.",
    "Поддержите нас",
]


@pytest.mark.parametrize(
    "line", ["Подробности уточняются.", "Текст: Мария Иванова"], ids=["details-to-come", "credit"]
)
@pytest.mark.parametrize("where", ["end", "middle"])
def test_a_short_story_line_a_run_took_on_the_lean_stays(line: str, where: str) -> None:
    """Not a label, so not framed as the appeal's title
    (``test_short_story_lines_next_to_an_appeal_stay``), but a run
    of appeal paragraphs took the story's short line beside it on the lean
    alone (the model reads it as the story's): it stays, the appeal goes."""
    at = len(RU_STORY) if where == "end" else 2
    story = [*RU_STORY[:at], line, *RU_STORY[at:]]
    if where == "end":
        text = [*story, *RU_APPEAL]
    else:  # the line after the appeal, the story going on
        text = [*RU_STORY[:at], *RU_APPEAL, line, *RU_STORY[at:]]
    kept_text, (removal,) = strip_appeal_text(text)
    assert kept_text == story
    assert removal.text.splitlines() == RU_APPEAL


@pytest.mark.parametrize(
    ("credit", "story", "appeal"),
    [
        ("Reporting by Jane Doe", STORY, DONATION),
        ("Reporting by the Associated Press", STORY, DONATION[2:]),
        ("By Jane Doe", STORY, DONATION[2:]),
        ("Подготовила Мария Лебедева", RU_STORY, RU_APPEAL[1:]),
        ("Фото Reuters", RU_STORY, RU_APPEAL[1:]),
        ("Фото\xa0Ивана Петрова", RU_STORY, RU_APPEAL[1:]),  # noqa: RUF001
    ],
    ids=["reporting-by", "agency", "by", "prepared-by", "photo-agency", "photo-nbsp"],
)
def test_a_byline_before_an_appeal_is_the_storys(
    credit: str, story: list[str], appeal: list[str]
) -> None:
    """Short and capitalised as an appeal's title, but a credit (``CREDITS``):
    neither framed as the title of the appeal after it nor taken by its run,
    however the model reads the name."""
    kept_text, (removal,) = strip_appeal_text([*story, credit, *appeal])
    assert kept_text == [*story, credit]
    assert removal.text.splitlines() == appeal


def test_a_byline_in_a_box_with_an_appeal_stays() -> None:
    """A box may go whole, but a credit in it is the story's, as reported speech is."""
    box = ["Reporting by Jane Doe", *DONATION[2:]]
    kept_text, (removal,) = strip_appeal_text(box, box=True)
    assert kept_text == ["Reporting by Jane Doe"]
    assert removal.text.splitlines() == DONATION[2:]


SEND_PHOTOS = [
    "Были рядом? Пришлите нам снимки и видео — мы опубликуем лучшие с указанием автора.",  # noqa: RUF001
    "Отправить фото",
]
NEWSLETTER_RU = ["Подпишитесь на нашу рассылку: каждую пятницу главное за неделю.", "Подписаться"]


@pytest.mark.parametrize(
    ("heading", "story", "rest"),
    [
        (
            "Written by you",
            STORY,
            ["Every week we print the best letters. Send us yours.", "Submit"],
        ),
        ("Подготовили для вас подборку", RU_STORY, NEWSLETTER_RU),
        ("Фото с места событий", RU_STORY, SEND_PHOTOS),  # noqa: RUF001
        ("ФОТО С МЕСТА СОБЫТИЙ", RU_STORY, SEND_PHOTOS),  # noqa: RUF001
        ("Фото Ваших питомцев", RU_STORY, SEND_PHOTOS),
    ],
    ids=["by-you", "prepared-for-you", "photo-from", "capitals", "your-pets"],
)
def test_a_heading_that_only_starts_like_a_credit_still_heads_its_appeal(
    heading: str, story: list[str], rest: list[str]
) -> None:
    """A credit names someone: not the reader, not in capitals."""
    appeal = [heading, *rest]
    kept_text, (removal,) = strip_appeal_text([*story, *appeal])
    assert kept_text == story
    assert removal.text.splitlines() == appeal


@pytest.mark.parametrize("title", ["Выборы: гонка обостряется", "30 лет без хозяина"])
def test_an_appeals_title_no_label_and_no_sentence_still_goes_with_it(title: str) -> None:
    """A digit or a colon makes a title no label, but it is no sentence or
    credit either: the run keeps it, though the model reads it as the story's."""
    kept_text, (removal,) = strip_appeal_text([*RU_STORY, title, *NEWSLETTER_RU])
    assert kept_text == RU_STORY
    assert removal.text.splitlines() == [title, *NEWSLETTER_RU]


def test_a_section_under_a_subheading_the_headline_announced_stays() -> None:
    """A service section ("How to cancel" under "Here's how to cancel") speaks to
    the reader about subscriptions, as an appeal would: the headline says it is
    the story's."""
    how_to = [
        "How to cancel",
        "On the website, sign in, open Account, then Plan, and choose Cancel plan.",
        "If you subscribed through an app store, you must cancel your subscription there.",
    ]
    text = [*STORY[:2], *how_to, *STORY[2:]]
    headline = "Streaming prices rise again. Here's how to cancel"
    kept_text, _ = strip_appeal_text(text, headline=headline)
    assert kept_text == text


def test_an_appeal_inside_an_announced_section_still_goes() -> None:
    """The section is the story's, not whatever stands in it: a promo there
    shares none of the headline's words."""
    section = [
        "How to cancel",
        "On the website, sign in, open Account, then Plan, and choose Cancel plan.",
        "Get the latest updates right in your inbox. Subscribe to our newsletters today.",
    ]
    text = [*STORY[:2], *section, *STORY[2:]]
    kept_text, _ = strip_appeal_text(text, headline="Here's how to cancel")
    assert section[2] not in kept_text
    assert section[1] in kept_text


def test_a_one_word_appeal_title_in_the_headline_is_no_section() -> None:
    box = [
        "Support us",
        "Independent reporting like this depends on readers like you. Donate to our newsroom.",
    ]
    text = [*STORY[:2], *box, *STORY[2:]]
    kept_text, _ = strip_appeal_text(text, headline="EU agrees new Ukraine support package")
    assert kept_text == STORY


PRICE_STORY = [
    "Lumen+ is raising prices for the second time in 18 months, the streaming service said on"
    " Tuesday, as it tries to turn a profit after years of spending on original shows.",
    "The standard plan will rise from $11.99 to $14.99 a month. The ad-supported plan stays"
    " at $6.99.",
    "Existing subscribers will see the increase on their first bill after June 1.",
    "If you decide the service is no longer worth it, you can cancel at any time and keep"
    " watching until the end of your current billing period.",
    "To cancel on the web, sign in, click your profile icon, choose Account, then Manage"
    " Membership, and select Cancel Membership.",
    "If you pay through an app store, you have to cancel there instead. On an iPhone, open"
    " Settings, tap your name, then Subscriptions, and pick Lumen+.",
    "Analysts say price increases rarely drive many people away for long.",
    "Lumen+ had 61 million paying subscribers worldwide at the end of March.",
]
PRICE_STORY_RU = [
    "Онлайн-кинотеатр «Экран+» с 1 марта повышает стоимость базовой подписки с 399 до 499"  # noqa: RUF001
    " рублей в месяц.",
    "В компании объясняют повышение ростом затрат на производство собственных сериалов.",  # noqa: RUF001
    "Для тех, у кого подписка уже оформлена, новая цена начнёт действовать со следующего"  # noqa: RUF001
    " списания.",
    "Если вы не хотите платить больше, автопродление можно отключить заранее.",
    "На сайте: войдите в аккаунт, нажмите на аватар в правом верхнем углу, перейдите в раздел"  # noqa: RUF001
    " «Подписки» и нажмите «Отменить».",
    "После отключения автопродления доступ к каталогу сохранится до конца оплаченного периода.",
    "Аналитик медиарынка считает, что отток подписчиков будет временным.",
]


@pytest.mark.parametrize("story", [PRICE_STORY, PRICE_STORY_RU], ids=["en", "ru"])
def test_a_storys_how_to_steps_stay(story: list[str]) -> None:
    """How to cancel, step by step (``STEPS``), speaks to the reader about a
    subscription, as a paywall does; three interface steps make it a how-to,
    the story's, as a list is."""
    assert kept(story, headline="What the price rise means for you") == story


@pytest.mark.parametrize(
    "steps",
    [
        "To keep reading, click the blocker's icon, choose to pause it on this site, then press"
        " reload.",
        "Чтобы поддержать нас, нажмите на значок блокировщика, выберите «Отключить на этом"
        " сайте» и нажмите «Обновить».",
    ],
    ids=["en", "ru"],
)
def test_steps_that_act_on_this_site_are_still_an_appeals(steps: str) -> None:
    """Steps to allow ads on the page the reader is on (``THIS_SITE``) are an
    ad-blocker appeal's own how-to."""
    story = RU_STORY if "нажмите" in steps else STORY
    assert not is_how_to(steps)
    assert score(steps).ask
    assert kept([*story, steps]) == story


PAYWALL_STORY = [
    "Starting Monday, readers of the Daily Clarion's website will be able to read three"
    " articles a month for free before being asked to pay, the newspaper announced.",
    "After the third article, readers will see a notice that reads: “You've reached your free"
    " article limit. Subscribe for $1 for your first month, then $12.99 a month.”",
    "Breaking news about public safety will remain free, the paper said.",
    "Print subscribers will get full digital access at no extra cost, but will need to link"
    " their accounts.",
    "If you already get the paper delivered, here is how to do that:",
    "If you don't have your account number, you can call customer service at the number"
    " printed on page A2 of the paper.",
    "The Clarion joins more than 1,400 U.S. daily newspapers that charge for online access.",
]


def test_a_story_that_quotes_an_appeal_early_is_about_appeals() -> None:
    """The headline names no appeal, but the story quotes one's ask near its
    start (``quotes_an_appeal``): it is about a paywall, and the model's reading
    of its service lines as appeal text does not cut them."""
    assert quotes_an_appeal(PAYWALL_STORY[1])
    assert kept(PAYWALL_STORY, headline="Free reading ends Monday at the Daily Clarion") == (
        PAYWALL_STORY
    )


def test_a_story_that_quotes_an_appeal_still_loses_the_outlets_own_appeal() -> None:
    text = [*PAYWALL_STORY, *DONATION]
    kept_text, removals = strip_appeal_text(text, headline="Free reading ends Monday")
    assert kept_text == PAYWALL_STORY
    assert [line for r in removals for line in r.text.splitlines()] == DONATION


@pytest.mark.parametrize(
    "paragraph",
    [
        "“I give because this paper covers my town,” says Ruth, a member since 2019.",
        "Click “Subscribe” below.",
        "The mayor said the vote was “a victory for the whole city.”",
        "“Please consider donating blood this week,” the director said.",
        "“Join us in the streets on Saturday,” the organisers wrote.",
        "«Поддержите нашу команду в субботу», — призвал тренер.",
    ],
)
def test_a_quoted_call_that_is_no_appeal_quotes_none(paragraph: str) -> None:
    """Only a quoted appeal a rule is sure of makes a story about appeals: a
    call to march or to give blood asks, but is news of another kind."""
    assert not quotes_an_appeal(paragraph)


def test_a_story_quoting_a_call_to_march_still_loses_the_outlets_appeal() -> None:
    lede = "“Join us in the streets on Saturday,” the organisers wrote on Monday."
    text = [lede, *STORY, *DONATION]
    assert kept(text) == [lede, *STORY]


@pytest.mark.parametrize(
    "line",
    [
        "If you want to cancel, you can do so in the app under Settings, then Subscription.",
        "If you\u2019d like to stop the emails, use the link at the bottom of each one.",
        "When you decide to leave, your notes can be exported as text files.",
        "Если вы решите отменить подписку, это можно сделать в личном кабинете.",
        "Если вы хотите отозвать согласие, удалите cookie в настройках браузера.",
    ],
)
def test_how_to_leave_is_a_storys_service_line(line: str) -> None:
    assert is_how_to(line)
    assert score(line) == NOTHING


@pytest.mark.parametrize(
    "appeal",
    [
        "We use cookies to improve your experience. If you want to withdraw consent, click"
        " Manage settings.",
        "If you want to stop seeing this message, please disable your ad blocker on this site.",
        "Отключите блокировщик для этого сайта: нажмите на значок, выберите «Пауза» и"
        " обновите страницу.",
    ],
    ids=["cookie-withdraw", "adblock-stop", "adblock-steps-ru"],
)
def test_an_appeal_that_speaks_of_leaving_or_steps_still_goes(appeal: str) -> None:
    """A how-to or a word on leaving does not hide a sure sign of an appeal."""
    story = RU_STORY if "блокировщик" in appeal else STORY
    assert score(appeal).sure
    assert kept([*story, appeal]) == story


EXPLAINER = [
    "Streamline, the video service, will begin enforcing its household rule on June 3.",
    "What is changing?",
    "From June 3, an account can only be used by people who live at the same address.",
    "What happens if I use someone else's account?",
    "You will see a message on screen asking you to confirm where you live.",
    "How much does an extra member cost?",
    "$7.99 a month on the Standard and Premium plans.",
    "Can I keep my profile if I start paying for my own account?",
    "Yes. You can move your profile, including viewing history, by choosing Transfer"
    " profile in the profile menu.",
    "Why is it doing this?",
    "The company told investors that more than 100 million households share passwords.",
]


def test_an_explainers_questions_are_the_storys() -> None:
    """Questions that run through a story, each with its answer, are a Q&A
    explainer's: subheadings, however much they read like an appeal's."""
    assert kept(EXPLAINER, headline="What the new household rules mean for you") == EXPLAINER


FAQ_APPEAL = [
    "Why subscribe?",
    "Our reporters cover the council, the courts and the schools every day.",
    "Can I cancel?",
    "Yes, anytime, in two clicks. Subscribe today from $1 a week.",
    "Become a subscriber",
]


@pytest.mark.parametrize("lede", [[], ["Will the budget survive the winter?"]], ids=["", "q-lede"])
def test_an_appeals_questions_together_are_no_explainer(lede: list[str]) -> None:
    """An appeal's questions stand together at its end, and "Why subscribe?"
    asks: no explainer, even under a story that opens with a question."""
    text = [*lede, *STORY, *FAQ_APPEAL]
    words = [len(p.split()) for p in text]
    assert _explainer_questions(text, words, [score(p, asks_only=True) for p in text]) == set()
    assert kept(text) == [*lede, *STORY]


def test_an_appeal_inside_an_explainer_still_goes_with_its_title() -> None:
    box = ["Why support the Courier?", *DONATION[2:]]
    text = [*EXPLAINER[:7], *box, *EXPLAINER[7:]]
    assert kept(text) == EXPLAINER


@pytest.mark.parametrize(
    "lede",
    [
        "Всё больше новостных сайтов перестают показывать материалы читателям, у которых"  # noqa: RUF001
        " включён блокировщик рекламы.",
        "Многие сайты в ответ показывают пользователям блокировщиков просьбу отключить программу.",
    ],
)
def test_ad_blockers_on_sites_in_general_are_a_storys_subject(lede: str) -> None:
    """Sites in the plural ("сайтов") are not the page the reader is on."""
    assert not score(lede).ask


@pytest.mark.parametrize(
    "notice",
    [
        "Пожалуйста, отключите блокировщик на этом сайте.",
        "Часть этой страницы скрыл блокировщик рекламы.",
        "Мы просим пользователей отключить блокировщик рекламы на нашем сайте.",
    ],
    ids=["this-site", "this-page", "our-site-marked"],
)
def test_an_ad_blocker_on_this_site_is_still_said_so(notice: str) -> None:
    """The page the reader is on, in the singular, however ``PREPARE`` marks
    it ("на нашем сайте_")."""
    assert "says an ad blocker acts on this page" in score(notice).reasons


COLUMN = [
    "You probably use an ad blocker. About four in ten people in this country do, and most"
    " of them have never thought about what it costs the sites they read every day.",
    "I have used one for eleven years. Last month a small local news site I read most days"
    " asked me to switch it off, and I decided to run an experiment with three sites.",
    "The local site was fine: two banner ads on each page, one of them for a kitchen fitter"
    " in my town. Nothing moved, nothing played, and the pages loaded quickly.",
    "The national paper was a different matter. A muted video ad started playing in the corner"
    " of every article, and the pages took twice as long to load on my laptop.",
    "The recipe site was worse still. To reach a recipe for flapjacks I scrolled past eleven ads"
    " and a long essay about the author's grandmother.",
    "Here is what I concluded. The ad blocker was never really the problem; the ads on some"
    " sites were, and the sites that keep their ads quiet deserve to be read with them.",
]
NEWSROOM = [
    "Nine months after the Fenwick Ledger printed its last edition, a group of its former"
    " reporters has launched a nonprofit news site to cover the town, funded largely by readers"
    " who pay a monthly membership.",
    "The Fenwick Record went live on Monday with four full-time journalists and a founding"
    " membership of 1,400 households, each paying between $5 and $25 a month.",
    "Its founding editor, Beatriz Coelho, spent 19 years at the Ledger, which closed in"
    " February after its owner cut the newsroom to two people.",
    "The Record raised about $410,000 before launch, including a grant from a regional"
    " journalism foundation and gifts from local businesses.",
    "Coelho said the decision not to charge for access was deliberate, because the people who"
    " most need local news are often the least able to pay for it.",
    "Similar nonprofit newsrooms have opened in more than 100 American towns in the past five"
    " years, according to a count by a journalism research group.",
]


def test_a_columns_lede_that_tells_nothing_and_shares_its_words_stays() -> None:
    """At the text's edge one ask suffices, but not from a lone paragraph the
    model reads as the story's that shares its words with the rest ("You
    probably use an ad blocker ... I have used one for eleven years")."""
    assert kept(COLUMN, headline="I switched my ad blocker off for three websites") == COLUMN


def test_a_lede_that_speaks_to_and_as_no_one_stays() -> None:
    """The model reads a news site funded by members as an appeal's opener;
    at the text's start, speaking neither to the reader nor as the
    publication, it is the story's lede."""
    assert kept(NEWSROOM, headline="Months after the paper closed, a new newsroom opens") == (
        NEWSROOM
    )


@pytest.mark.parametrize(
    "opener",
    [
        ["Enjoying our coverage? Sign up for the morning newsletter."],
        ["Our reporters keep this town informed. Support us from $2 a month."],
        ["Subscribe now for unlimited access to every story.", "Plans start at $1 a week."],
    ],
    ids=["newsletter", "support", "no-person"],
)
def test_an_appeal_before_the_story_still_goes(opener: list[str]) -> None:
    """The lede rule is for a run the model alone found: an ask before the
    story still goes, with or without a word to the reader. (Its run still
    takes NEWSROOM's first paragraphs, which the model reads as appeal text,
    with it, as before this rule: a known loss, not asserted either way.)"""
    kept_text = kept([*opener, *NEWSROOM])
    assert not set(opener) & set(kept_text)
    assert all(p in kept_text for p in NEWSROOM[2:])


@pytest.mark.parametrize(
    "notice",
    [
        ["Three free articles left this month.", "Unlimited digital access from $1 a week."],
        ["The full text is for registered users.", "Registration is free and takes a minute."],
        ["Материал доступен по подписке.", "Подписка стоит 299 рублей в месяц."],
    ],
    ids=["meter", "registration", "ru-subscribers"],
)
def test_a_third_person_notice_before_the_story_still_goes(notice: list[str]) -> None:
    """Speaking to no one, but short and sharing no words with the story: a
    paywall's notice, not a lede."""
    story = RU_STORY if "подписке" in notice[0] else STORY
    assert kept([*notice, *story]) == story


COLUMN_CLOSE = (
    "I kept the local site on my allow-list and paid for it as well. If you try the same"
    " experiment, most ad blockers let you allow a single site by clicking their icon; whether"
    " the ads on some sites deserve it is up to you."
)


def test_a_columns_close_that_tells_nothing_stays() -> None:
    text = [*COLUMN, COLUMN_CLOSE]
    assert kept(text, headline="I switched my ad blocker off for three websites") == text


LONG_STORY = [
    *STORY,
    "Hospital managers welcomed the extra money but said it would barely cover rising energy"
    " bills.",
    "Teachers' unions said they would consider strikes if the pay freeze is not lifted by autumn.",
    "The finance minister defended the freeze as the only way to keep the budget deficit in check.",
    "Deputies will return to the budget in September, when the first spending figures are due.",
]


def test_a_story_line_with_an_ask_tacked_on_still_goes_at_the_end() -> None:
    """The lone-paragraph rule is for lines that tell the reader nothing to do:
    this one shares the story's words and the model reads it as the story's,
    but it tells (``Scored.told``)."""
    close = "The governor will sign the budget this month. Sign up for alerts on the budget."
    assert score(close).told
    assert kept([*LONG_STORY, close]) == LONG_STORY


def test_a_lede_that_speaks_as_a_we_still_goes() -> None:
    """The lede rule is for reporting: an outlet speaking of itself as "we" at
    the text's start is an appeal's opener, however long."""
    lede = (
        "We launched the Fenwick Record, a nonprofit news site for the town, nine months after"
        " the Fenwick Ledger printed its last edition; we are funded largely by readers who pay"
        " a monthly membership."
    )
    assert lede not in kept([lede, *NEWSROOM[1:]], headline="A new newsroom opens")


def test_a_short_notice_sharing_the_storys_words_still_goes() -> None:
    """The lede rule wants paragraphs of reporting's length (``_LEDE_WORDS``)."""
    notice = ["Fenwick Record journalism is funded by members.", "Membership from $5 a month."]
    assert notice[0] not in kept([*notice, *NEWSROOM])


@pytest.mark.parametrize(
    ("paragraph", "speaks"),
    [
        ("Treat yourself to the full edition.", True),
        ("Мы нашли три ошибки в отчёте фонда.", True),
        ("Редакция нашла три ошибки в отчёте фонда.", False),
        ("Новость появилась на сайте в понедельник.", False),
        ("The US nonprofit opened in March.", False),
    ],
)
def test_words_to_the_reader_or_from_a_we(paragraph: str, speaks: bool) -> None:
    assert speaks_to_or_as_anyone(paragraph) is speaks


@pytest.mark.parametrize(
    ("line", "ask"),
    [
        (
            "Opponents had argued that the project would cost more than the city could afford,"
            " and that a tunnel would disturb less of the riverbank.",
            [
                "Our reporting depends on you.",
                "Support our journalism: become a member from $5 a month.",
            ],
        ),
        (
            "Деньги на строительство новых больниц выделят из федерального бюджета"
            " в течение трех лет.",
            [
                "Наша редакция работает благодаря вам.",
                "Поддержите нас: оформите ежемесячное пожертвование от 300 рублей.",
            ],
        ),
    ],
    ids=["en-afford", "ru-money"],
)
def test_a_story_line_the_model_is_sure_of_does_not_join_the_appeal_below(
    line: str, ask: list[str]
) -> None:
    """A short story line beside an appeal that speaks of money ("could afford",
    «деньги») uses an appeal's words, but the model reads it surely as the
    story's: the appeal does not grow over it."""
    story = RU_STORY if ask[0].startswith("Наша") else STORY
    assert kept([*story, line, *ask]) == [*story, line]


def test_a_protected_paragraph_stays_and_the_rest_of_its_block_goes() -> None:
    kept_text, removals = strip_appeal_text(STORY + DONATION, protected={len(STORY) + 3, 99, -1})

    assert kept_text == [*STORY, DONATION[3]]
    assert [r.text for r in removals] == ["\n".join(DONATION[:3]), "\n".join(DONATION[4:])]


def test_a_protected_ask_neither_starts_an_appeal_nor_lends_it_words() -> None:
    """A line the user keeps is the story's: its neighbours are judged without
    it, so a story's "How to help" section stays whole."""
    section = [
        "How to help",
        "Support the food bank: donate tinned food at any branch of the city library.",
        "Volunteers are welcome too.",
    ]
    assert kept([*STORY, *section]) == STORY

    assert strip_appeal_text([*STORY, *section], protected={len(STORY) + 1}) == (
        [*STORY, *section],
        [],
    )


def test_a_protected_sure_ask_lends_no_evidence_to_the_lines_around_it() -> None:
    """Two lines that tell the reader what they can do, around a kept line that
    is an appeal's sure ask: judged without it, as around a story line, they stay."""
    around = [
        "The full budget is on the parliament's website, where you can read it.",
        "Questions can be sent to the finance committee, which will answer you.",
    ]
    ask = "Support our journalism: become a member from $5 a month."
    line = "The budget passed by 41 votes to 12 after a long debate in the chamber."
    text = [*STORY[:2], around[0], ask, around[1], *STORY[2:]]
    assert kept([*STORY[:2], around[0], line, around[1], *STORY[2:]]) == [
        *STORY[:2],
        around[0],
        line,
        around[1],
        *STORY[2:],
    ]
    assert around[0] not in kept(text)

    assert strip_appeal_text(text, protected={3}) == (text, [])


def test_a_protected_ask_starts_no_block_to_take_its_neighbour() -> None:
    """A story line about money joins an ask after it; kept by the user, the ask
    is the story's, and its neighbour is judged alone, as without the ask."""
    line = "The paper's advertising revenue fell last year."
    ask = "Support our journalism: become a member from $5 a month."
    assert kept([*STORY, line]) == [*STORY, line]
    assert kept([*STORY, line, ask]) == STORY

    assert kept_text_protected([*STORY, line, ask], {len(STORY) + 1}) == [*STORY, line, ask]


def kept_text_protected(paragraphs: list[str], protected: set[int]) -> list[str]:
    return strip_appeal_text(paragraphs, protected=protected)[0]


@pytest.mark.parametrize("button", ["Sign up", "Donate now"])
def test_a_protected_button_is_no_label_to_pull_a_line_into_an_appeal(button: str) -> None:
    """A kept short line after a story line is neither the appeal's button nor
    its ask: the story line before it stays, as it does alone."""
    line = "Download the deputies' hearings on the pay freeze."
    assert kept([*STORY[:2], line, *STORY[2:]]) == [*STORY[:2], line, *STORY[2:]]
    text = [*STORY[:2], line, button, *STORY[2:]]

    assert kept_text_protected(text, {3}) == text
