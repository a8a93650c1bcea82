"""Story identity beyond GUIDs and links: the same wire story syndicated by several
outlets, found by the overlap of its clean text.

A story's text is reduced to a bottom-k sketch of its word 3-shingles (the k
smallest shingle hashes; Broder 1997), which estimates the Jaccard similarity
of two texts from a few hundred bytes each. Two stories whose shingles overlap
by ``SAME_STORY`` or more are one story: an added editor's note, a trimmed
last paragraph or a changed byline keep it well above; two different stories,
even on the same subject, share almost no 3-shingles.

Pure. Short texts get no sketch: a few dozen words are too few to tell a
syndicated copy from two briefs that happen to share phrasing.
"""

from __future__ import annotations

import hashlib
import heapq
import re
import unicodedata

MIN_WORDS = 80
SHINGLE = 3
K = 64
SAME_STORY = 0.5

Sketch = tuple[int, ...]

_WORD = re.compile(r"\w+")


def sketch(text: str) -> Sketch | None:
    """The bottom-k sketch of ``text``, or None when it is too short to compare."""
    words = _WORD.findall(unicodedata.normalize("NFKC", text).casefold())
    if len(words) < MIN_WORDS:
        return None
    hashes = {
        # 63 bits, so a sketch stores as SQLite/JSON integers without sign trouble.
        int.from_bytes(hashlib.blake2b(" ".join(words[i : i + SHINGLE]).encode(),
                                       digest_size=8).digest(), "big") >> 1
        for i in range(len(words) - SHINGLE + 1)
    }  # fmt: skip
    return tuple(sorted(heapq.nsmallest(K, hashes)))


def similarity(a: Sketch, b: Sketch) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    mine, theirs = set(a), set(b)
    smallest = heapq.nsmallest(K, mine | theirs)
    if not smallest:
        return 0.0
    return sum(1 for value in smallest if value in mine and value in theirs) / len(smallest)


def same_story(a: Sketch, b: Sketch) -> bool:
    return similarity(a, b) >= SAME_STORY
