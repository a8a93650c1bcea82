"""News stories about appeals: does the extractor keep every paragraph of them?

A story whose subject is a pledge drive, a paywall or a newsletter business reads
like an appeal, and quotes one; cutting it hides the words a user watches for.
The stories live in ``on_topic/*.json``, each set written for this benchmark by
an author who saw neither the code nor the training data. A set says its
``role``: "heldout" (never trained on or tuned against, its cuts not looked at)
or "tuning" (its cuts were looked at and fixed: ``heldout_stories.json``,
``heldout_stories2.json``, ``heldout_stories3.json`` and, in round 11,
``heldout_stories4.json`` and, in round 14, ``heldout_stories6.json``,
``heldout_stories7.json`` and ``heldout_stories8.json``, after their first
looks); ``heldout_stories5.json``, ``heldout_stories9.json`` and
``heldout_stories10.json`` are held out.
Each story is served as a plain news page (headline, paragraphs, a subheading
as ``<h2>``, a closing credit as a paragraph) and extracted; a paragraph counts
as kept when its words are in the extracted text. Until round 13 a closing
credit ("Reporting by ...", "Фото: ...") was served as a subheading, which
trafilatura drops when nothing follows it: plain and ours lost it alike, and
the first looks of sets 1 to 3 were taken so.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

STORIES_DIR = Path(__file__).resolve().parent / "on_topic"
_TOKEN = re.compile(r"\w+")
_SUBHEADING_WORDS = 6


@dataclass(frozen=True, slots=True)
class Story:
    lang: str
    headline: str
    paragraphs: tuple[str, ...]

    def page(self) -> bytes:
        """The story as a news site serves it: a title, a menu, the article."""
        # A short line heads what follows it; the last one heads nothing: it is
        # the story's credit ("Reporting by ...", "Фото: ..."), served as a paragraph.
        last = len(self.paragraphs) - 1
        body = "\n".join(
            f"<h2>{html.escape(p)}</h2>"
            if k < last and _is_subheading(p)
            else f"<p>{html.escape(p)}</p>"
            for k, p in enumerate(self.paragraphs)
        )
        headline = html.escape(self.headline)
        return (
            f'<!doctype html><html lang="{self.lang}"><head><meta charset="utf-8">'
            f"<title>{headline}</title></head><body>"
            '<header><a href="/">Home</a> <a href="/news">News</a></header>'
            f"<main><article><h1>{headline}</h1>\n{body}\n</article></main></body></html>"
        ).encode()


@dataclass(frozen=True, slots=True)
class StorySet:
    name: str
    note: str
    role: str
    stories: tuple[Story, ...]
    # per extractor: [paragraphs kept %, stories whole], measured once while unseen
    first_look: dict[str, list[float]] = field(default_factory=dict)


def _is_subheading(paragraph: str) -> bool:
    return len(paragraph.split()) <= _SUBHEADING_WORDS and paragraph.rstrip()[-1:] not in ".!?:"


def load_stories(path: Path) -> StorySet:
    data = json.loads(path.read_text(encoding="utf-8"))
    stories = tuple(
        Story(s["lang"], s["headline"], tuple(s["paragraphs"])) for s in data["stories"]
    )
    return StorySet(
        data["name"], data["note"], data.get("role", "heldout"), stories, data.get("first_look", {})
    )


def story_sets() -> list[StorySet]:
    return [load_stories(path) for path in sorted(STORIES_DIR.glob("*.json"))]


def _words(text: str) -> str:
    return " " + " ".join(_TOKEN.findall(text.lower())) + " "


def cut(story: Story, extracted: str) -> list[str]:
    """The story's paragraphs missing from the extracted text."""
    text = _words(extracted)
    return [p for p in story.paragraphs if _words(p) not in text]
