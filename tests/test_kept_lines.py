"""KeptLines: which lines of trafilatura's text a feed's keep selectors hold."""

from __future__ import annotations

import lxml.html
import pytest

from monitor.appeals.kept import KeptLines


def kept_lines(html: str, selector: str = ".k") -> KeptLines:
    root = lxml.html.fromstring(f"<html><body>{html}</body></html>")
    return KeptLines.of(root.cssselect(selector))


@pytest.mark.parametrize(
    ("html", "lines"),
    [
        (  # minified: no whitespace between the blocks
            "<div class=k><h3>How to help</h3><p>Support the food bank</p></div>",
            ["How to help", "Support the food bank"],
        ),
        ("<p class=k>First line<br>Second line</p>", ["First line", "Second line"]),
        ("<p class=k><span>S</span>upport <em>local</em> news</p>", ["Support local news"]),
        ("<p class=k>Sup\u00adport us to\u200bday</p>", ["Support us today."]),
        ("<table class=k><tr><td>1</td><td>Kyle Busch</td></tr></table>", ["| 1 | Kyle Busch |"]),
        ("<div class=k>Bare text, line one\nand line two</div>", ["Bare text, line one"]),
        ("<p class=k>Dear <!-- a note --> readers</p>", ["Dear readers,"]),
        ("<p class=k>Support\u200e us \u202bto\u202cday</p>", ["Support us today"]),
        (
            "<table class=k><tr><td>1</td><td>Ann</td></tr><tr><td>2</td><td>Bo</td></tr></table>",
            ["| 1 | Ann |", "| 2 | Bo |"],
        ),
        ("<table class=k><tr><td>Support us<br>today</td></tr></table>", ["| Support us today |"]),
        ("<ul class=k><li><p>Give</p><p>monthly</p></li></ul>", ["- Give monthly"]),
        ("<div class=k>Intro<p>Para</p>after</div>", ["Intro", "Para", "after"]),
        ("<p class=k>Filed <time>5 May</time> by the desk</p>", ["Filed by the desk"]),
        (
            "<p class=k><q>Please support us</q>: become a member</p>",
            ["Please support us", ": become a member"],
        ),
    ],
    ids=[
        "minified",
        "br",
        "inline",
        "invisible",
        "table",
        "bare-text",
        "comment",
        "direction-marks",
        "rows",
        "cell-break",
        "list-item",
        "around-a-block",
        "deleted-inline",
        "quotation",
    ],
)
def test_lines_of_kept_markup_are_held_as_trafilatura_writes_them(
    html: str, lines: list[str]
) -> None:
    assert kept_lines(html).holding(lines) == set(range(len(lines)))


def test_a_short_line_is_held_only_when_it_is_a_whole_kept_line() -> None:
    """The story says "donate"; the "Donate" button after it is no kept line."""
    kept = kept_lines("<p class=k>Residents can donate tinned food at any library branch.</p>")

    assert kept.holding(["Donate", "donate tinned food", "Support us"]) == set()


def test_a_long_part_of_a_kept_line_is_held() -> None:
    kept = kept_lines(
        "<p class=k>The council voted on Tuesday to close two branch libraries in the north"
        " of the city, citing costs.</p>"
    )

    assert kept.holding(["The council voted on Tuesday to close two branch libraries"]) == {0}
    assert kept.holding(["close two branch libraries"]) == set()


def test_nested_kept_elements_count_once() -> None:
    html = "<div class=k><div class=k><p class=k>Support the food bank</p></div></div>"

    assert kept_lines(html).lines == kept_lines(html, "body > .k").lines
    assert kept_lines(html).lines.count("support the food bank") == 1


def test_no_kept_element_holds_nothing() -> None:
    assert kept_lines("<p>Support us</p>", ".missing").holding(["Support us"]) == set()


def test_text_after_the_kept_element_is_not_kept() -> None:
    assert (
        kept_lines("<div class=k><p>Story text</p></div>Support us today").holding(
            ["Support us today"]
        )
        == set()
    )


def test_a_long_line_joining_two_kept_lines_is_not_held() -> None:
    kept = kept_lines(
        "<div class=k><p>one two three four five</p><p>six seven eight nine</p></div>"
    )

    assert kept.holding(["one two three four five six seven eight nine"]) == set()


TINS = "The food bank needs tins."
HELP = "How you can help"


@pytest.mark.parametrize(
    ("html", "text"),
    [
        (
            f"<div class=k><h3>{HELP}</h3><p>{TINS}</p></div>",
            [HELP, TINS, HELP, "Give $5"],
        ),
        # Read whole only where it breaks, a kept <p> is one kept line, not two.
        (
            f"<div class=k><p>{TINS}</p><p><b>{HELP}</b></p></div>",
            [TINS, HELP, HELP, "Give $5"],
        ),
    ],
    ids=["subheading", "bold-paragraph"],
)
def test_each_kept_line_holds_one_line_of_the_text(html: str, text: list[str]) -> None:
    """An appeal after the kept story that opens with the story's subheading."""
    assert kept_lines(html).holding(text) == {0, 1}


def test_keeping_the_body_keeps_every_line() -> None:
    kept = kept_lines("<p>Story</p><table><tr><td>odd</td><td>markup</td></tr></table>", "body")

    assert kept.holding(["Story", "any line at all", ""]) == {0, 1}


def test_kept_elements_are_read_in_the_pages_order_not_the_selectors() -> None:
    html = "<div class=a><h3>How you can help</h3><p>Give tins.</p></div><p class=b>Story.</p>"
    text = ["How you can help", "Give tins.", "Story."]

    assert kept_lines(html, ".b, .a").holding(text) == {0, 1, 2}
    root = lxml.html.fromstring(f"<html><body>{html}</body></html>")
    backwards = KeptLines.of([*root.cssselect(".b"), *root.cssselect(".a")])
    assert backwards.holding(text) == {0, 1, 2}


def test_a_kept_element_trafilatura_deletes_holds_nothing() -> None:
    html = "<aside class=k><p>Support us today</p></aside><p>Support us today</p>"

    assert kept_lines(html).lines == ()
