"""True/false (quizzes/question_types/true_false.py)."""

import random
from decimal import Decimal

import pytest

from core.errors import ServiceError
from quizzes import question_types
from quizzes.grading import QuestionSpec, grade_question
from quizzes.question_types import TRUE_FALSE
from tests.quizzes.question_types.cases import choice_spec

true_false = question_types.get(TRUE_FALSE)


@pytest.mark.parametrize("keys", [[True, False], [False, True]])
def test_two_choices_one_correct_is_a_good_key(keys):
    true_false.check_keys({"choices": [{"is_correct": k} for k in keys]})


@pytest.mark.parametrize("keys", [[], [True], [True, True], [False, False], [True, False, False]])
def test_any_other_key_is_refused(keys):
    with pytest.raises(ServiceError) as err:
        true_false.check_keys({"choices": [{"is_correct": k} for k in keys]})
    assert err.value.code == "bad_key"
    assert err.value.message == "A true/false question has two choices, one correct."


def test_true_false_takes_one_choice():
    with pytest.raises(ServiceError) as err:
        true_false.clean_answer(choice_spec(TRUE_FALSE, [True, False]), {"choices": [10, 11]}, [10, 11])
    assert err.value.code == "too_many_choices"


def test_the_choices_keep_their_written_order():
    q = choice_spec(TRUE_FALSE, [False, True])
    assert {tuple(true_false.layout(q, random.Random(seed))["choices"]) for seed in range(20)} == {(10, 11)}


@pytest.mark.parametrize(("picks", "expected"), [([11], "2.00"), ([10], "0.00"), ([10, 11], "0.00")])
def test_only_the_key_scores(picks, expected):
    spec = QuestionSpec.from_spec(choice_spec(TRUE_FALSE, [False, True]))
    assert grade_question(spec, picks).score == Decimal(expected)
