"""Appeal runs from per-paragraph evidence: what a run's edges cost, where it stands."""

from __future__ import annotations

import pytest

from monitor.appeals.segments import best_runs


def test_no_paragraphs_no_runs() -> None:
    assert best_runs([], enter_cost=3, leave_cost=3) == []


def test_story_alone_has_no_run() -> None:
    assert best_runs([-2.0, -1.0, -3.0, -0.5], enter_cost=3, leave_cost=3) == []


def test_leaving_may_cost_less_than_entering() -> None:
    assert best_runs([-3, 2.5, 2.5, -3], enter_cost=3, leave_cost=1, start_cost=9) == [(1, 2)]
    assert best_runs([-3, 1.9, 1.9, -3], enter_cost=3, leave_cost=1, start_cost=9) == []


def test_run_inside_pays_two_edges() -> None:
    assert best_runs([-3, -3, 2.9, 2.9, -3], enter_cost=3, leave_cost=3) == []  # 5.8 < 6
    assert best_runs([-3, -3, 3.1, 3.1, -3], enter_cost=3, leave_cost=3) == [(2, 3)]  # 6.2 > 6


def test_run_at_the_end_pays_one_edge() -> None:
    assert best_runs([-3, -3, -3, 1.6, 1.6], enter_cost=3, leave_cost=3) == [(3, 4)]  # 3.2 > 3
    assert best_runs([-3, -3, -3, 1.4, 1.4], enter_cost=3, leave_cost=3) == []  # 2.8 < 3


@pytest.mark.parametrize(("start_cost", "runs"), [(0.0, [(0, 1)]), (3.0, [])])
def test_start_costs_what_the_caller_says(start_cost: float, runs: list[tuple[int, int]]) -> None:
    assert best_runs([2.0, 2.0, -3, -3], enter_cost=3, leave_cost=3, start_cost=start_cost) == runs


def test_a_run_opening_the_text_pays_the_start_cost_not_the_enter_cost() -> None:
    """The lede is dearer to cut than any paragraph after it: entering from
    before the text is no way round the start's price."""
    assert best_runs([4.5, -3, -3], enter_cost=3, leave_cost=1, start_cost=6) == []
    assert best_runs([7.5, -3, -3], enter_cost=3, leave_cost=1, start_cost=6) == [(0, 0)]
    assert best_runs([-3, 4.5, -3], enter_cost=3, leave_cost=1, start_cost=6) == [(1, 1)]


def test_a_start_cheaper_than_entering_is_what_a_box_pays() -> None:
    """A box's lines may all be its appeal: the caller prices its start at 0."""
    assert best_runs([0.5], enter_cost=3, leave_cost=1, start_cost=0.0) == [(0, 0)]
    assert best_runs([-0.5], enter_cost=3, leave_cost=1, start_cost=0.0) == []
    assert best_runs([1.5, -3, 1.0], enter_cost=3, leave_cost=1, start_cost=0.0) == [(0, 0)]


def test_a_doubtful_paragraph_inside_a_letter_goes_with_it() -> None:
    """Splitting the run would cost two more edges than the doubt weighs."""
    assert best_runs([-4, -4, 5, -1.5, 4, -4], enter_cost=3, leave_cost=3) == [(2, 4)]


def test_a_clear_story_paragraph_splits_two_appeals() -> None:
    assert best_runs([-4, 7, -9, 7, -4], enter_cost=3, leave_cost=3) == [(1, 1), (3, 3)]


def test_whole_text_can_be_one_run_when_both_edges_are_free() -> None:
    assert best_runs([1.0, 0.5, 2.0], enter_cost=3, leave_cost=3) == [(0, 2)]
