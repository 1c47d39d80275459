"""Importing a course described as data (quizzes/content/): the course, its modules and
lessons (courses) and its quizzes with their questions (this app), keyed by slugs and, for
questions, by their `key`.

A question is any registered type: the choice types carry `choices`; the others carry their
type's content as the authoring API takes it (`answers` and `case_sensitive` for short answer,
`pairs` for matching, `items` and `scoring` for ordering, `rubric` for essay). A quiz may draw
questions at random: `slots`, each `{"module": <slug>, "count": N}`, N questions from that
module's category. A module may also keep `bank` questions: in its category, in no quiz.

Two ways in: `course_import` creates what is missing and leaves what exists alone (a re-seed
never undoes an instructor's edits); `course_update_from_data` brings an existing course in line
with the data (a new edition of the content), through the authoring services, and publishes new
quiz versions. Attempts are graded against their QuizVersion's frozen spec, never against the
draft bank, so changing or removing draft questions leaves every attempt and certificate as it
was."""

import random
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from courses import services as course_services
from courses.models import Course, Lesson, Module
from quizzes import question_types
from quizzes import services as quiz_services
from quizzes.models import Category, Question, Quiz

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
QUIZ_FIELDS = [
    "title", "title_en", "pass_mark", "time_limit_seconds", "max_attempts", "cooldown_minutes",
    "grading_method", "review_score", "review_correctness", "review_feedback", "review_answers",
]  # fmt: skip
QUESTION_FIELDS = ["key", "type", "text", "text_en", "explanation", "explanation_en", "points"]
# The content of the types other than the choice types, as the authoring API takes it.
CONTENT_FIELDS = ["answers", "case_sensitive", "pairs", "items", "scoring", "rubric"]
# Ids the types give to parts of their content (kept in `Question.content`, never in the data).
CONTENT_IDS = {"id", "prompt_id", "answer_id"}


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
    quizzes: list[Quiz] = []
    new_quizzes: list[tuple[Quiz, dict[str, Any]]] = []
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
            quiz, created = _import_quiz(module=module, data=m["quiz"])
            quizzes.append(quiz)
            if created:
                new_quizzes.append((quiz, m["quiz"]))
        if m.get("bank"):
            _import_bank(module=module, questions=m["bank"])
    # Slots draw from every module's category, so they come once every module's questions are in.
    for quiz, quiz_data in new_quizzes:
        for order, slot in enumerate(quiz_data.get("slots", []), start=1):
            quiz_services.slot_save(
                quiz=quiz, count=slot["count"], category=_module_category(course, slot["module"]), order=order
            )
    if publish:
        for quiz in quizzes:
            if not quiz.versions.exists():
                quiz_services.quiz_publish(quiz=quiz)
    if publish and course.status != Course.Status.PUBLISHED:
        course.status = Course.Status.PUBLISHED
        course.save(update_fields=["status"])
    return course


def _theme(module: Module) -> Any:
    """The bank's category of a module's questions: course title / module title."""
    return quiz_services.category_at(path=[module.course.title, module.title])


def _module_category(course: Course, slug: str) -> Any:
    return _theme(course.modules.get(slug=slug))


def _content(q: dict[str, Any]) -> dict[str, Any]:
    """The type's content of a question of the data, as the authoring API takes it."""
    return _pick(q, CONTENT_FIELDS)


def _question_save(
    *,
    quiz: Quiz | None,
    q: dict[str, Any],
    order: int,
    category: Any = None,
    question: Question | None = None,
) -> Question:
    data = {"order": order, **_pick(q, QUESTION_FIELDS)}
    if question is None:
        data["category"] = category
    return quiz_services.question_save(
        quiz=quiz, data=data, choices=_wanted_choices(q), content=_content(q), question=question
    )


def _import_quiz(*, module: Module, data: dict[str, Any]) -> tuple[Quiz, bool]:
    quiz, created = Quiz.objects.get_or_create(
        module=module, slug=data["slug"], defaults=_pick(data, QUIZ_FIELDS)
    )
    existing = set(quiz.questions.values_list("key", flat=True))
    # The bank files each module's questions under its theme: course title / module title.
    theme = _theme(module) if data["questions"] else None
    for order, q in enumerate(data["questions"], start=1):
        if q["key"] not in existing:
            _question_save(quiz=quiz, q=q, order=order, category=theme)
    if theme is not None:
        # Questions seeded before the bank had categories join their module's theme, from
        # which other quizzes (the final one) draw.
        keys = [q["key"] for q in data["questions"]]
        quiz.questions.filter(category=None, key__in=keys).update(category=theme)
    return quiz, created


def _import_bank(*, module: Module, questions: list[dict[str, Any]]) -> None:
    theme = _theme(module)
    existing = set(Question.objects.filter(quiz=None, category=theme).values_list("key", flat=True))
    for order, q in enumerate(questions, start=1):
        if q["key"] not in existing:
            _question_save(quiz=None, q=q, order=order, category=theme)


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
    data no longer has: removed from the draft bank, i.e. retired), and so do a module's `bank`
    questions (in its category, in no quiz); a quiz's random slots become the data's; every
    quiz whose questions or draws changed gets a new published version (quizzes with slots
    last, as they draw from the others' categories). Published versions keep their frozen
    questions, so attempts, their review and the certificates they earned keep their meaning.
    Running it again changes nothing. Modules, lessons and quizzes missing from the data are
    left alone."""
    report = UpdateReport()
    in_course = Question.objects.filter(quiz__module__course__slug=data["course"]["slug"])
    before = set(in_course.values_list("quiz__slug", "key"))
    bank_before = set(Question.objects.filter(quiz=None).values_list("pk", flat=True))
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
    to_publish: list[Quiz] = []
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
        if "bank" in m:
            _update_bank(module=module, questions=m["bank"], report=report, before=bank_before)
        if "quiz" in m:
            quiz = module.quizzes.get(slug=m["quiz"]["slug"])
            _update_quiz(quiz=quiz, data=m["quiz"], report=report)
            to_publish.append(quiz)
    for quiz in sorted(to_publish, key=lambda q: q.slots.exists()):
        latest = quiz.versions.order_by("-number").first()
        version = quiz_services.quiz_publish(quiz=quiz)
        if latest is None or version.pk != latest.pk:
            report.published[quiz.slug] = version.number
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
        for c in q.get("choices", [])
    ]


def _without_ids(value: Any) -> Any:
    """Content with the ids its type gave to parts left out, to compare with the data."""
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if k not in CONTENT_IDS}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def _content_differs(question: Question, q: dict[str, Any]) -> bool:
    question_type = question_types.get(q["type"])
    wanted = question_type.prepare(_content(q), random.Random(0))
    return _without_ids(question.content) != _without_ids(wanted)


def _sync_questions(
    *,
    bank: dict[str, Question],
    wanted: list[dict[str, Any]],
    quiz: Quiz | None,
    where: str,
    report: UpdateReport,
) -> None:
    """Make the questions of `bank` (by key) the `wanted` ones: retire the others, update those
    that differ. Keys `bank` lacks are added by course_import."""
    wanted_keys = {q["key"] for q in wanted}
    for key in sorted(bank.keys() - wanted_keys):
        quiz_services.question_delete(question=bank.pop(key))
        report.retired.setdefault(where, []).append(key)
    for order, q in enumerate(wanted, start=1):
        fields = {"order": order, **_pick(q, QUESTION_FIELDS)}
        question = bank.get(q["key"])
        if question is None:
            continue
        same_keys = _choices_of(question) == _wanted_choices(q) and not _content_differs(question, q)
        changes = set(_changes(question, fields))
        if not changes and same_keys:
            continue
        if same_keys and changes == {"order"}:
            # Only moved: keep the choices (and their ids) as they are.
            question.order = order
            question.save(update_fields=["order"])
        else:
            _question_save(quiz=quiz, q=q, order=order, question=question)
            report.changed.setdefault(where, []).append(q["key"])


def _update_bank(
    *, module: Module, questions: list[dict[str, Any]], report: UpdateReport, before: set[int]
) -> None:
    theme = _theme(module)
    bank = {q.key: q for q in Question.objects.filter(quiz=None, category=theme).prefetch_related("choices")}
    where = f"{module.slug} (bank)"
    new = [q["key"] for q in questions if q["key"] in bank and bank[q["key"]].pk not in before]
    if new:
        report.created[where] = new
    _sync_questions(bank=bank, wanted=questions, quiz=None, where=where, report=report)


def _update_quiz(*, quiz: Quiz, data: dict[str, Any], report: UpdateReport) -> None:
    quiz_changes = _changes(quiz, _pick(data, QUIZ_FIELDS))
    if quiz_changes:
        quiz_services.quiz_update(quiz=quiz, data=quiz_changes)  # type: ignore[arg-type]
    bank = {q.key: q for q in quiz.questions.prefetch_related("choices")}
    _sync_questions(bank=bank, wanted=data["questions"], quiz=quiz, where=quiz.slug, report=report)
    course = quiz.module.course
    wanted_slots = [(_module_category(course, s["module"]).pk, s["count"]) for s in data.get("slots", [])]
    slots = list(quiz.slots.order_by("order", "pk"))
    if [(s.category_id, s.count) for s in slots] != wanted_slots:
        for slot in slots:
            quiz_services.slot_delete(slot=slot)
        for order, (category_id, count) in enumerate(wanted_slots, start=1):
            quiz_services.slot_save(
                quiz=quiz, count=count, category=Category.objects.get(pk=category_id), order=order
            )
