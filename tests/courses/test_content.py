"""The seeded briefing course as an assessment (issue 13): properties the content keeps whoever
edits it next. Pure reads of quizzes/content/briefing_course.json and of the briefing it is
drawn from (../shared/briefing/ beside the clone, as in CI); no database."""

import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CONTENT = REPO / "quizzes" / "content" / "briefing_course.json"
BRIEFING = REPO.parent / "shared" / "briefing"

KINDS = {"scenario", "understanding", "recall", "logistics"}
# Where a question's fact comes from; a quotation of the speaker is recall of the wording.
FACT_SOURCES = ("briefing: ", "briefing (quotation): ", "general practice: ", "briefing + general practice: ")
# English words that have no business in the Indonesian (`id`) texts.
ENGLISH_WORDS = {"the", "and", "officer", "salute", "with", "you", "your", "of", "is", "are", "please"}
# A quotation of the speaker is set in “curly quotes”; straight quotes are for dialogue in
# examples and for terms. A straight-quoted passage that reads like the briefing must be exact too.
CURLY = re.compile(r"“([^”]+)”")
STRAIGHT = re.compile(r'"([^"]+)"')


def load() -> dict:
    return json.loads(CONTENT.read_text(encoding="utf-8"))


def questions() -> list[dict]:
    return [q for m in load()["modules"] for q in m["quiz"]["questions"]]


def briefing() -> str:
    texts = sorted(BRIEFING.glob("*.txt"))
    assert texts, f"the briefing is expected in {BRIEFING} (shared/ beside the clone)"
    return "\n".join(t.read_text(encoding="utf-8") for t in texts)


def texts(lang: str) -> Iterator[tuple[str, str]]:
    """(where, text) of every text of the course in one language (`id` or `en`)."""
    suffix = "" if lang == "id" else "_en"
    data = load()
    for f in ("title", "description"):
        yield f"course.{f}", data["course"][f + suffix]
    for m in data["modules"]:
        yield m["slug"], m["title" + suffix]
        for lesson in m["lessons"]:
            for f in ("title", "body"):
                yield f"{lesson['slug']}.{f}", lesson[f + suffix]
        yield m["quiz"]["slug"], m["quiz"]["title" + suffix]
        for q in m["quiz"]["questions"]:
            for f in ("text", "explanation"):
                yield f"{q['key']}.{f}", q[f + suffix]
            for i, c in enumerate(q["choices"]):
                yield f"{q['key']}.choice{i}", c["text" + suffix]


def is_quotation_recall(q: dict) -> bool:
    return q["kind"] == "recall" and (
        q["fact"].startswith("briefing (quotation): ") or bool(CURLY.search(q["text"]))
    )


def right_is_longest(q: dict, field: str) -> bool:
    right = [len(c[field]) for c in q["choices"] if c["is_correct"]]
    wrong = [len(c[field]) for c in q["choices"] if not c["is_correct"]]
    return max(right) >= max(wrong)


def test_every_question_says_its_kind_and_where_its_fact_comes_from():
    for q in questions():
        assert q.get("kind") in KINDS, q["key"]
        assert q.get("fact", "").startswith(FACT_SOURCES), q["key"]


def test_scenarios_are_at_least_two_fifths_of_the_questions():
    kinds = Counter(q["kind"] for q in questions())
    assert kinds["scenario"] / sum(kinds.values()) >= 0.4, kinds


def test_event_logistics_and_quotation_recall_stay_small():
    qs = questions()
    assert sum(q["kind"] == "logistics" for q in qs) <= 2
    assert sum(is_quotation_recall(q) for q in qs) <= 0.1 * len(qs)


@pytest.mark.parametrize("field", ["text", "text_en"])
def test_the_right_choice_is_the_longest_in_at_most_a_third_of_single_choice_questions(field):
    singles = [q for q in questions() if q["type"] == "single"]
    longest = [q["key"] for q in singles if right_is_longest(q, field)]
    assert len(longest) <= len(singles) / 3, longest


def test_the_number_of_right_choices_varies_across_multiple_choice_questions():
    multiples = [q for q in questions() if q["type"] == "multiple"]
    right = Counter(sum(c["is_correct"] for c in q["choices"]) for q in multiples)
    assert len(right) >= 3, right
    assert max(right.values()) <= len(multiples) / 2, right
    for q in multiples:
        assert "(Pilih semua jawaban yang benar.)" in q["text"], q["key"]
        assert "(Select all that apply.)" in q["text_en"], q["key"]


def test_no_english_words_in_the_indonesian_texts():
    for where, text in texts("id"):
        words = set(re.findall(r"[a-z]+", text.lower()))
        assert not words & ENGLISH_WORDS, (where, words & ENGLISH_WORDS)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_quotation_of_the_speaker_is_exact(lang):
    source = briefing()
    vocabulary = set(re.findall(r"\w+", source.lower()))
    for where, text in texts(lang):
        for quoted in CURLY.findall(text):
            assert quoted in source, (where, quoted)
        for quoted in STRAIGHT.findall(text):
            words = re.findall(r"\w+", quoted.lower())
            # Five words or more, nearly all of them the briefing's: a quotation, so exact.
            if len(words) >= 5 and sum(w in vocabulary for w in words) >= 0.8 * len(words):
                assert quoted in source, (where, quoted)


def test_the_source_is_cited_in_the_description_and_the_first_lesson():
    data = load()
    first = data["modules"][0]["lessons"][0]
    title = briefing().splitlines()[0].strip()
    for text, date in [
        (data["course"]["description"], "1 Februari 2026"),
        (first["body"], "1 Februari 2026"),
        (data["course"]["description_en"], "1 February 2026"),
        (first["body_en"], "1 February 2026"),
    ]:
        assert f"“{title}”" in text and "Fbinews" in text and date in text


def test_the_3s_salam_is_never_a_salute():
    for where, text in texts("en"):
        assert "salute" not in text.lower() or "hormat" in text, where
