"""Pure grading: question specs and responses in, scores out. No ORM, no clock, no I/O."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "true_false"
CHOICE_TYPES = frozenset({SINGLE, MULTIPLE, TRUE_FALSE})

CENT = Decimal("0.01")


@dataclass(frozen=True)
class QuestionSpec:
    id: int
    type: str
    points: Decimal
    choice_ids: frozenset[int]
    correct_ids: frozenset[int]

    @classmethod
    def from_spec(cls, spec: Mapping) -> "QuestionSpec":
        """Build from one question of a QuizVersion's JSON spec."""
        return cls(
            id=int(spec["id"]),
            type=spec["type"],
            points=Decimal(spec["points"]),
            choice_ids=frozenset(int(c["id"]) for c in spec["choices"]),
            correct_ids=frozenset(int(c["id"]) for c in spec["choices"] if c["is_correct"]),
        )


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


def _fraction_correct(spec: QuestionSpec, selected: frozenset[int]) -> Decimal:
    if spec.type in (SINGLE, TRUE_FALSE):
        # Exactly the one key, nothing else: picking several choices earns nothing.
        return Decimal(1) if selected == spec.correct_ids else Decimal(0)
    if spec.type == MULTIPLE:
        # Partial credit: each right pick earns a share, each wrong pick takes one away,
        # never below zero, so ticking every box earns nothing.
        right = len(selected & spec.correct_ids)
        wrong = len(selected - spec.correct_ids)
        return max(Decimal(0), Decimal(right - wrong) / Decimal(len(spec.correct_ids)))
    raise ValueError(f"unknown question type {spec.type!r}")


def grade_question(spec: QuestionSpec, selected: Iterable[int] | None) -> QuestionGrade:
    """Score one response. `selected` is the chosen choice ids (None: unanswered); ids not
    among the question's choices are ignored."""
    picked = frozenset(selected or ()) & spec.choice_ids
    fraction = _fraction_correct(spec, picked) if picked else Decimal(0)
    score = (spec.points * fraction).quantize(CENT, rounding=ROUND_HALF_UP)
    return QuestionGrade(question_id=spec.id, score=score, max_score=spec.points, correct=fraction == 1)


def grade_attempt(
    questions: Iterable[QuestionSpec],
    responses: Mapping[int, Iterable[int]],
    *,
    pass_mark: int,
) -> AttemptGrade:
    """Grade every question of an attempt; a question without a response scores zero."""
    grades = tuple(grade_question(q, responses.get(q.id)) for q in questions)
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
