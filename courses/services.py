"""Writes of courses: authoring courses, modules and lessons; importing a course with its
modules, lessons and quizzes."""

from collections.abc import Sequence
from datetime import date
from typing import Any, TypedDict

from django.db import transaction

from core.services import model_assign, save_unique
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
    for order, q in enumerate(data["questions"], start=1):
        if q["key"] in existing:
            continue
        quiz_services.question_save(
            quiz=quiz,
            data={
                "order": order,
                **_pick(q, ["key", "type", "text", "text_en", "explanation", "explanation_en", "points"]),
            },
            choices=q["choices"],
        )
    if publish and not quiz.versions.exists():
        quiz_services.quiz_publish(quiz=quiz)
    return quiz


# --- Authoring ------------------------------------------------------------------------------
# A slug names one course, one module within its course, one lesson within its module: a
# duplicate is a field error with code `slug_taken` (400). Deleting what attempts or
# certificates still refer to raises ProtectedError (409, code `in_use`) and deletes nothing.


class CourseData(TypedDict, total=False):
    slug: str
    title: str
    title_en: str
    description: str
    description_en: str
    status: str
    required_functions: list[str]
    certificate_validity_days: int | None
    due_date: date | None


class ModuleData(TypedDict, total=False):
    course: Course
    slug: str
    order: int
    title: str
    title_en: str


class LessonData(TypedDict, total=False):
    module: Module
    slug: str
    order: int
    title: str
    title_en: str
    body: str
    body_en: str


def _course_save(course: Course) -> Course:
    # The slug is checked by save_unique, with a code; the other fields here.
    course.full_clean(validate_unique=False, validate_constraints=False)
    return save_unique(
        course,
        among=Course.objects.all(),
        field="slug",
        message=f"Another course has the slug '{course.slug}'.",
        code="slug_taken",
    )


@transaction.atomic
def course_create(
    *,
    slug: str,
    title: str,
    title_en: str = "",
    description: str = "",
    description_en: str = "",
    status: str = Course.Status.DRAFT,
    required_functions: Sequence[str] = (),
    certificate_validity_days: int | None = 730,
    due_date: date | None = None,
) -> Course:
    return _course_save(
        Course(
            slug=slug,
            title=title,
            title_en=title_en,
            description=description,
            description_en=description_en,
            status=status,
            required_functions=list(required_functions),
            certificate_validity_days=certificate_validity_days,
            due_date=due_date,
        )
    )


@transaction.atomic
def course_update(*, course: Course, data: CourseData) -> Course:
    """Change the fields given in `data`; the others keep their values."""
    model_assign(course, data=data, fields=CourseData.__annotations__)
    return _course_save(course)


def course_delete(*, course: Course) -> None:
    """Delete the course with its modules, lessons and quizzes."""
    course.delete()


def _module_save(module: Module) -> Module:
    module.full_clean(exclude=["course"], validate_unique=False, validate_constraints=False)
    return save_unique(
        module,
        among=Module.objects.filter(course=module.course_id),
        field="slug",
        message=f"Another module of this course has the slug '{module.slug}'.",
        code="slug_taken",
    )


@transaction.atomic
def module_create(*, course: Course, slug: str, title: str, title_en: str = "", order: int = 0) -> Module:
    return _module_save(Module(course=course, slug=slug, title=title, title_en=title_en, order=order))


@transaction.atomic
def module_update(*, module: Module, data: ModuleData) -> Module:
    """Change the fields given in `data` (a `course` moves the module there)."""
    model_assign(module, data=data, fields=ModuleData.__annotations__)
    return _module_save(module)


def module_delete(*, module: Module) -> None:
    """Delete the module with its lessons and quizzes."""
    module.delete()


def _lesson_save(lesson: Lesson) -> Lesson:
    lesson.full_clean(exclude=["module"], validate_unique=False, validate_constraints=False)
    return save_unique(
        lesson,
        among=Lesson.objects.filter(module=lesson.module_id),
        field="slug",
        message=f"Another lesson of this module has the slug '{lesson.slug}'.",
        code="slug_taken",
    )


@transaction.atomic
def lesson_create(
    *,
    module: Module,
    slug: str,
    title: str,
    body: str,
    title_en: str = "",
    body_en: str = "",
    order: int = 0,
) -> Lesson:
    return _lesson_save(
        Lesson(
            module=module, slug=slug, title=title, title_en=title_en, body=body, body_en=body_en, order=order
        )
    )


@transaction.atomic
def lesson_update(*, lesson: Lesson, data: LessonData) -> Lesson:
    """Change the fields given in `data` (a `module` moves the lesson there)."""
    model_assign(lesson, data=data, fields=LessonData.__annotations__)
    return _lesson_save(lesson)


def lesson_delete(*, lesson: Lesson) -> None:
    lesson.delete()
