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
    """Every question of the course: each quiz's own, and those a module keeps in its bank."""
    return [q for m in load()["modules"] for q in m["quiz"]["questions"] + m.get("bank", [])]


def parts(q: dict, lang: str) -> Iterator[tuple[str, str]]:
    """(name, text) of the parts of a question besides its text: choices, accepted answers,
    matching pairs, ordering items, rubric criteria."""
    en = "" if lang == "id" else "_en"
    for i, c in enumerate(q.get("choices", [])):
        yield f"choice{i}", c["text" + en]
    if lang == "id":  # accepted answers are what a learner types in Indonesian
        for i, a in enumerate(q.get("answers", [])):
            yield f"answer{i}", a["text"]
    for i, p in enumerate(q.get("pairs", [])):
        yield f"prompt{i}", p["prompt" + en]
        yield f"match{i}", p["answer" + en]
    for i, item in enumerate(q.get("items", [])):
        yield f"item{i}", item["text" + en]
    for i, c in enumerate(q.get("rubric", [])):
        yield f"criterion{i}", c["criterion" + en]


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
        for q in m["quiz"]["questions"] + m.get("bank", []):
            for f in ("text", "explanation"):
                yield f"{q['key']}.{f}", q[f + suffix]
            for name, text in parts(q, lang):
                yield f"{q['key']}.{name}", text


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


# What the course holds of each type and kind (issue 13 with the types of issue 6); a change
# here is a change of the assessment, to be made on purpose.
TYPES = {
    "single": 31,
    "multiple": 11,
    "true_false": 13,
    "short_answer": 1,
    "matching": 1,
    "ordering": 1,
    "essay": 1,
}
KIND_COUNTS = {"scenario": 26, "understanding": 13, "recall": 18, "logistics": 2}
FINAL_QUIZ = "kuis-akhir-pelayanan-humanis"
FINAL_DRAWS = {
    "pengantar-bimtek": 1,
    "pelayanan-humanis": 2,
    "ujung-tombak-pelayanan": 2,
    "keseragaman-pola-tindak": 2,
    "sikap-dan-tutur-kata": 2,
    "integritas-dan-soliditas": 3,
    "3s-dan-kepercayaan-publik": 2,
}


def test_the_counts_per_type_and_kind():
    assert Counter(q["type"] for q in questions()) == TYPES
    assert Counter(q["kind"] for q in questions()) == KIND_COUNTS


def test_the_new_types_are_where_they_fit():
    by_key = {q["key"]: q for q in questions()}
    assert by_key["m7-urutan-pertemuan-spkt"]["type"] == "ordering"
    assert by_key["m7-urutan-pertemuan-spkt"]["kind"] == "scenario"
    assert by_key["m2-jodohkan-perilaku-prinsip"]["type"] == "matching"
    assert by_key["m2-jodohkan-perilaku-prinsip"]["kind"] == "understanding"
    short = by_key["m7-isian-kata-3s"]
    assert short["type"] == "short_answer" and short["kind"] == "recall"
    assert [a["text"] for a in short["answers"]] == ["salam"] and not short.get("case_sensitive")
    assert "m7-kepanjangan-3s" not in by_key  # retired: the short answer asks it now
    essays = [q for q in questions() if q["type"] == "essay"]
    assert essays and all(q["kind"] == "scenario" for q in essays)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_part_of_a_question_is_in_both_languages(lang):
    for q in questions():
        for name, text in parts(q, lang):
            assert text.strip(), (q["key"], name, lang)


def test_every_essay_is_graded_by_a_rubric_worth_its_points():
    for q in (q for q in questions() if q["type"] == "essay"):
        rubric = q["rubric"]
        assert len(rubric) >= 3, q["key"]
        assert all(isinstance(c["points"], int) and c["points"] >= 1 for c in rubric), q["key"]
        assert sum(c["points"] for c in rubric) == q["points"], q["key"]


def test_the_final_quiz_draws_from_every_module():
    modules = load()["modules"]
    final = modules[-1]["quiz"]
    assert final["slug"] == FINAL_QUIZ
    assert (final["pass_mark"], final["time_limit_seconds"], final["max_attempts"]) == (70, 1200, 3)
    draws = {s["module"]: s["count"] for s in final["slots"]}
    assert len(draws) == len(final["slots"])
    assert draws == FINAL_DRAWS
    # Every other module's category, each able to give what is drawn from it.
    others = {m["slug"]: m["quiz"]["questions"] for m in modules[:-1]}
    assert draws.keys() == others.keys()
    assert all(len(others[slug]) >= n for slug, n in draws.items())
    # Its own question, in every attempt beside the draw: the scenario essay, graded by rubric.
    assert [(q["type"], q["kind"]) for q in final["questions"]] == [("essay", "scenario")]
    assert not modules[-1].get("bank")


def test_nothing_is_left_pending():
    assert "pending_issue_6" not in CONTENT.read_text(encoding="utf-8")
