"""Single choice (quizzes/question_types/single.py)."""

import random
from decimal import Decimal

import pytest
from django.utils import translation

from core.errors import ServiceError
from quizzes import question_types
from quizzes.grading import QuestionSpec, grade_question
from quizzes.question_types import SINGLE
from tests.quizzes.question_types.cases import choice_spec

single = question_types.get(SINGLE)


@pytest.mark.parametrize("keys", [[True, False], [False, False, True], [True, *[False] * 9]])
def test_one_correct_choice_of_two_or_more_is_a_good_key(keys):
    single.check_keys({"choices": [{"is_correct": k} for k in keys]})


@pytest.mark.parametrize("keys", [[], [True], [False, False], [True, True, False]])
def test_any_other_key_is_refused(keys):
    with pytest.raises(ServiceError) as err, translation.override("en"):
        single.check_keys({"choices": [{"is_correct": k} for k in keys]})
    assert err.value.code == "bad_key"
    assert err.value.message == "A single-choice question has one correct choice of two or more."
    with pytest.raises(ServiceError) as err, translation.override("id"):
        single.check_keys({"choices": [{"is_correct": k} for k in keys]})
    assert err.value.message == "Soal pilihan tunggal punya satu pilihan benar dari dua atau lebih."


def test_a_single_choice_takes_one_choice():
    with pytest.raises(ServiceError) as err:
        single.clean_answer(choice_spec(SINGLE, [True, False, False]), {"choices": [10, 11, 12]}, [10, 11])
    assert (err.value.code, err.value.message) == ("too_many_choices", "Question 7 takes one choice.")


def test_the_choices_are_shuffled_for_each_attempt():
    q = choice_spec(SINGLE, [True, False, False, False])
    orders = {tuple(single.layout(q, random.Random(seed))["choices"]) for seed in range(20)}
    assert len(orders) > 1


@pytest.mark.parametrize(
    ("picks", "expected"),
    [([11], "2.00"), ([10], "0.00"), ([10, 11], "0.00"), ([], "0.00"), ([11, 99], "2.00")],
)
def test_only_exactly_the_key_scores(picks, expected):
    spec = QuestionSpec.from_spec(choice_spec(SINGLE, [False, True, False]))
    assert grade_question(spec, picks).score == Decimal(expected)
