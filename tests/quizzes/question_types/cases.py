"""Hypothesis strategies for every registered question type: frozen questions with their keys,
the same question under another key, and the answer that earns full marks. A new type adds its
`Case` here; `test_registry` fails until it does."""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from quizzes.question_types import (
    ESSAY,
    MATCHING,
    MULTIPLE,
    NUMERIC,
    ORDERING,
    SHORT_ANSWER,
    SINGLE,
    TRUE_FALSE,
)

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


WEIGHTS = st.sampled_from([None, 100, 50, 25, 0, -50, -100])
TEXTS = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=15).filter(
    str.strip
)


# --- Short answer ---


@st.composite
def short_answer_question(draw: st.DrawFn) -> dict[str, Any]:
    answers = draw(
        st.lists(st.fixed_dictionaries({"text": TEXTS, "weight": WEIGHTS}), min_size=1, max_size=4)
    )
    answers[draw(st.integers(0, len(answers) - 1))]["weight"] = 100
    return {
        **_common(draw, SHORT_ANSWER),
        "answers": [{**a, "feedback": SECRET} for a in answers],
        "case_sensitive": draw(st.booleans()),
    }


def short_answer_rekeyed(question: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return short_answer_question().map(lambda other: {**question, "answers": other["answers"]})


def short_answer_full_marks(question: dict[str, Any]) -> str:
    best = next(a["text"] for a in question["answers"] if a["weight"] == 100)
    return best.replace("*", "x")  # the wildcard takes any text


# --- Numeric ---

NUMBERS = st.decimals(min_value=-10_000, max_value=10_000, places=2, allow_nan=False, allow_infinity=False)


@st.composite
def numeric_question(draw: st.DrawFn) -> dict[str, Any]:
    answers = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "value": NUMBERS.map(str),
                    "tolerance": st.sampled_from(["0", "0.5", "2"]),
                    "weight": WEIGHTS,
                }
            ),
            min_size=1,
            max_size=3,
        )
    )
    answers[draw(st.integers(0, len(answers) - 1))]["weight"] = 100
    return {**_common(draw, NUMERIC), "answers": [{**a, "feedback": SECRET} for a in answers]}


def numeric_rekeyed(question: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return numeric_question().map(lambda other: {**question, "answers": other["answers"]})


def numeric_full_marks(question: dict[str, Any]) -> Decimal:
    return Decimal(next(a["value"] for a in question["answers"] if a["weight"] == 100))


# --- Matching: prompt ids 1000.., answer ids 2000.. (never in order of their pairs) ---


@st.composite
def matching_question(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 5))
    extra = draw(st.integers(0, 2))
    prompts = draw(st.lists(TEXTS, min_size=n, max_size=n, unique_by=str.strip))
    answers = draw(st.lists(TEXTS, min_size=n + extra, max_size=n + extra))
    prompt_ids = draw(st.lists(st.integers(1000, 1999), min_size=n, max_size=n, unique=True))
    answer_ids = draw(st.lists(st.integers(2000, 2999), min_size=n + extra, max_size=n + extra, unique=True))
    pairs = [
        {
            "prompt": prompts[i] if i < n else "",
            "answer": answers[i],
            "prompt_id": (prompt_ids + [3000 + i] * 3)[i],
            "answer_id": answer_ids[i],
        }
        for i in range(n + extra)
    ]
    return {**_common(draw, MATCHING), "pairs": pairs}


def matching_rekeyed(question: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    pairs = question["pairs"]
    answers = [(p["answer"], p["answer_id"]) for p in pairs]
    return st.permutations(answers).map(
        lambda shuffled: {
            **question,
            "pairs": [
                {**p, "answer": a, "answer_id": aid} for p, (a, aid) in zip(pairs, shuffled, strict=True)
            ],
        }
    )


def matching_responses(question: dict[str, Any]) -> st.SearchStrategy[list[list[int]]]:
    prompt_ids = [p["prompt_id"] for p in question["pairs"]]
    answer_ids = [p["answer_id"] for p in question["pairs"]]
    return st.lists(
        st.tuples(st.sampled_from(prompt_ids) | FOREIGN_IDS, st.sampled_from(answer_ids) | FOREIGN_IDS).map(
            list
        ),
        max_size=len(prompt_ids) + 2,
    )


def matching_full_marks(question: dict[str, Any]) -> list[list[int]]:
    return [[p["prompt_id"], p["answer_id"]] for p in question["pairs"] if p["prompt"].strip()]


# --- Ordering ---


@st.composite
def ordering_question(draw: st.DrawFn) -> dict[str, Any]:
    n = draw(st.integers(2, 7))
    ids = draw(st.lists(st.integers(1, 9_999), min_size=n, max_size=n, unique=True))
    texts = draw(st.lists(TEXTS, min_size=n, max_size=n))
    return {
        **_common(draw, ORDERING),
        "items": [{"id": i, "text": t} for i, t in zip(ids, texts, strict=True)],
        "scoring": draw(st.sampled_from(["subsequence", "position"])),
    }


def ordering_rekeyed(question: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.permutations(question["items"]).map(lambda items: {**question, "items": list(items)})


def ordering_responses(question: dict[str, Any]) -> st.SearchStrategy[list[int]]:
    ids = [i["id"] for i in question["items"]]
    return st.permutations(ids).map(list) | st.lists(
        st.sampled_from(ids) | FOREIGN_IDS, max_size=len(ids) + 2
    )


# --- Essay ---


@st.composite
def essay_question(draw: st.DrawFn) -> dict[str, Any]:
    criteria = draw(st.lists(TEXTS, max_size=4, unique_by=str.strip))
    return {
        **_common(draw, ESSAY),
        "rubric": [{"criterion": c, "points": draw(st.integers(1, 5))} for c in criteria],
    }


def essay_rekeyed(question: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    return essay_question().map(lambda other: {**question, "rubric": other["rubric"]})


CASES: dict[str, Case] = {t: choice_case(t) for t in (SINGLE, MULTIPLE, TRUE_FALSE)}
CASES[SHORT_ANSWER] = Case(
    questions=short_answer_question(),
    rekeyed=short_answer_rekeyed,
    responses=lambda q: st.text(max_size=30) | st.sampled_from([a["text"] for a in q["answers"]]),
    full_marks=short_answer_full_marks,
)
CASES[NUMERIC] = Case(
    questions=numeric_question(),
    rekeyed=numeric_rekeyed,
    responses=lambda q: NUMBERS | st.sampled_from([Decimal(a["value"]) for a in q["answers"]]),
    full_marks=numeric_full_marks,
)
CASES[MATCHING] = Case(
    questions=matching_question(),
    rekeyed=matching_rekeyed,
    responses=matching_responses,
    full_marks=matching_full_marks,
)
CASES[ORDERING] = Case(
    questions=ordering_question(),
    rekeyed=ordering_rekeyed,
    responses=ordering_responses,
    full_marks=lambda q: [i["id"] for i in q["items"]],
)
CASES[ESSAY] = Case(
    questions=essay_question(),
    rekeyed=essay_rekeyed,
    responses=lambda q: st.text(max_size=50),
    full_marks=lambda q: None,  # graded by hand: automatic grading never gives full marks
)

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
        "answer",
        "answers_key",
        "case_sensitive",
        "pairs",
        "correct_order",
        "correct_pairs",
        "scoring",
        "prompt_id",
        "answer_id",
    }
)


def names_in(value: Any) -> set[str]:
    """Every mapping key anywhere inside a JSON-like value."""
    if isinstance(value, dict):
        return set(value) | {n for v in value.values() for n in names_in(v)}
    if isinstance(value, list | tuple):
        return {n for v in value for n in names_in(v)}
    return set()
