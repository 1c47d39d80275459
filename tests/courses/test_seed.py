import copy
import json
import os
import subprocess
import sys
from collections import Counter
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

from certificates.models import Certificate
from courses.models import Course, Lesson, Module
from quizzes import selectors as quiz_selectors
from quizzes import services as quiz_services
from quizzes.course_import import course_import
from quizzes.models import Attempt, Category, Choice, Question, Quiz, QuizVersion
from tests import factories

pytestmark = pytest.mark.django_db
CONTENT = Path(__file__).resolve().parents[2] / "quizzes" / "content" / "briefing_course.json"


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Course, Module, Lesson, Question, Choice, QuizVersion))


def test_briefing_course_is_seeded_once_however_often_it_runs():
    call_command("seed_briefing")
    first = counts()
    call_command("seed_briefing")
    assert counts() == first
    course = Course.objects.get(slug="pelayanan-humanis-lantas-spkt")
    assert course.status == Course.Status.PUBLISHED
    modules = course.modules.annotate(
        lessons_n=Count("lessons", distinct=True), quizzes_n=Count("quizzes", distinct=True)
    )
    assert len(modules) >= 5 and all(m.lessons_n >= 1 and m.quizzes_n == 1 for m in modules)
    assert Question.objects.filter(quiz__module__course=course).count() >= 40
    assert set(Question.objects.values_list("type", flat=True)) == {
        "single",
        "multiple",
        "true_false",
        "short_answer",
        "matching",
        "ordering",
        "essay",
    }


def test_the_final_quiz_draws_from_every_module_category(learner):
    call_command("seed_briefing")
    data = json.loads(CONTENT.read_text(encoding="utf-8"))
    final = Quiz.objects.get(slug="kuis-akhir-pelayanan-humanis")
    assert (final.pass_mark, final.time_limit_seconds, final.max_attempts) == (70, 1200, 3)
    categories = {
        m.slug: Category.objects.get(name=m.title, parent__name=m.course.title)
        for m in final.module.course.modules.exclude(pk=final.module_id)
    }
    wanted = {s["module"]: s["count"] for s in data["modules"][-1]["quiz"]["slots"]}
    assert {categories_slug(categories, s.category_id): s.count for s in final.slots.all()} == wanted
    attempt = quiz_services.attempt_start(quiz=final, person=learner)
    shown = Question.objects.filter(pk__in=[item["question"] for item in attempt.layout])
    drawn = [q for q in shown if q.quiz_id != final.pk]
    per_module = Counter(q.quiz.module.slug for q in drawn)
    assert per_module == wanted
    # Besides the draw, every attempt has the final quiz's own essay, graded with its rubric.
    essay = data["modules"][-1]["quiz"]["questions"][0]
    assert [q.key for q in shown if q.quiz_id == final.pk] == [essay["key"]]
    assert len(attempt.layout) == sum(wanted.values()) + 1
    # Answered right, whatever it drew, it waits for the instructor's grading of the essay,
    # then passes with full marks.
    body = {"id": attempt.pk, "questions": quiz_selectors.attempt_questions_public(attempt=attempt)}
    quiz_services.attempt_submit(
        attempt=attempt, answers=[quiz_services.Answer(**a) for a in factories.correct_answers(body)]
    )
    waiting = quiz_services.attempt_grade(attempt_id=attempt.pk)
    assert waiting.status == Attempt.Status.NEEDS_REVIEW and waiting.passed is None
    (item,) = quiz_selectors.reviews_pending(quiz_id=final.pk)
    graded = quiz_services.response_review(
        response_id=item["id"],
        scores=[
            quiz_services.CriterionScore(criterion=c["criterion"], points=c["points"])
            for c in item["question"]["rubric"]
        ],
        reviewer_id=None,
    )
    assert graded.status == Attempt.Status.GRADED and graded.passed and graded.percent == 100


def categories_slug(categories: dict, category_id: int) -> str:
    return next(slug for slug, c in categories.items() if c.pk == category_id)


def test_the_essay_imports_with_its_rubric_and_waits_for_an_instructor_in_the_final_quiz(learner):
    data = json.loads(CONTENT.read_text(encoding="utf-8"))
    essay = data["modules"][-1]["quiz"]["questions"][0]
    course_import(data=data)
    final = Quiz.objects.get(slug="kuis-akhir-pelayanan-humanis")
    held = Question.objects.get(key=essay["key"])
    assert held.quiz == final and held.type == "essay" and held.content["rubric"] == essay["rubric"]
    frozen = [q for q in final.versions.get().spec["questions"] if q["key"] == essay["key"]]
    assert [q["rubric"] for q in frozen] == [essay["rubric"]]
    attempt = quiz_services.attempt_start(quiz=final, person=learner)
    quiz_services.attempt_submit(attempt=attempt)
    assert quiz_services.attempt_grade(attempt_id=attempt.pk).status == Attempt.Status.NEEDS_REVIEW


def test_update_moves_the_essay_an_earlier_seed_kept_in_the_bank_into_the_final_quiz():
    data = json.loads(CONTENT.read_text(encoding="utf-8"))
    earlier = copy.deepcopy(data)
    final_data = earlier["modules"][-1]
    final_data["bank"], final_data["quiz"]["questions"] = final_data["quiz"]["questions"], []
    course_import(data=earlier)
    essay_key = final_data["bank"][0]["key"]
    final = Quiz.objects.get(slug="kuis-akhir-pelayanan-humanis")
    assert Question.objects.filter(key=essay_key, quiz=None).exists()
    assert essay_key not in {q["key"] for q in final.versions.get().spec["questions"]}

    out = StringIO()
    call_command("seed_briefing", "--update", stdout=out)
    assert "1 retired" in out.getvalue()
    assert not Question.objects.filter(key=essay_key, quiz=None).exists()  # retired from the bank
    assert final.questions.get(key=essay_key).type == "essay"
    latest = final.versions.order_by("-number").first()
    assert latest.number == 2 and essay_key in {q["key"] for q in latest.spec["questions"]}
    assert latest.spec["draws"] == final.versions.get(number=1).spec["draws"]
    before = counts()
    call_command("seed_briefing", "--update", stdout=StringIO())
    assert counts() == before


def test_every_lesson_and_question_is_in_both_languages():
    data = json.loads(CONTENT.read_text(encoding="utf-8"))
    for module in data["modules"]:
        for lesson in module["lessons"]:
            assert lesson["body"].strip() and lesson["body_en"].strip()
        for question in module["quiz"]["questions"]:
            assert question["text"].strip() and question["text_en"].strip() and question["fact"]


def an_earlier_edition(data: dict) -> dict:
    """The content as an earlier edition had it: no final examination and only choice
    questions; the first quiz's first question worded otherwise and one more question, since
    retired; other texts changed too. The third quiz is as it is now."""
    old = copy.deepcopy(data)
    old["modules"] = [m for m in old["modules"] if m["slug"] != "ujian-akhir"]
    for m in old["modules"]:
        m["quiz"]["questions"] = [q for q in m["quiz"]["questions"] if "choices" in q]
    old["course"]["description"] = "Deskripsi lama."
    old["modules"][0]["lessons"][0]["body"] = "Isi pelajaran lama."
    questions = old["modules"][0]["quiz"]["questions"]
    questions[0]["text"] = "Pertanyaan lama?"
    questions[0]["choices"][0]["text"] = "Pilihan lama"
    questions.append(
        {
            "key": "lama-sudah-dipensiunkan",
            "type": "single",
            "text": "Pertanyaan yang dipensiunkan?",
            "text_en": "A retired question?",
            "fact": "test",
            "choices": [factories.choice("Ya", True), factories.choice("Tidak")],
        }
    )
    return old


def answer(attempt: Attempt, *, right: bool) -> list[quiz_services.Answer]:
    """Every key right, or one wrong choice per question."""
    return [
        quiz_services.Answer(
            question=q["id"],
            choices=tuple(c["id"] for c in q["choices"] if c["is_correct"] == right)[: None if right else 1],
        )
        for q in attempt.version.spec["questions"]
    ]


def graded(quiz: Quiz, person, *, right: bool) -> Attempt:
    attempt = quiz_services.attempt_start(quiz=quiz, person=person)
    quiz_services.attempt_submit(attempt=attempt, answers=answer(attempt, right=right))
    return quiz_services.attempt_grade(attempt_id=attempt.pk)


def test_update_brings_an_existing_database_to_the_new_content_keeping_attempts_and_certificates(
    learner,
):
    data = json.loads(CONTENT.read_text(encoding="utf-8"))
    course = course_import(data=an_earlier_edition(data))
    Question.objects.update(category=None)  # as seeded before the bank had categories
    first, third = (Quiz.objects.get(slug=data["modules"][i]["quiz"]["slug"]) for i in (0, 2))
    failed = graded(first, learner, right=False)
    assert failed.passed is False
    for quiz in Quiz.objects.filter(module__course=course):
        assert graded(quiz, learner, right=True).passed
    factories.deliver_events()
    certificate = Certificate.objects.get(holder=learner, course=course)
    evidence = set(certificate.evidence.values_list("pk", flat=True))
    attempts = {a.pk: (a.version_id, a.score, a.passed) for a in Attempt.objects.all()}
    old_shown = quiz_selectors.attempt_questions_public(attempt=failed)
    old_review = quiz_selectors.attempt_feedback(attempt=failed)

    out = StringIO()
    call_command("seed_briefing", "--update", stdout=out)
    assert "1 retired" in out.getvalue()

    # Nothing of the learner's history is lost or regraded.
    assert {a.pk: (a.version_id, a.score, a.passed) for a in Attempt.objects.all()} == attempts
    certificate.refresh_from_db()
    assert certificate.current_status == Certificate.Status.VALID
    assert set(certificate.evidence.values_list("pk", flat=True)) == evidence
    failed.refresh_from_db()
    assert quiz_selectors.attempt_questions_public(attempt=failed) == old_shown
    assert quiz_selectors.attempt_feedback(attempt=failed) == old_review
    assert "Pertanyaan yang dipensiunkan?" in {q["text"] for q in old_shown}
    assert "Pertanyaan lama?" in {q["text"] for q in old_shown}

    # The draft bank and the new version are the new content; a quiz that did not change keeps
    # its version.
    wanted = data["modules"][0]["quiz"]["questions"]
    assert list(first.questions.values_list("key", flat=True)) == [q["key"] for q in wanted]
    assert first.questions.get(key=wanted[0]["key"]).text == wanted[0]["text"]
    latest = first.versions.order_by("-number").first()
    assert latest.number == 2 and [q["text"] for q in latest.spec["questions"]] == [q["text"] for q in wanted]
    assert third.versions.count() == 1
    course.refresh_from_db()
    assert course.description == data["course"]["description"]
    assert (
        Lesson.objects.get(slug=data["modules"][0]["lessons"][0]["slug"]).body
        == (data["modules"][0]["lessons"][0]["body"])
    )

    # The new questions and the final quiz are there; those already certified keep their
    # certificate, the others now need the final quiz too.
    new_keys = {q["key"] for m in data["modules"] for q in m["quiz"]["questions"] if "choices" not in q}
    assert new_keys and new_keys <= set(Question.objects.values_list("key", flat=True))
    final = Quiz.objects.get(slug="kuis-akhir-pelayanan-humanis")
    assert final.slots.count() == len(data["modules"]) - 1 and final.versions.count() == 1
    assert final.questions.filter(type="essay").exists()
    # The certificate stands, though its cycle has not passed the final quiz.
    assert quiz_selectors.enrolment_evidence(enrolment=certificate.enrolment) is None
    assert Certificate.objects.filter(holder=learner, course=course).count() == 1

    # New attempts use the new version; updating again changes nothing.
    fresh = quiz_services.attempt_start(quiz=first, person=factories.person())
    assert fresh.version == latest
    before = counts()
    call_command("seed_briefing", "--update", stdout=StringIO())
    assert counts() == before


def test_a_plain_seed_adds_the_final_quiz_to_a_course_seeded_before_categories():
    data = json.loads(CONTENT.read_text(encoding="utf-8"))
    course_import(data=an_earlier_edition(data))
    Question.objects.update(category=None)
    call_command("seed_briefing", stdout=StringIO())
    final = Quiz.objects.get(slug="kuis-akhir-pelayanan-humanis")
    draws = final.versions.get().spec["draws"]
    assert [d["count"] for d in draws] == [s["count"] for s in data["modules"][-1]["quiz"]["slots"]]
    assert all(len(d["pool"]) >= d["count"] for d in draws)
    keys = [q["key"] for m in data["modules"] for q in m["quiz"]["questions"]]
    assert not Question.objects.filter(key__in=keys, category=None).exists()


def test_update_on_an_empty_database_gives_the_same_course_as_a_fresh_seed():
    call_command("seed_briefing", "--update", stdout=StringIO())
    updated = counts()
    call_command("seed_briefing", stdout=StringIO())
    assert counts() == updated and QuizVersion.objects.filter(number__gt=1).count() == 0


def test_demo_accounts_only_in_development(settings):
    settings.DEBUG = False
    with pytest.raises(Exception, match="development databases only"):
        call_command("seed_demo")


def test_production_settings_pass_check_deploy(tmp_path):
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "x" * 20 + "-production-secret-from-the-environment-1234567890",
        "LENCANA_SIGNING_KEY": "11" * 32,
        "ALLOWED_HOSTS": "lencana.example.go.id",
        "LENCANA_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "DJANGO_DEBUG": "0", "LENCANA_VAR_DIR": str(tmp_path)}
    env.pop("DJANGO_SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0 and "DJANGO_SECRET_KEY must be set" in result.stderr
