import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db.models import Count

from courses.models import Course, Lesson, Module
from quizzes.models import Choice, Question, QuizVersion

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
    assert set(Question.objects.values_list("type", flat=True)) == {"single", "multiple", "true_false"}


def test_every_lesson_and_question_is_in_both_languages():
    data = json.loads(CONTENT.read_text(encoding="utf-8"))
    for module in data["modules"]:
        for lesson in module["lessons"]:
            assert lesson["body"].strip() and lesson["body_en"].strip()
        for question in module["quiz"]["questions"]:
            assert question["text"].strip() and question["text_en"].strip() and question["fact"]


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
