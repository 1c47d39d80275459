"""What the three choice types share (quizzes/question_types/choice.py)."""

import random
from types import SimpleNamespace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ServiceError
from quizzes import question_types
from quizzes.grading import QuestionSpec, grade_question
from quizzes.question_types import MULTIPLE, SINGLE, TRUE_FALSE
from tests.quizzes.question_types.cases import CASES, choice_spec

CHOICE_TYPES = pytest.mark.parametrize("type_", [SINGLE, MULTIPLE, TRUE_FALSE])


@CHOICE_TYPES
@given(data=st.data())
def test_order_and_repetition_of_choices_never_matter(type_, data):
    q = data.draw(CASES[type_].questions)
    picks = data.draw(CASES[type_].responses(q))
    again = data.draw(st.permutations(picks + picks))
    spec = QuestionSpec.from_spec(q)
    assert grade_question(spec, again) == grade_question(spec, picks)


@CHOICE_TYPES
@given(data=st.data(), seed=st.integers())
def test_the_layout_shows_every_choice_once(type_, data, seed):
    q = data.draw(CASES[type_].questions)
    layout = question_types.get(type_).layout(q, random.Random(seed))
    assert sorted(layout["choices"]) == sorted(c["id"] for c in q["choices"])


@CHOICE_TYPES
def test_freeze_copies_the_choices_with_their_keys(type_):
    choices = [
        SimpleNamespace(pk=3, text="Ya", text_en="Yes", is_correct=True, weight=None, feedback="Benar"),
        SimpleNamespace(pk=4, text="Tidak", text_en="No", is_correct=False, weight=None, feedback=""),
    ]
    draft = SimpleNamespace(choices=SimpleNamespace(all=lambda: choices), content={})
    assert question_types.get(type_).freeze(draft) == {
        "choices": [
            {
                "id": 3,
                "text": "Ya",
                "text_en": "Yes",
                "is_correct": True,
                "weight": None,
                "feedback": "Benar",
            },
            {"id": 4, "text": "Tidak", "text_en": "No", "is_correct": False, "weight": None, "feedback": ""},
        ],
        "scoring": "partial",
    }


@CHOICE_TYPES
def test_the_learner_sees_the_choices_in_the_attempts_order_without_keys(type_):
    q = choice_spec(type_, [True, False])
    assert question_types.get(type_).public(q, {"question": 7, "choices": [11, 10]}) == {
        "choices": [{"id": 11, "text": "C1", "text_en": "C1"}, {"id": 10, "text": "C0", "text_en": "C0"}]
    }


@CHOICE_TYPES
def test_an_answer_is_kept_once_per_choice_in_the_order_given(type_):
    q = choice_spec(type_, [True, False])
    assert question_types.get(type_).clean_answer(q, {"question": 7, "choices": [10, 11]}, (11, 11)) == [11]
    assert question_types.get(type_).clean_answer(q, {"question": 7, "choices": [10, 11]}, ()) == []


@CHOICE_TYPES
def test_a_choice_of_another_question_is_refused(type_):
    q = choice_spec(type_, [True, False])
    with pytest.raises(ServiceError) as err:
        question_types.get(type_).clean_answer(q, {"question": 7, "choices": [10, 11]}, (10, 99))
    assert (err.value.code, err.value.message) == (
        "unknown_choice",
        "Choices [99] do not belong to question 7.",
    )


@CHOICE_TYPES
def test_review_shows_the_correct_choices(type_):
    q = choice_spec(type_, [False, True])
    assert question_types.get(type_).review(q) == {"correct_choices": [11]}


@CHOICE_TYPES
def test_an_answer_is_a_list_of_choices_stored_as_such(type_):
    question_type = question_types.get(type_)
    assert (question_type.answer_key, question_type.stored_in) == ("choices", "choices")
