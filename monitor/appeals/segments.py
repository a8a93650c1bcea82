"""Where appeal runs are, from per-paragraph evidence: the best split of the text.

Each paragraph brings a score, the log-odds that it is appeal text rather than
the story's (positive for appeal). A run of paragraphs is taken as an appeal
when its scores, summed, outweigh the cost of its edges: entering it, and
leaving it unless it ends the text (the caller prices the text's start). So an
appeal at the end needs less evidence than one in the middle, a long letter to readers goes as one
piece though some of its paragraphs alone would be doubtful, and a lone
appeal-like paragraph amid the story stays unless its evidence is strong. This
is the best path of a two-state chain (story, appeal), found by dynamic
programming in one pass.
"""

from __future__ import annotations

import math
from collections.abc import Sequence


def best_runs(
    scores: Sequence[float], *, enter_cost: float, leave_cost: float, start_cost: float = 0.0
) -> list[tuple[int, int]]:
    """The runs (first, last index, inclusive) whose summed scores best pay for
    their edges: a run pays ``enter_cost`` where it starts inside the text (or
    ``start_cost`` at the text's start) and ``leave_cost`` where it ends inside
    it; the end of the text costs nothing."""
    n = len(scores)
    if n == 0:
        return []
    # The best totals so far ending in each state. Before the text there is
    # only the story state: the text opens in the appeal state for
    # ``start_cost`` (not ``enter_cost``, which would make the lede as cheap to
    # cut as any paragraph), and closes in either state for free.
    story, appeal = 0.0, -math.inf
    # Per paragraph, the state before it on the best path into each state.
    back: list[tuple[int, int]] = []
    for k, score in enumerate(scores):
        enter = start_cost if k == 0 else enter_cost
        into_story = 0 if story >= appeal - leave_cost else 1
        into_appeal = 0 if story - enter > appeal else 1
        story, appeal = (
            max(story, appeal - leave_cost),
            max(story - enter, appeal) + score,
        )
        back.append((into_story, into_appeal))
    state = 1 if appeal > story else 0  # the end is an edge too: leaving costs nothing
    labels = [0] * n
    for k in range(n - 1, -1, -1):
        labels[k] = state
        state = back[k][state]
    runs: list[tuple[int, int]] = []
    for k, label in enumerate(labels):
        if label and (k == 0 or not labels[k - 1]):
            runs.append((k, k))
        elif label:
            runs[-1] = (runs[-1][0], k)
    return runs
