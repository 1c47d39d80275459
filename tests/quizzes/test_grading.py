from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from quizzes.grading import grade_attempt, grade_question
from quizzes.question_types import MULTIPLE, SINGLE, TRUE_FALSE
from quizzes.question_types.choice import ChoiceSpec as QuestionSpec


def spec(type_: str, choices: int, correct: set[int], points: int = 1) -> QuestionSpec:
    return QuestionSpec(
        id=1,
        type=type_,
        points=Decimal(points),
        choice_ids=frozenset(range(1, choices + 1)),
        correct_ids=frozenset(correct),
    )


@pytest.mark.parametrize(
    ("type_", "selected", "expected"),
    [
        (SINGLE, [2], "2.00"),
        (SINGLE, [1], "0.00"),
        (SINGLE, [1, 2], "0.00"),  # hedging with two picks earns nothing
        (SINGLE, [], "0.00"),
        (TRUE_FALSE, [2], "2.00"),
        (TRUE_FALSE, [1], "0.00"),
    ],
)
def test_single_and_true_false_score_all_or_nothing(type_, selected, expected):
    choices = 2 if type_ == TRUE_FALSE else 4
    assert grade_question(spec(type_, choices, {2}, points=2), selected).score == Decimal(expected)


@pytest.mark.parametrize(
    ("selected", "expected", "correct"),
    [
        ([1, 2, 3], "3.00", True),
        ([1, 2], "2.00", False),
        ([1], "1.00", False),
        ([1, 2, 4], "1.00", False),  # a wrong pick takes one share away
        ([4, 5], "0.00", False),
        ([1, 2, 3, 4, 5], "1.00", False),  # ticking everything is not full marks
        ([1, 4, 5], "0.00", False),  # never below zero
    ],
)
def test_multiple_choice_gives_partial_credit(selected, expected, correct):
    grade = grade_question(spec(MULTIPLE, 5, {1, 2, 3}, points=3), selected)
    assert grade.score == Decimal(expected)
    assert grade.correct is correct


def test_choice_ids_outside_the_question_are_ignored():
    assert grade_question(spec(SINGLE, 3, {1}), [1, 99]).score == Decimal("1.00")


def test_unknown_question_type_is_an_error():
    with pytest.raises(ValueError, match="unknown question type"):
        grade_question(spec("cloze", 3, {1}), [1])


def test_attempt_percent_and_pass_mark():
    questions = [
        QuestionSpec(
            id=1, type=SINGLE, points=Decimal(2), choice_ids=frozenset({1, 2}), correct_ids=frozenset({1})
        ),
        QuestionSpec(
            id=2,
            type=MULTIPLE,
            points=Decimal(2),
            choice_ids=frozenset({3, 4, 5}),
            correct_ids=frozenset({3, 4}),
        ),
        QuestionSpec(
            id=3, type=TRUE_FALSE, points=Decimal(1), choice_ids=frozenset({6, 7}), correct_ids=frozenset({7})
        ),
    ]
    result = grade_attempt(questions, {1: [1], 2: [3]}, pass_mark=70)
    assert (result.score, result.max_score, result.percent, result.passed) == (
        Decimal(3),
        Decimal(5),
        Decimal("60.00"),
        False,
    )
    result = grade_attempt(questions, {1: [1], 2: [3, 4], 3: [6]}, pass_mark=70)
    assert (result.percent, result.passed) == (Decimal("80.00"), True)


def test_exactly_the_pass_mark_passes():
    q = [
        QuestionSpec(
            id=i,
            type=SINGLE,
            points=Decimal(1),
            choice_ids=frozenset({i * 10, i * 10 + 1}),
            correct_ids=frozenset({i * 10}),
        )
        for i in range(10)
    ]
    result = grade_attempt(q, {i: [i * 10] for i in range(7)}, pass_mark=70)
    assert result.percent == Decimal("70.00") and result.passed


@st.composite
def question_and_response(draw):
    type_ = draw(st.sampled_from([SINGLE, MULTIPLE, TRUE_FALSE]))
    n = 2 if type_ == TRUE_FALSE else draw(st.integers(2, 8))
    ids = list(range(1, n + 1))
    if type_ == MULTIPLE:
        correct = draw(st.sets(st.sampled_from(ids), min_size=1, max_size=n - 1))
    else:
        correct = {draw(st.sampled_from(ids))}
    points = draw(st.integers(1, 10))
    selected = draw(st.lists(st.sampled_from([*ids, 99, 100]), max_size=n + 2))
    q = QuestionSpec(
        id=1, type=type_, points=Decimal(points), choice_ids=frozenset(ids), correct_ids=frozenset(correct)
    )
    return q, selected


@given(question_and_response())
def test_score_is_within_zero_and_points(case):
    q, selected = case
    assert Decimal(0) <= grade_question(q, selected).score <= q.points


@given(question_and_response())
def test_the_full_key_scores_full_marks(case):
    q, _ = case
    grade = grade_question(q, sorted(q.correct_ids))
    assert grade.score == q.points and grade.correct


@given(question_and_response(), st.randoms())
def test_order_and_repetition_of_choices_never_matter(case, rnd):
    q, selected = case
    shuffled = list(selected) + list(selected)
    rnd.shuffle(shuffled)
    assert grade_question(q, shuffled) == grade_question(q, selected)


@given(st.lists(question_and_response(), min_size=1, max_size=6))
def test_attempt_score_is_the_sum_and_percent_is_bounded(cases):
    questions = [
        QuestionSpec(id=i, type=q.type, points=q.points, choice_ids=q.choice_ids, correct_ids=q.correct_ids)
        for i, (q, _) in enumerate(cases)
    ]
    responses = {i: sel for i, (_, sel) in enumerate(cases)}
    result = grade_attempt(questions, responses, pass_mark=70)
    assert result.score == sum(g.score for g in result.questions)
    assert Decimal(0) <= result.percent <= Decimal(100)
    assert result.passed == (result.percent >= 70)
