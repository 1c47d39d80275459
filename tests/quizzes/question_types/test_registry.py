"""What every registered question type must keep; a new type is held to all of it by adding its
`Case` in `cases.py`."""

import json
import random
from decimal import Decimal
from typing import Any

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizzes import question_types
from quizzes.grading import QuestionSpec, grade_attempt, grade_question
from quizzes.models import Attempt, Question, Quiz, QuizVersion
from quizzes.selectors import attempt_feedback, attempt_questions_public
from tests.quizzes.question_types.cases import CASES, KEY_NAMES, SECRET, names_in

EVERY_TYPE = pytest.mark.parametrize("type_", question_types.names())
AUTOMATIC = pytest.mark.parametrize(
    "type_", [t for t in question_types.names() if not question_types.get(t).graded_by_hand]
)
BY_HAND = pytest.mark.parametrize(
    "type_", [t for t in question_types.names() if question_types.get(t).graded_by_hand]
)


def test_the_registry_knows_exactly_the_eight_types_of_api_md():
    assert question_types.names() == (
        "single",
        "multiple",
        "true_false",
        "short_answer",
        "numeric",
        "matching",
        "ordering",
        "essay",
    )
    assert question_types.choices()[:3] == [
        ("single", "Single choice"),
        ("multiple", "Multiple choice (partial credit)"),
        ("true_false", "True / false"),
    ]


def test_every_registered_type_has_its_test_case():
    assert set(CASES) == set(question_types.names())


@EVERY_TYPE
def test_every_type_name_fits_the_question_type_column(type_):
    assert len(type_) <= Question._meta.get_field("type").max_length


def test_the_question_type_column_offers_the_registered_types():
    assert list(Question._meta.get_field("type").choices) == question_types.choices()


@pytest.mark.django_db
def test_the_migrations_know_the_registered_types():
    # A new type changes the column's choices: `manage.py makemigrations quizzes` records it.
    call_command("makemigrations", "quizzes", check=True, dry_run=True, verbosity=0)


@pytest.mark.parametrize(
    "dispatch",
    [
        lambda: question_types.get("cloze"),
        lambda: QuestionSpec.from_spec({"id": 1, "type": "cloze", "points": 1, "choices": []}),
        lambda: grade_question(QuestionSpec(id=1, type="cloze", points=Decimal(1)), None),
        lambda: grade_attempt([QuestionSpec(id=1, type="cloze", points=Decimal(1))], {}, pass_mark=70),
    ],
)
def test_dispatch_to_an_unknown_type_fails_clearly(dispatch):
    with pytest.raises(question_types.UnknownQuestionType, match="unknown question type 'cloze'"):
        dispatch()


def test_an_unknown_type_is_a_value_error():
    assert issubclass(question_types.UnknownQuestionType, ValueError)


def test_a_type_cannot_be_registered_twice():
    with pytest.raises(ValueError, match="registered twice"):
        question_types.register(type(question_types.get("single")))


# --- Grading, for every type ---


@EVERY_TYPE
@given(data=st.data())
def test_score_is_within_zero_and_points(type_, data):
    case = CASES[type_]
    question = data.draw(case.questions)
    grade = grade_question(QuestionSpec.from_spec(question), data.draw(case.responses(question)))
    assert Decimal(0) <= grade.score <= question["points"]


@AUTOMATIC
@given(data=st.data())
def test_the_full_key_scores_full_marks(type_, data):
    case = CASES[type_]
    question = data.draw(case.questions)
    grade = grade_question(QuestionSpec.from_spec(question), case.full_marks(question))
    assert grade.score == question["points"] and grade.correct


@BY_HAND
@given(data=st.data())
def test_automatic_grading_leaves_a_type_graded_by_hand_at_nothing(type_, data):
    case = CASES[type_]
    question = data.draw(case.questions)
    grade = grade_question(QuestionSpec.from_spec(question), data.draw(case.responses(question)))
    assert grade.score == 0 and not grade.correct


@EVERY_TYPE
@given(data=st.data())
def test_an_unanswered_question_scores_nothing(type_, data):
    question = data.draw(CASES[type_].questions)
    grade = grade_question(QuestionSpec.from_spec(question), None)
    assert grade.score == 0 and not grade.correct


@EVERY_TYPE
@given(data=st.data())
def test_generated_questions_pass_the_authoring_checks(type_, data):
    question = data.draw(CASES[type_].questions)
    question_types.get(type_).check_keys(question)  # raises if the case generates nonsense


# --- The learner never sees a key while an attempt is open ---


def _no_key_in(served: Any) -> None:
    assert not names_in(served) & KEY_NAMES, served
    assert SECRET not in json.dumps(served, default=str)


@EVERY_TYPE
@given(data=st.data(), seed=st.integers())
def test_the_learners_view_carries_no_key(type_, data, seed):
    case = CASES[type_]
    question = data.draw(case.questions)
    rekeyed = data.draw(case.rekeyed(question))
    question_type = question_types.get(type_)
    item = {"question": question["id"], **question_type.layout(question, random.Random(seed))}
    view = question_type.public(question, item)
    _no_key_in(view)
    _no_key_in(item)  # the layout is stored on the attempt, in reach of the learner's requests
    # Whatever the key, the learner sees the same: nothing in the view can give it away.
    assert question_type.public(rekeyed, item) == view
    assert question_type.layout(rekeyed, random.Random(seed)) == question_type.layout(
        question, random.Random(seed)
    )


REVIEW_PARTS = ("review_score", "review_correctness", "review_feedback", "review_answers")


@st.composite
def open_attempt(draw: st.DrawFn) -> Attempt:
    """An attempt in progress over questions of every registered type (not saved: the
    selectors read it as the API serves it)."""
    questions = []
    for type_ in question_types.names():
        questions.extend(draw(st.lists(CASES[type_].questions, min_size=1, max_size=2)))
    for i, q in enumerate(questions, start=1):
        q["id"] = i  # unique within the quiz
    rng = random.Random(draw(st.integers()))
    layout = [{"question": q["id"], **question_types.get(q["type"]).layout(q, rng)} for q in questions]
    rng.shuffle(layout)
    quiz = Quiz(max_attempts=1, **{part: Quiz.ReviewWhen.IMMEDIATELY for part in REVIEW_PARTS})
    version = QuizVersion(quiz=quiz, number=1, spec={"pass_mark": 70, "questions": questions})
    return Attempt(quiz=quiz, version=version, layout=layout, status=Attempt.Status.IN_PROGRESS)


@given(open_attempt())
# Building an attempt is slow on a loaded 2-core machine; the health check then fails the run.
@settings(max_examples=50, suppress_health_check=[HealthCheck.too_slow])
def test_nothing_served_while_an_attempt_is_open_carries_a_key(attempt):
    questions = attempt_questions_public(attempt=attempt)
    assert [q["id"] for q in questions] == [item["question"] for item in attempt.layout]
    _no_key_in(questions)
    assert attempt_feedback(attempt=attempt) == []  # even under the `full` review policy
