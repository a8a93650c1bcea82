"""The box layer: small boxes inside the article body, judged by their words."""

from __future__ import annotations

import lxml.html
import pytest

from monitor.appeals import strip_appeal_boxes
from monitor.extract import extract_article

STORY = [
    "The city council voted on Tuesday to close two branch libraries in the north of the city.",
    "Librarians said the branches served more than nine thousand visitors a month last year.",
    "The mayor's office said the savings would pay for longer opening hours at the main library.",
    "Parents at the meeting said the nearest remaining branch was an hour away by bus.",
    "A second vote on the budget is expected in March, when the council returns from recess.",
    "Council member Ruth Okafor said she would propose keeping one branch open on weekends.",
]

APPEAL_BOX = (
    "<div class='block-7 mt-2'><h3>Before you scroll on</h3>"
    "<p>Reporting like this is paid for by readers, not advertisers. If it helped you, "
    "chip in from $3 a month and keep our newsroom on the council beat.</p>"
    "<p><a class='button' href='/offer'>Count me in</a></p></div>"
)


def page(box: str, *, at: int = 3, title: str = "Libraries to close") -> str:
    paragraphs = [f"<p>{p}</p>" for p in STORY]
    paragraphs.insert(at, box)
    return (
        f"<html><head><title>{title}</title></head><body><article>"
        f"<h1>{title}</h1>{''.join(paragraphs)}</article></body></html>"
    )


def test_appeal_box_with_a_neutral_class_goes_whole_with_its_reason() -> None:
    root = lxml.html.fromstring(page(APPEAL_BOX))

    (removal,) = strip_appeal_boxes(root)

    assert removal.text.splitlines()[0] == "Before you scroll on"
    assert removal.text.splitlines()[-1] == "Count me in"
    assert removal.reason.startswith("box in the article holds an appeal: ")
    assert "chip in" not in root.text_content()
    assert all(p in root.text_content() for p in STORY)


def test_extracted_article_has_neither_the_box_nor_its_title() -> None:
    article = extract_article(page(APPEAL_BOX))

    assert article.text.splitlines() == STORY


@pytest.mark.parametrize(
    "box",
    [
        # a fact box: a title and figures, no ask
        "<div class='c-4'><h3>Branches at a glance</h3><p>North: 4,100 visitors a month.</p>"
        "<p>Riverside: 5,200 visitors a month.</p></div>",
        # a quote box with a link, which reports what someone said
        "<aside class='pull'><p>\"We will fight this decision,\" said Maya Lin of the Friends of"
        " the Library.</p><p><a href='/story'>Read the group's statement</a></p></aside>",
        # a list of donation points reported by the story: list items are never appeals
        "<div class='c-9'><h3>Where to give books</h3><ul><li>Donate books at the main library"
        "</li><li>Drop off at the school on Elm Street</li></ul></div>",
    ],
    ids=["fact-box", "quote-box", "list-box"],
)
def test_story_boxes_are_kept(box: str) -> None:
    root = lxml.html.fromstring(page(box))

    assert strip_appeal_boxes(root) == []


def test_a_single_wrapped_paragraph_is_left_to_the_text_layer() -> None:
    """One line and no button: running text in a wrapper, not a box."""
    box = "<div class='para'><p>Subscribe to the council newsletter for weekly minutes.</p></div>"
    root = lxml.html.fromstring(page(box))

    assert strip_appeal_boxes(root) == []


def test_kept_box_is_not_dropped() -> None:
    root = lxml.html.fromstring(page(APPEAL_BOX))
    keep = root.xpath("//div[@class='block-7 mt-2']")

    assert strip_appeal_boxes(root, keep=keep) == []
    assert "chip in" in root.text_content()


def test_page_without_an_article_body_is_left_alone() -> None:
    root = lxml.html.fromstring("<html><body><div><a href='/'>Home</a></div></body></html>")

    assert strip_appeal_boxes(root) == []


def test_wrapper_of_story_and_appeal_loses_only_the_appeal() -> None:
    """A small wrapper holding story paragraphs and an appeal box is no appeal
    itself: the appeal box inside it goes, the story stays."""
    wrapper = f"<div class='row'><p>{STORY[3]}</p><p>{STORY[4]}</p>{APPEAL_BOX}</div>"
    more = [
        f"Residents of district {n} will vote on the library plan in a local poll."
        for n in range(6)
    ]
    paragraphs = [f"<p>{p}</p>" for p in (*STORY[:3], *STORY[5:], *more)]
    html = f"<html><body><article>{''.join(paragraphs)}{wrapper}</article></body></html>"
    root = lxml.html.fromstring(html)

    (removal,) = strip_appeal_boxes(root)

    assert removal.text.startswith("Before you scroll on")
    assert all(p in root.text_content() for p in STORY)


def test_box_with_text_outside_its_lines_is_left_to_the_text_layer() -> None:
    """Story text in a <span> or a bare <div> would go unread with the box."""
    box = (
        "<div class='block-7'><div>Parents said the closure would hit the northern districts"
        " hardest, the mayor told reporters at a tense meeting on Tuesday night.</div>"
        "<span>The branch on Elm Street was built in 1931 and renovated in 2004.</span>"
        "<p>Support our journalism: donate today.</p><a href='/donate'>Donate</a></div>"
    )
    root = lxml.html.fromstring(page(box))

    assert strip_appeal_boxes(root) == []
    assert "built in 1931" in root.text_content()


@pytest.mark.parametrize(
    "title",
    [
        "Libraries to close as the council's fundraising appeal falls short",
        "Council libraries vote delays town's NATO membership ceremony",
    ],
)
def test_appeal_box_goes_whatever_the_headline_is_about(title: str) -> None:
    """A headline naming an appeal subject protects the story's own text, not a
    box of the outlet's: a box is judged by its own words, most of which ask
    nothing here."""
    box = (
        "<div class='c-box-2'><h3>A note from our newsroom</h3>"
        "<p>Our four reporters sat through every council meeting this year, including"
        " the one that lasted until two in the morning.</p>"
        "<p>We publish every story free, and we read every email our readers send.</p>"
        "<p>If that matters to you, chip in from $3 a month.</p>"
        "<p><a class='button' href='/give'>Count me in</a></p></div>"
    )
    article = extract_article(page(box, title=title))

    assert article.text.splitlines() == STORY
