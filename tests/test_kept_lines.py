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
    ],
    ids=["minified", "br", "inline", "invisible", "table", "bare-text", "comment"],
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

    assert kept_lines(html).joined == kept_lines(html, "body > .k").joined
    assert kept_lines(html).joined.count("support the food bank") == 1


def test_no_kept_element_holds_nothing() -> None:
    assert kept_lines("<p>Support us</p>", ".missing").holding(["Support us"]) == set()
