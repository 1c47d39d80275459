"""Importing a course described as data (quizzes/content/): the course, its modules and
lessons (courses) and its quizzes with their questions (this app), keyed by slugs."""

from typing import Any

from django.db import transaction

from courses.models import Course, Lesson, Module
from quizzes import services as quiz_services
from quizzes.models import Quiz

COURSE_FIELDS = [
    "title",
    "title_en",
    "description",
    "description_en",
    "required_functions",
    "certificate_validity_days",
]


def _pick(data: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {f: data[f] for f in fields if f in data}


@transaction.atomic
def course_import(*, data: dict[str, Any], publish: bool = True) -> Course:
    """Create what is missing of a course described as data (see courses/content/), keyed by
    slugs; what exists is left as it is, so importing twice changes nothing and an
    instructor's later edits survive a re-seed. Quizzes without a version are published."""
    course, _ = Course.objects.get_or_create(
        slug=data["course"]["slug"], defaults=_pick(data["course"], COURSE_FIELDS)
    )
    for m_order, m in enumerate(data["modules"], start=1):
        module, _ = Module.objects.get_or_create(
            course=course,
            slug=m["slug"],
            defaults={"order": m_order, "title": m["title"], "title_en": m.get("title_en", "")},
        )
        for l_order, lesson in enumerate(m.get("lessons", []), start=1):
            Lesson.objects.get_or_create(
                module=module,
                slug=lesson["slug"],
                defaults={"order": l_order, **_pick(lesson, ["title", "title_en", "body", "body_en"])},
            )
        if "quiz" in m:
            _import_quiz(module=module, data=m["quiz"], publish=publish)
    if publish and course.status != Course.Status.PUBLISHED:
        course.status = Course.Status.PUBLISHED
        course.save(update_fields=["status"])
    return course


def _import_quiz(*, module: Module, data: dict[str, Any], publish: bool) -> Quiz:
    quiz, _ = Quiz.objects.get_or_create(
        module=module,
        slug=data["slug"],
        defaults=_pick(
            data, ["title", "title_en", "pass_mark", "time_limit_seconds", "max_attempts", "review"]
        ),
    )
    existing = set(quiz.questions.values_list("key", flat=True))
    # The bank files each module's questions under its theme: course title / module title.
    theme = quiz_services.category_at(path=[module.course.title, module.title]) if data["questions"] else None
    for order, q in enumerate(data["questions"], start=1):
        if q["key"] in existing:
            continue
        quiz_services.question_save(
            quiz=quiz,
            data={
                "order": order,
                "category": theme,
                **_pick(q, ["key", "type", "text", "text_en", "explanation", "explanation_en", "points"]),
            },
            choices=q["choices"],
        )
    if publish and not quiz.versions.exists():
        quiz_services.quiz_publish(quiz=quiz)
    return quiz
