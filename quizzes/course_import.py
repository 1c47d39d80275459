"""Importing a course described as data (quizzes/content/): the course, its modules and
lessons (courses) and its quizzes with their questions (this app), keyed by slugs and, for
questions, by their `key`.

Two ways in: `course_import` creates what is missing and leaves what exists alone (a re-seed
never undoes an instructor's edits); `course_update_from_data` brings an existing course in line
with the data (a new edition of the content), through the authoring services, and publishes new
quiz versions. Attempts are graded against their QuizVersion's frozen spec, never against the
draft bank, so changing or removing draft questions leaves every attempt and certificate as it
was."""

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from courses import services as course_services
from courses.models import Course, Lesson, Module
from quizzes import services as quiz_services
from quizzes.models import Question, Quiz

COURSE_FIELDS = [
    "title",
    "title_en",
    "description",
    "description_en",
    "required_functions",
    "certificate_validity_days",
    "certificate_validity_months",
    "recertification_window_days",
]
LESSON_FIELDS = ["title", "title_en", "body", "body_en"]
QUIZ_FIELDS = ["title", "title_en", "pass_mark", "time_limit_seconds", "max_attempts", "review"]
QUESTION_FIELDS = ["key", "type", "text", "text_en", "explanation", "explanation_en", "points"]


def _pick(data: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {f: data[f] for f in fields if f in data}


@transaction.atomic
def course_import(*, data: dict[str, Any], publish: bool = True) -> Course:
    """Create what is missing of a course described as data (see quizzes/content/), keyed by
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
                defaults={"order": l_order, **_pick(lesson, LESSON_FIELDS)},
            )
        if "quiz" in m:
            _import_quiz(module=module, data=m["quiz"], publish=publish)
    if publish and course.status != Course.Status.PUBLISHED:
        course.status = Course.Status.PUBLISHED
        course.save(update_fields=["status"])
    return course


def _import_quiz(*, module: Module, data: dict[str, Any], publish: bool) -> Quiz:
    quiz, _ = Quiz.objects.get_or_create(module=module, slug=data["slug"], defaults=_pick(data, QUIZ_FIELDS))
    existing = set(quiz.questions.values_list("key", flat=True))
    # The bank files each module's questions under its theme: course title / module title.
    theme = quiz_services.category_at(path=[module.course.title, module.title]) if data["questions"] else None
    for order, q in enumerate(data["questions"], start=1):
        if q["key"] in existing:
            continue
        quiz_services.question_save(
            quiz=quiz,
            data={"order": order, "category": theme, **_pick(q, QUESTION_FIELDS)},
            choices=q["choices"],
        )
    if publish and not quiz.versions.exists():
        quiz_services.quiz_publish(quiz=quiz)
    return quiz


@dataclass
class UpdateReport:
    """What `course_update_from_data` changed: question keys per quiz slug, and the numbers of
    the versions it published."""

    created: dict[str, list[str]] = field(default_factory=dict)
    changed: dict[str, list[str]] = field(default_factory=dict)
    retired: dict[str, list[str]] = field(default_factory=dict)
    published: dict[str, int] = field(default_factory=dict)
    texts_changed: list[str] = field(default_factory=list)

    def summary(self) -> str:
        def n(d: dict[str, list[str]]) -> int:
            return sum(len(v) for v in d.values())

        versions = ", ".join(f"{slug} v{number}" for slug, number in self.published.items()) or "none"
        return (
            f"questions: {n(self.created)} new, {n(self.changed)} changed, {n(self.retired)} retired; "
            f"course, module and lesson texts changed: {len(self.texts_changed)}; "
            f"versions published: {versions}"
        )


@transaction.atomic
def course_update_from_data(*, data: dict[str, Any]) -> tuple[Course, UpdateReport]:
    """Bring the course described by `data` in line with it, creating it if it is missing:
    course, module, lesson and quiz texts take the data's values; each quiz's draft bank becomes
    the data's questions (same key: updated in place when it differs; new key: added; a key the
    data no longer has: removed from the draft bank, i.e. retired); every quiz whose questions
    changed gets a new published version. Published versions keep their frozen questions, so
    attempts, their review and the certificates they earned keep their meaning. Running it
    again changes nothing. Modules, lessons and quizzes missing from the data are left alone."""
    report = UpdateReport()
    in_course = Question.objects.filter(quiz__module__course__slug=data["course"]["slug"])
    before = set(in_course.values_list("quiz__slug", "key"))
    course = course_import(data=data, publish=False)  # adds what is missing, new question keys included
    for m in data["modules"]:
        if "quiz" in m:
            slug = m["quiz"]["slug"]
            new = [q["key"] for q in m["quiz"]["questions"] if (slug, q["key"]) not in before]
            if new:
                report.created[slug] = new
    course_changes = _changes(course, _pick(data["course"], COURSE_FIELDS))
    if course_changes:
        course_services.course_update(course=course, data=course_changes)  # type: ignore[arg-type]
        report.texts_changed.append(f"course {course.slug}")
    for m_order, m in enumerate(data["modules"], start=1):
        module = course.modules.get(slug=m["slug"])
        module_changes = _changes(
            module, {"order": m_order, "title": m["title"], "title_en": m.get("title_en", "")}
        )
        if module_changes:
            course_services.module_update(module=module, data=module_changes)  # type: ignore[arg-type]
            report.texts_changed.append(f"module {module.slug}")
        for l_order, lesson_data in enumerate(m.get("lessons", []), start=1):
            lesson = module.lessons.get(slug=lesson_data["slug"])
            lesson_changes = _changes(lesson, {"order": l_order, **_pick(lesson_data, LESSON_FIELDS)})
            if lesson_changes:
                course_services.lesson_update(lesson=lesson, data=lesson_changes)  # type: ignore[arg-type]
                report.texts_changed.append(f"lesson {lesson.slug}")
        if "quiz" in m:
            _update_quiz(quiz=module.quizzes.get(slug=m["quiz"]["slug"]), data=m["quiz"], report=report)
    if course.status != Course.Status.PUBLISHED:
        course_services.course_update(course=course, data={"status": Course.Status.PUBLISHED})
    return course, report


def _changes(instance: Any, wanted: dict[str, Any]) -> dict[str, Any]:
    return {f: v for f, v in wanted.items() if getattr(instance, f) != v}


def _choices_of(question: Question) -> list[dict[str, Any]]:
    return [
        {"text": c.text, "text_en": c.text_en, "is_correct": c.is_correct} for c in question.choices.all()
    ]


def _wanted_choices(q: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {"text": c["text"], "text_en": c.get("text_en", ""), "is_correct": bool(c.get("is_correct"))}
        for c in q["choices"]
    ]


def _update_quiz(*, quiz: Quiz, data: dict[str, Any], report: UpdateReport) -> None:
    quiz_changes = _changes(quiz, _pick(data, QUIZ_FIELDS))
    if quiz_changes:
        quiz_services.quiz_update(quiz=quiz, data=quiz_changes)  # type: ignore[arg-type]
    bank = {q.key: q for q in quiz.questions.prefetch_related("choices")}
    wanted_keys = {q["key"] for q in data["questions"]}
    for key in sorted(bank.keys() - wanted_keys):
        quiz_services.question_delete(question=bank.pop(key))
        report.retired.setdefault(quiz.slug, []).append(key)
    for order, q in enumerate(data["questions"], start=1):
        fields = {"order": order, **_pick(q, QUESTION_FIELDS)}
        question = bank.get(q["key"])
        if question is None:  # course_import has added every new key
            continue
        if _changes(question, fields) or _choices_of(question) != _wanted_choices(q):
            if _choices_of(question) == _wanted_choices(q) and set(_changes(question, fields)) == {"order"}:
                # Only moved: keep the choices (and their ids) as they are.
                question.order = order
                question.save(update_fields=["order"])
            else:
                quiz_services.question_save(
                    quiz=quiz, data=fields, choices=_wanted_choices(q), question=question
                )
                report.changed.setdefault(quiz.slug, []).append(q["key"])
    latest = quiz.versions.order_by("-number").first()
    version = quiz_services.quiz_publish(quiz=quiz)
    if latest is None or version.pk != latest.pk:
        report.published[quiz.slug] = version.number
