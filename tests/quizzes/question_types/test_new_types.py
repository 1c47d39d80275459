"""Short answer, numeric, matching, ordering and essay (quizzes/question_types/)."""

import random
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from core.errors import ServiceError
from quizzes import question_types
from quizzes.grading import QuestionSpec, grade_question
from quizzes.question_types.numeric import parse_number
from quizzes.question_types.ordering import longest_ordered
from quizzes.question_types.short_answer import matches, normalise


def _grade(spec, response):
    return grade_question(QuestionSpec.from_spec({"id": 1, "points": 4, **spec}), response)


# --- Short answer ---


@pytest.mark.parametrize(
    ("accepted", "given"),
    [
        ("Senyum, sapa, salam", "senyum sapa salam"),
        ("Senyum, sapa, salam", "  SENYUM   sapa,salam!! "),
        ("Polisi Lalu Lintas", "polisi lalu-lintas"),
        ("café", "CAFE"),
        ("Pelayanan humanis", "pelayanan humanis."),
        ("senyum*", "Senyum dan sapa"),
        ("*lantas*", "Satuan Lantas Polda"),
        ("s*m", "salam"),
    ],
)
def test_an_accepted_answer_matches_whatever_the_case_accents_and_punctuation(accepted, given):
    assert matches(accepted, given)


@pytest.mark.parametrize(
    ("accepted", "given"),
    [("senyum", "senyu"), ("senyum", "senyum sapa"), ("s*m", "salah"), ("24", "2 4x")],
)
def test_other_words_do_not_match(accepted, given):
    assert not matches(accepted, given)


def test_case_counts_when_the_question_says_so():
    assert not matches("NRP", "nrp", case_sensitive=True) and matches("NRP", "NRP!", case_sensitive=True)


@given(st.text(max_size=30))
def test_normalising_twice_changes_nothing(text):
    assert normalise(normalise(text)) == normalise(text)


def test_the_best_matching_answer_counts():
    spec = {
        "type": "short_answer",
        "answers": [
            {"text": "sapa*", "weight": 50},
            {"text": "sapa salam", "weight": 100},
            {"text": "*", "weight": -100},
        ],
    }
    assert _grade(spec, "Sapa, salam").score == 4
    assert _grade(spec, "sapa saja").score == 2
    assert _grade(spec, "lain").score == 0  # a negative weight earns nothing, never less
    assert _grade(spec, "   ").score == 0


# --- Numeric ---


@pytest.mark.parametrize(
    ("given", "number"),
    [
        ("2,5", "2.5"),
        ("2.5", "2.5"),
        (2.5, "2.5"),
        (3, "3"),
        ("-0,75", "-0.75"),
        ("1.250,5", "1250.5"),
        ("1,250.5", "1250.5"),
        ("1.000.000", "1000000"),
        (" 12 ", "12"),
        ("1e3", "1000"),
    ],
)
def test_numbers_are_read_as_indonesian_and_english_writers_type_them(given, number):
    assert parse_number(given) == Decimal(number)


@pytest.mark.parametrize(
    "given", ["", "dua", "1,2,3.4.5", "1..2", "1.00.0", "1.000,5,5", "NaN", "inf", True, None, [1], "2,5%"]
)
def test_anything_else_is_not_a_number(given):
    with pytest.raises(ValueError):
        parse_number(given)


def test_a_numeric_answer_within_a_tolerance_or_range_earns_its_weight():
    spec = {
        "type": "numeric",
        "answers": [
            {"value": "1822", "tolerance": "0", "weight": 100},
            {"value": "1822", "tolerance": "2", "weight": 50},
            {"value": "3", "tolerance": "2", "weight": 25},  # the range 1..5
        ],
    }
    assert _grade(spec, Decimal("1822")).score == 4
    assert _grade(spec, Decimal("1820")).score == 2
    assert _grade(spec, Decimal("1819.99")).score == 0
    assert _grade(spec, Decimal("5")).score == 1


def test_a_numeric_answer_is_cleaned_to_four_places():
    numeric = question_types.get("numeric")
    assert numeric.clean_answer({"id": 1}, {}, "2,56789") == Decimal("2.5679")
    with pytest.raises(ServiceError) as err:
        numeric.clean_answer({"id": 1}, {}, "1e9")
    assert err.value.code == "not_a_number"


# --- Matching ---

MATCH = {
    "type": "matching",
    "pairs": [
        {"prompt": "Senyum", "answer": "Wajah", "prompt_id": 11, "answer_id": 21},
        {"prompt": "Sapa", "answer": "Kata", "prompt_id": 12, "answer_id": 22},
        {"prompt": "Salam", "answer": "Kata", "prompt_id": 13, "answer_id": 23},
        {"prompt": "", "answer": "Kaki", "prompt_id": 14, "answer_id": 24},
    ],
}


def test_each_right_pair_earns_its_share_and_answers_written_alike_are_one():
    matching = question_types.get("matching")
    item = {"question": 1, **matching.layout({**MATCH, "id": 1}, random.Random(1))}
    assert sorted(item["prompts"]) == [11, 12, 13] and sorted(item["answers"]) == [21, 22, 24]
    assert _grade(MATCH, [[11, 21], [12, 22], [13, 22]]).score == 4
    assert _grade(MATCH, [[11, 21], [12, 24]]).score == Decimal("1.33")
    assert _grade(MATCH, [[11, 21], [11, 22]]).score == Decimal("1.33")  # a prompt counts once


def test_prepare_gives_ids_and_keeps_those_given():
    matching = question_types.get("matching")
    kept = matching.prepare(
        {
            "pairs": [
                {"prompt": "a", "answer": "b", "prompt_id": 5, "answer_id": 6},
                {"prompt": "c", "answer": "d"},
            ]
        },
        random.Random(0),
    )
    first, second = kept["pairs"]
    assert (first["prompt_id"], first["answer_id"]) == (5, 6)
    assert len({5, 6, second["prompt_id"], second["answer_id"]}) == 4


# --- Ordering ---


@pytest.mark.parametrize(
    ("positions", "length"),
    [([], 0), ([0], 1), ([0, 1, 2], 3), ([2, 1, 0], 1), ([1, 0, 2, 3], 3), ([3, 0, 1, 2], 3)],
)
def test_the_longest_ordered_subsequence(positions, length):
    assert longest_ordered(positions) == length


@pytest.mark.parametrize(
    ("scoring", "order", "score"),
    [
        ("subsequence", [1, 2, 3, 4], "4.00"),
        ("subsequence", [4, 1, 2, 3], "3.00"),
        ("subsequence", [4, 3, 2, 1], "0.00"),  # one item alone is no order
        ("position", [4, 1, 2, 3], "0.00"),
        ("position", [1, 2, 4, 3], "2.00"),
    ],
)
def test_ordering_scores_by_the_questions_rule(scoring, order, score):
    spec = {
        "type": "ordering",
        "scoring": scoring,
        "items": [{"id": i, "text": str(i)} for i in (1, 2, 3, 4)],
    }
    assert _grade(spec, order).score == Decimal(score)


def test_the_shown_order_comes_from_the_ids_alone():
    ordering = question_types.get("ordering")
    items = [{"id": i, "text": str(i)} for i in (5, 9, 2)]
    assert ordering.layout({"items": items}, random.Random(3)) == ordering.layout(
        {"items": items[::-1]}, random.Random(3)
    )


# --- Essay ---


def test_an_essay_is_graded_by_hand():
    essay = question_types.get("essay")
    assert essay.graded_by_hand
    assert _grade({"type": "essay", "rubric": [{"criterion": "Empati", "points": 4}]}, "Jawaban").score == 0
    assert essay.review({"rubric": [{"criterion": "Empati", "points": 4}]}) == {
        "rubric": [{"criterion": "Empati", "points": 4}]
    }
