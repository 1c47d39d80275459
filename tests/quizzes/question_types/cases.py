"""Hypothesis strategies for every registered question type: frozen questions with their keys,
the same question under another key, and the answer that earns full marks. A new type adds its
`Case` here; `test_registry` fails until it does."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import strategies as st

from quizzes.question_types import MULTIPLE, SINGLE, TRUE_FALSE

# Planted in every place a key or an explanation may live: the learner must never see it.
SECRET = "RAHASIA-KUNCI"
FOREIGN_IDS = st.integers(10_000, 10_010)  # never the id of a generated choice


@dataclass(frozen=True)
class Case:
    questions: st.SearchStrategy[dict[str, Any]]
    """One question of a frozen spec, keys included."""
    rekeyed: Callable[[dict[str, Any]], st.SearchStrategy[dict[str, Any]]]
    """The same question (same ids, texts and points) under any other valid key."""
    responses: Callable[[dict[str, Any]], st.SearchStrategy[Any]]
    """Any stored answer to the question (what grading may be given), right, wrong or odd."""
    full_marks: Callable[[dict[str, Any]], Any]
    """The stored answer (what the type's `clean_answer` returns) that earns full marks."""


def _common(draw: st.DrawFn, type_: str) -> dict[str, Any]:
    return {
        "id": draw(st.integers(1, 10**6)),
        "key": draw(st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)),
        "type": type_,
        "text": draw(st.text(max_size=40)),
        "text_en": draw(st.text(max_size=40)),
        "explanation": SECRET,
        "explanation_en": SECRET,
        "points": draw(st.integers(1, 10)),
    }


def _correct_sets(type_: str, n: int) -> st.SearchStrategy[set[int]]:
    """Which positions among n choices are correct, as the type's keys allow."""
    if type_ == MULTIPLE:
        return st.sets(st.integers(0, n - 1), min_size=1, max_size=n - 1)
    return st.integers(0, n - 1).map(lambda i: {i})


def choice_question(type_: str) -> st.SearchStrategy[dict[str, Any]]:
    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        n = 2 if type_ == TRUE_FALSE else draw(st.integers(2, 8))
        ids = draw(st.lists(st.integers(1, 9_999), min_size=n, max_size=n, unique=True))
        texts = draw(st.lists(st.text(max_size=20), min_size=n, max_size=n))
        correct = draw(_correct_sets(type_, n))
        return {
            **_common(draw, type_),
            "choices": [
                {"id": cid, "text": text, "text_en": text, "is_correct": i in correct}
                for i, (cid, text) in enumerate(zip(ids, texts, strict=True))
            ],
        }

    return build()


def choice_rekeyed(question: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    choices = question["choices"]
    return _correct_sets(question["type"], len(choices)).map(
        lambda correct: {
            **question,
            "choices": [{**c, "is_correct": i in correct} for i, c in enumerate(choices)],
        }
    )


def choice_responses(question: dict[str, Any]) -> st.SearchStrategy[list[int]]:
    """Picks among the question's choices, repeated or not, with ids of no choice mixed in."""
    ids = [c["id"] for c in question["choices"]]
    return st.lists(st.sampled_from(ids) | FOREIGN_IDS, max_size=len(ids) + 2)


def choice_full_marks(question: dict[str, Any]) -> list[int]:
    return [c["id"] for c in question["choices"] if c["is_correct"]]


def choice_case(type_: str) -> Case:
    return Case(
        questions=choice_question(type_),
        rekeyed=choice_rekeyed,
        responses=choice_responses,
        full_marks=choice_full_marks,
    )


def choice_spec(type_: str, correct: list[bool]) -> dict[str, Any]:
    """A small frozen choice question: id 7, 2 points, choice ids 10, 11, ... in this order."""
    return {
        "id": 7,
        "type": type_,
        "points": 2,
        "choices": [
            {"id": 10 + i, "text": f"C{i}", "text_en": f"C{i}", "is_correct": ok}
            for i, ok in enumerate(correct)
        ],
    }


CASES: dict[str, Case] = {t: choice_case(t) for t in (SINGLE, MULTIPLE, TRUE_FALSE)}

# Names under which a key (or what gives one away) may travel; none may reach a learner while
# an attempt is open.
KEY_NAMES = frozenset(
    {
        "is_correct",
        "correct",
        "correct_choices",
        "correct_ids",
        "weight",
        "tolerance",
        "feedback",
        "general_feedback",
        "explanation",
        "explanation_en",
        "rubric",
    }
)


def names_in(value: Any) -> set[str]:
    """Every mapping key anywhere inside a JSON-like value."""
    if isinstance(value, dict):
        return set(value) | {n for v in value.values() for n in names_in(v)}
    if isinstance(value, list | tuple):
        return {n for v in value for n in names_in(v)}
    return set()
