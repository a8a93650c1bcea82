"""The learned paragraph model read in its text, and the runs it drives in the text layer."""

from __future__ import annotations

from monitor.appeals import strip_appeal_text
from monitor.appeals.model import COHESION_WINDOW, context, model, tokens
from monitor.appeals.text import _ANCHOR_LOGIT

STORY = [
    "Flood water reached the centre of Ludwigsdorf on Sunday after the river burst its banks.",
    "The mayor of Ludwigsdorf said two hundred homes near the river had been evacuated overnight.",
    "Firefighters from three neighbouring towns helped to pump water out of the flooded school.",
    "The regional weather service expects more rain in the river valley on Monday and Tuesday.",
    "Residents of the lower town were told to move cars and valuables away from the river.",
    "The school will stay closed this week while engineers check the building's foundations.",
    "Insurers said claims from the flood could reach several million euros across the valley.",
    "The mayor said the town would ask the regional government for emergency funds for the school.",
]

# Written for these tests: a letter that tells the outlet's story before it asks.
LETTER = [
    "A note from our editor",
    "Two years ago this newsroom had three reporters. Today we have nine, and every one of them"
    " is paid by people who read us rather than by advertisers or a wealthy owner.",
    "Last winter our reporters spent four months on the hospital waiting lists that the health"
    " department would not publish. The lists are public now.",
    "If our work matters to you, become a member today. It takes a minute and costs less than"
    " a coffee a week.",
    "Become a member",
]


def test_context_marks_words_shared_far_away() -> None:
    texts = [tokens(p) for p in [*STORY, "Members get early access and a monthly letter."]]

    around = context(texts, model().common)

    assert around[0]["cohesion"] > 0  # Ludwigsdorf and the river come back later
    assert around[-1]["cohesion"] == 0  # the pasted line shares nothing with the story


def test_context_of_a_short_text_is_unknown() -> None:
    texts = [tokens(p) for p in STORY[: COHESION_WINDOW + 1]]

    assert all(a == {"alone": 1.0} for a in context(texts, model().common))


def test_a_pasted_appeal_reads_as_appeal_and_the_story_does_not() -> None:
    text = [*STORY[:4], *LETTER, *STORY[4:]]

    logits = model().logits(text)

    story = logits[:4] + logits[4 + len(LETTER) :]
    assert max(story) < _ANCHOR_LOGIT  # no story paragraph can carry a run
    assert min(logits[5:8]) > max(story)


def test_letter_that_tells_its_story_first_goes_whole_at_the_end() -> None:
    kept, removals = strip_appeal_text([*STORY, *LETTER])

    assert kept == STORY
    (removal,) = removals
    assert removal.text.splitlines() == LETTER
    assert "the learned model reads these paragraphs as appeal text" in removal.reason


def test_letter_in_the_middle_goes_whole() -> None:
    kept, _ = strip_appeal_text([*STORY[:4], *LETTER, *STORY[4:]])

    assert kept == STORY


def test_story_line_after_an_appeal_at_the_end_stays() -> None:
    """A run reaching the end saves an edge; a line the model reads as the
    story's (a credit) is not taken along."""
    credit = "Additional reporting by Anna Weber in Ludwigsdorf; editing by Tom Hart"

    kept, _ = strip_appeal_text([*STORY, *LETTER[1:4], credit])

    assert kept == [*STORY, credit]


def test_story_about_the_newsroom_itself_stays_whole_at_the_start() -> None:
    """The lede is never cheap to cut: a run opening the text pays more than one inside it."""
    story = [
        "The Ludwigsdorf Courier, the town's paper since 1921, said on Monday that readers now"
        " pay for most of its reporting after advertising revenue fell by half.",
        "Editor Jana Roth said the paper had signed up two thousand paying members this year.",
        *STORY[:5],
    ]

    assert strip_appeal_text(story) == (story, [])


GAZETTE = [
    "The Riverside Gazette launched a paid membership programme on Monday, its editor said.",
    "The paper, which lost half its advertising revenue since 2019, hopes to sign up 5,000"
    " members by December.",
    "Gazette reporters covered the floods, the council elections and the hospital closure last"
    " year.",
    "Members pay $8 a month and get early access to investigations and a weekly letter from"
    " the newsroom.",
    "Similar programmes at other local papers have had mixed results, media researchers say.",
    "At the Hartford Courier, a membership drive in 2021 brought 900 members in its first year.",
    "The Gazette's editor, Maria Lopez, said the paper would stay free to read for everyone.",
    "Lopez said the newsroom of twelve reporters would grow if membership targets were met.",
    "The Gazette was founded in 1887 and has been owned by the Lopez family since 1950.",
    "Advertising still makes up most of the Gazette's revenue, Lopez said.",
]


def test_story_about_a_membership_drive_stays_whole_under_its_headline() -> None:
    """Its lines read like an appeal's, and no rule asks anything: what the
    headline is about is the story's."""
    headline = "Riverside Gazette launches paid membership to make up for lost advertising"

    assert strip_appeal_text(GAZETTE, headline=headline) == (GAZETTE, [])


# Written for these tests: a story about a pledge drive, with a section head and
# an ending that read like an appeal's and share no word with the headline's.
PLEDGE_DRIVE = [
    "Harbour Community Radio began its autumn fundraising week on Monday, asking listeners"
    " to make up for a grant the county withdrew in the summer.",
    "The station, run by four staff and sixty volunteers, needs about $120,000 to keep its"
    " evening news bulletin on air next year.",
    "County officials said in July that the grant, worth $45,000 a year since 2009, would go"
    " to a new youth employment scheme instead.",
    "The decision drew protests from fishermen and ferry workers, who rely on the bulletin"
    " for weather and harbour notices in winter.",
    "Thank-you gifts and matching money",
    "Listeners who give $10 a month receive a mug; a local bakery has promised to match"
    " every gift up to $20,000.",
    "Volunteers will take calls in the studio from 7 a.m. until 9 p.m. each weekday.",
    "The appeal closes on Sunday. Gifts can also be made on the station's website.",
]


def test_story_whose_subject_is_an_appeal_stays_whole() -> None:
    """The headline names the subject (fundraising): what the learned model alone
    reads as appeal text is the story's, section head and ending included."""
    headline = "Harbour Community Radio opens fundraising week after losing county grant"

    assert strip_appeal_text(PLEDGE_DRIVE, headline=headline) == (PLEDGE_DRIVE, [])


def test_story_whose_lede_names_the_subject_twice_stays_whole() -> None:
    """Without a telling headline, a lede naming the subject twice (a fundraising
    week, donations) says the same."""
    lede = (
        "Harbour Community Radio began its autumn fundraising week on Monday, asking for"
        " donations to make up for a grant the county withdrew in the summer."
    )
    story = [lede, *PLEDGE_DRIVE[1:]]

    kept, _ = strip_appeal_text(story, headline="Harbour radio loses county grant")

    assert kept == story


def test_an_ask_at_the_end_of_such_a_story_still_goes() -> None:
    """Only the model's evidence alone is held back: the outlet's own ask, which
    the rules find, still goes."""
    headline = "Harbour Community Radio opens fundraising week after losing county grant"
    ask = "Support our reporting: become a member today for $5 a month."

    kept, _ = strip_appeal_text([*PLEDGE_DRIVE, ask], headline=headline)

    assert kept == PLEDGE_DRIVE


def test_appeal_is_still_removed_under_an_unrelated_headline() -> None:
    headline = "Flood water reaches Ludwigsdorf as the river bursts its banks"

    kept, _ = strip_appeal_text([*STORY, *LETTER], headline=headline)

    assert kept == STORY


def test_reported_speech_after_an_appeal_at_the_end_stays() -> None:
    quote = "“Every gift counts,” the director of the flood relief fund wrote on Sunday."

    kept, _ = strip_appeal_text([*STORY, *LETTER[1:4], quote])

    assert kept == [*STORY, quote]


def test_story_line_before_a_titled_appeal_at_the_end_stays() -> None:
    """The last line of the story shares few words with it, and the appeal's
    title after it reads as sure appeal text: a title is no sentence that asks,
    so the line does not join the appeal."""
    last = "The council will hold a public meeting on the plans on 3 March."
    appeal = [
        "Before you go",
        "Independent local journalism like this takes time and money. Our newsroom is"
        " funded by readers: join them from $4 a month.",
        "Join today",
    ]

    kept, _ = strip_appeal_text([*STORY, last, *appeal])

    assert kept == [*STORY, last]


def test_appeal_naming_its_button_in_quotes_still_goes() -> None:
    """A button's name in single quotes ('Monthly') is no quotation: the
    paragraph is the outlet's ask, not reported speech."""
    appeal = [
        "Harbour News is free to read because readers pay for it. Pick \u2018Monthly\u2019"
        " below: $5 a month keeps a reporter at the council.",
        "Give monthly",
    ]

    kept, _ = strip_appeal_text([*STORY[:4], *appeal, *STORY[4:]])

    assert kept == STORY
