"""Pure grading: question specs and responses in, scores out. No ORM, no clock, no I/O. What a
response earns is the business of its question's type (quizzes.question_types)."""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from quizzes import question_types
from quizzes.question_types import QuestionSpec

__all__ = [
    "AttemptGrade",
    "GradedAttempt",
    "QuestionGrade",
    "QuestionSpec",
    "QuizResult",
    "grade_attempt",
    "grade_question",
    "quiz_result",
]

CENT = Decimal("0.01")


@dataclass(frozen=True)
class QuestionGrade:
    question_id: int
    score: Decimal
    max_score: Decimal
    correct: bool


@dataclass(frozen=True)
class AttemptGrade:
    score: Decimal
    max_score: Decimal
    percent: Decimal
    passed: bool
    questions: tuple[QuestionGrade, ...]


def outcome(score: Decimal, max_score: Decimal, *, pass_mark: int) -> tuple[Decimal, bool]:
    """The percent (rounded half up to a cent) and the pass of a total out of `max_score`."""
    percent = (score * 100 / max_score).quantize(CENT, rounding=ROUND_HALF_UP) if max_score else Decimal(0)
    return percent, bool(max_score) and percent >= pass_mark


def grade_question(spec: QuestionSpec, response: Any) -> QuestionGrade:
    """Score one stored answer, by the rules of the question's type. `response` is what the
    type stores (for the choice types, the chosen choice ids; ids not among the question's
    choices are ignored); None when the question was not answered, which earns nothing."""
    question_type = question_types.get(spec.type)
    fraction = Decimal(0) if response is None else question_type.fraction(spec, response)
    if not Decimal(0) <= fraction <= Decimal(1):
        raise ValueError(f"question type {spec.type!r} gave a share of {fraction} for question {spec.id}")
    score = (spec.points * fraction).quantize(CENT, rounding=ROUND_HALF_UP)
    return QuestionGrade(question_id=spec.id, score=score, max_score=spec.points, correct=fraction == 1)


def grade_attempt(
    questions: Iterable[QuestionSpec],
    responses: Mapping[int, Any],
    *,
    pass_mark: int,
    dropped: Collection[int] = (),
) -> AttemptGrade:
    """Grade every question of an attempt; a question without a response scores zero, and a
    dropped question (by a regrade) full marks, answered or not."""
    grades = tuple(
        QuestionGrade(question_id=q.id, score=q.points.quantize(CENT), max_score=q.points, correct=True)
        if q.id in dropped
        else grade_question(q, responses.get(q.id))
        for q in questions
    )
    score = sum((g.score for g in grades), Decimal(0))
    max_score = sum((g.max_score for g in grades), Decimal(0))
    percent = (score * 100 / max_score).quantize(CENT, rounding=ROUND_HALF_UP) if max_score else Decimal(0)
    return AttemptGrade(
        score=score,
        max_score=max_score,
        percent=percent,
        passed=bool(max_score) and percent >= pass_mark,
        questions=grades,
    )


# --- A person's result on a quiz, over their attempts ---------------------------------------

GRADING_METHODS = ("highest", "average", "first", "last")


@dataclass(frozen=True)
class GradedAttempt:
    id: int
    number: int
    percent: Decimal


@dataclass(frozen=True)
class QuizResult:
    """What the grading method makes of a person's graded attempts: the percent, pass or fail
    against the quiz's pass mark, and the attempts it rests on (a certificate's evidence)."""

    method: str
    percent: Decimal
    passed: bool
    attempts: tuple[int, ...]
    counted: int


def quiz_result(attempts: Iterable[GradedAttempt], *, method: str, pass_mark: int) -> QuizResult | None:
    """The result of graded attempts under a grading method, as Moodle's: `highest` the best
    (the earliest of equals), `average` the mean of all, `first` and `last` by attempt number.
    None without a graded attempt. Attempts awaiting review are not passed in: they count once
    released."""
    if method not in GRADING_METHODS:
        raise ValueError(f"no grading method {method!r}")
    ordered = sorted(attempts, key=lambda a: a.number)
    if not ordered:
        return None
    if method == "average":
        percent = (sum((a.percent for a in ordered), Decimal(0)) / len(ordered)).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
        basis = ordered
    else:
        chosen = {
            "highest": max(ordered, key=lambda a: (a.percent, -a.number)),
            "first": ordered[0],
            "last": ordered[-1],
        }[method]
        percent, basis = chosen.percent, [chosen]
    return QuizResult(
        method=method,
        percent=percent,
        passed=percent >= pass_mark,
        attempts=tuple(a.id for a in basis),
        counted=len(ordered),
    )
