"""Multiple choice with partial credit (quizzes/question_types/multiple.py)."""

import random
from decimal import Decimal

import pytest

from core.errors import ServiceError
from quizzes import question_types
from quizzes.grading import QuestionSpec, grade_question
from quizzes.question_types import MULTIPLE
from tests.quizzes.question_types.cases import choice_spec

multiple = question_types.get(MULTIPLE)


@pytest.mark.parametrize("keys", [[True, False], [True, True, False], [False, True, False, False]])
def test_at_least_one_correct_and_one_wrong_choice_is_a_good_key(keys):
    multiple.check_keys({"choices": [{"is_correct": k} for k in keys]})


@pytest.mark.parametrize("keys", [[], [True], [False, False], [True, True]])
def test_all_correct_or_none_correct_is_refused(keys):
    with pytest.raises(ServiceError) as err:
        multiple.check_keys({"choices": [{"is_correct": k} for k in keys]})
    assert err.value.code == "bad_key"
    assert err.value.message == "A multiple-choice question needs at least one correct and one wrong choice."


def test_several_choices_may_be_picked():
    q = choice_spec(MULTIPLE, [True, True, False])
    assert multiple.clean_answer(q, {"choices": [12, 10, 11]}, [12, 10, 11]) == [12, 10, 11]


def test_the_choices_are_shuffled_for_each_attempt():
    q = choice_spec(MULTIPLE, [True, True, False, False])
    orders = {tuple(multiple.layout(q, random.Random(seed))["choices"]) for seed in range(20)}
    assert len(orders) > 1


@pytest.mark.parametrize(
    ("picks", "expected", "correct"),
    [
        ([10, 11, 12], "3.00", True),
        ([10, 11], "2.00", False),
        ([10, 11, 13], "1.00", False),  # a wrong pick takes one share away
        ([10, 11, 12, 13, 14], "1.00", False),  # ticking everything is not full marks
        ([10, 13, 14], "0.00", False),  # never below zero
    ],
)
def test_each_right_pick_earns_a_share_and_each_wrong_one_takes_one_away(picks, expected, correct):
    spec = QuestionSpec.from_spec({**choice_spec(MULTIPLE, [True, True, True, False, False]), "points": 3})
    grade = grade_question(spec, picks)
    assert (grade.score, grade.correct) == (Decimal(expected), correct)


def _weighted(weights: list[int], scoring: str = "partial") -> QuestionSpec:
    spec = choice_spec(MULTIPLE, [w > 0 for w in weights])
    for c, w in zip(spec["choices"], weights, strict=True):
        c["weight"] = w
    return QuestionSpec.from_spec({**spec, "points": 4, "scoring": scoring})


@pytest.mark.parametrize(
    ("weights", "picks", "expected"),
    [
        # Negative marking, as Moodle's: a wrong pick takes its weight off the question's marks...
        ([50, 50, -50, -100], [10, 11, 12], "2.00"),
        ([50, 50, -50, -100], [10, 12], "0.00"),
        # ...and never below zero, so it never costs marks of another question.
        ([50, 50, -50, -100], [10, 13], "0.00"),
        ([50, 50, -50, -100], [12, 13], "0.00"),
        # Without negative marking: wrong choices weigh nothing, so ticking everything pays.
        ([50, 50, 0, 0], [10, 11, 12, 13], "4.00"),
        ([50, 50, 0, 0], [10, 12], "2.00"),
    ],
)
def test_negative_weights_take_marks_off_within_the_question_only(weights, picks, expected):
    assert grade_question(_weighted(weights), picks).score == Decimal(expected)


def test_all_or_nothing_ignores_the_weights():
    spec = _weighted([50, 50, -50, -100], "all_or_nothing")
    assert grade_question(spec, [10, 11]).score == Decimal("4.00")
    assert grade_question(spec, [10]).score == Decimal(0)
