"""HOOS, JR scoring: the published raw-to-interval table, all six answers or no score, and the
course's progress and chart (pure: scheduling.records.hoos)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from scheduling.records import hoos

# The conversion table as published with the instrument (Lyman et al., Clin Orthop Relat Res
# 2016, doi 10.1007/s11999-016-4718-2; HSS "HOOS, JR. Scoring Instructions"), typed here
# separately from the code so a slip in either shows.
PUBLISHED = {
    0: "100.000", 1: "92.340", 2: "85.257", 3: "80.550", 4: "76.776", 5: "73.472",
    6: "70.426", 7: "67.516", 8: "64.664", 9: "61.815", 10: "58.930", 11: "55.985",
    12: "52.965", 13: "49.858", 14: "46.652", 15: "43.335", 16: "39.902", 17: "36.363",
    18: "32.735", 19: "29.009", 20: "25.103", 21: "20.805", 22: "15.633", 23: "8.104",
    24: "0.000",
}  # fmt: skip


def answers_summing_to(raw: int) -> list[int]:
    """Return six answers 0-4 whose sum is `raw`, filled from the first item."""
    answers = []
    for _ in range(6):
        answers.append(min(4, raw))
        raw -= answers[-1]
    return answers


def test_no_problem_at_all_scores_100():
    assert hoos.score([0, 0, 0, 0, 0, 0]) == Decimal("100.000")
    assert str(hoos.score([0] * 6)) == "100.000"


def test_extreme_on_every_item_scores_0():
    assert hoos.score([4] * 6) == Decimal("0.000")
    assert str(hoos.score([4] * 6)) == "0.000"


@pytest.mark.parametrize("raw", range(25))
def test_every_raw_score_maps_to_the_published_interval_score(raw):
    answers = answers_summing_to(raw)
    assert sum(answers) == raw
    assert hoos.score(answers) == Decimal(PUBLISHED[raw])
    assert str(hoos.interval_score(raw)) == PUBLISHED[raw]


def test_the_table_is_not_a_straight_line():
    # A linear guess (100 - raw * 100 / 24) would give 95.833 for raw 1 and 50 for raw 12.
    assert hoos.interval_score(1) != Decimal("95.833")
    assert hoos.interval_score(12) == Decimal("52.965")


def test_the_same_sum_scores_the_same_whatever_the_items():
    assert hoos.score([4, 0, 0, 0, 0, 2]) == hoos.score([1, 1, 1, 1, 1, 1]) == Decimal("70.426")


def test_five_answered_items_give_no_score_and_name_the_missing_one():
    with pytest.raises(hoos.IncompleteAnswers) as missing:
        hoos.score([1, 2, 1, 0, 3])
    assert missing.value.errors == ["Item 6 (sitting) is not answered."]


def test_a_gap_in_the_middle_is_named_too():
    with pytest.raises(hoos.IncompleteAnswers) as missing:
        hoos.score([1, None, 1, 0, 3, 2])
    assert missing.value.errors == ["Item 2 (walking on an uneven surface) is not answered."]


@pytest.mark.parametrize(
    "answers, error",
    [
        ([0, 0, 5, 0, 0, 0], "Item 3 (rising from sitting) must be from 0 to 4, not 5."),
        ([0, 0, 0, -1, 0, 0], "must be from 0 to 4, not -1."),
        ([0, 0, 0, 0, True, 0], "must be a whole number from 0 to 4"),
        ([0, 0, 0, 0, 0, "2"], "must be a whole number from 0 to 4"),
        ([0] * 7, "HOOS, JR has 6 items, not 7."),
        ("000000", "Give the 6 answers as a list"),
        (None, "Give the 6 answers as a list"),
    ],
)
def test_bad_answers_are_refused_with_a_reason(answers, error):
    with pytest.raises(hoos.IncompleteAnswers) as refused:
        hoos.score(answers)
    assert any(error in message for message in refused.value.errors), refused.value.errors


def test_a_raw_score_outside_0_to_24_has_no_interval_score():
    for raw in (-1, 25, 3.0):
        with pytest.raises(ValueError):
            hoos.interval_score(raw)


def stage(name: str, score: str) -> hoos.StageScore:
    return hoos.StageScore(name, Decimal(score))


MIC = Decimal("7.76")


def test_progress_is_baseline_latest_and_change_with_improvement_against_the_threshold():
    progress = hoos.hoos_progress(
        [stage("end", "70.426"), stage("baseline", "43.335"), stage("midpoint", "52.965")],
        min_important_change=MIC,
    )
    assert (progress.baseline, progress.latest) == (Decimal("43.335"), Decimal("70.426"))
    assert progress.change == Decimal("27.091")
    assert progress.improved is True


def test_a_rise_just_short_of_the_threshold_is_not_an_improvement():
    progress = hoos.hoos_progress(
        [stage("baseline", "32.735"), stage("end", "39.902")], min_important_change=MIC
    )
    assert progress.change == Decimal("7.167") and progress.improved is False


def test_with_only_the_baseline_there_is_no_follow_up_yet():
    progress = hoos.hoos_progress([stage("baseline", "52.965")], min_important_change=MIC)
    assert (progress.latest, progress.change, progress.improved) == (
        Decimal("52.965"),
        Decimal("0.000"),
        None,
    )
    assert not progress.has_follow_up


def test_without_a_baseline_change_is_unknown():
    progress = hoos.hoos_progress([stage("midpoint", "61.815")], min_important_change=MIC)
    assert (progress.baseline, progress.latest, progress.change, progress.improved) == (
        None,
        Decimal("61.815"),
        None,
        None,
    )
    empty = hoos.hoos_progress([], min_important_change=MIC)
    assert (empty.baseline, empty.latest, empty.change, empty.improved) == (None,) * 4


def test_the_chart_shows_each_stage_answered_with_its_score():
    svg = hoos.hoos_chart_svg(
        hoos.hoos_progress(
            [stage("baseline", "43.335"), stage("midpoint", "61.815")], min_important_change=MIC
        )
    )
    assert svg.count('class="pt pt-hoos"') == 2
    assert "<title>Baseline: 43.335/100</title>" in svg
    assert ">61.8</text>" in svg
    assert "Baseline 43.335, Midpoint 61.815" in svg  # the text for screen readers


def test_the_chart_says_when_nothing_is_answered():
    svg = hoos.hoos_chart_svg(hoos.hoos_progress([], min_important_change=MIC))
    assert "No HOOS, JR answered yet." in svg and "pt-hoos" not in svg
