"""Reads of quizzes and attempts."""

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, QuerySet

from courses.models import Course, Enrolment
from courses.selectors import enrolment_is_current
from people.models import Person
from quizzes import question_types
from quizzes.models import Attempt, Category, Question, Quiz, Regrade, Tag
from quizzes.question_types import essay


def quizzes_of_course(*, course: Course) -> QuerySet[Quiz]:
    """The quizzes that count for a course: those with a published version."""
    return Quiz.objects.filter(module__course=course).filter(versions__isnull=False).distinct()


def enrolment_evidence(*, enrolment: Enrolment) -> list[int] | None:
    """The passes that complete the course in this cycle: for every published quiz, the
    person's first passing attempt made in the cycle; None while a quiz is not passed."""
    quizzes = set(quizzes_of_course(course=enrolment.course).values_list("pk", flat=True))
    first_pass: dict[int, int] = {}
    passes = Attempt.objects.filter(enrolment=enrolment, passed=True).order_by("graded_at", "pk")
    for attempt_id, quiz_id in passes.values_list("pk", "quiz_id"):
        first_pass.setdefault(quiz_id, attempt_id)
    if not quizzes or not quizzes <= first_pass.keys():
        return None
    return sorted(first_pass[q] for q in quizzes)


def attempt_get_for_person(*, attempt_id: int, person: Person | None) -> Attempt | None:
    if person is None:
        return None
    # Whose it is, nothing more: the services lock and read the attempt with its version.
    return Attempt.objects.only("id", "person_id").filter(pk=attempt_id, person=person).first()


def attempts_of_person(*, person: Person) -> QuerySet[Attempt]:
    return Attempt.objects.filter(person=person).select_related("quiz__module__course").order_by("started_at")


def attempt_questions_public(*, attempt: Attempt) -> list[dict[str, Any]]:
    """The attempt's questions in its own order, without any key."""
    spec = {q["id"]: q for q in attempt.version.spec["questions"]}
    questions = []
    for item in attempt.layout:
        q = spec[item["question"]]
        questions.append(
            {
                "id": q["id"],
                "type": q["type"],
                "text": q["text"],
                "text_format": q.get("text_format", "plain"),
                "text_en": q["text_en"],
                "points": q["points"],
                **question_types.get(q["type"]).public(q, item),
            }
        )
    return questions


def _keys_cannot_help(attempt: Attempt) -> bool:
    """The learner can take this quiz no more: the attempt is in the person's current cycle,
    and it passed or was the cycle's last attempt. Once a new cycle may open (the certificate
    expired or was revoked), the keys are hidden again."""
    if not enrolment_is_current(enrolment=attempt.enrolment):
        return False
    if attempt.passed:
        return True
    tried = Attempt.objects.filter(enrolment_id=attempt.enrolment_id, quiz_id=attempt.quiz_id).count()
    return tried >= attempt.quiz.max_attempts


def attempt_answers(*, attempt: Attempt) -> list[dict[str, Any]]:
    """The attempt's saved answers, each under the key its question's type reads."""
    types = {q["id"]: question_types.get(q["type"]) for q in attempt.version.spec["questions"]}
    answers = []
    for r in attempt.responses.all():
        question_type = types[r.question_ref]
        stored = getattr(r, question_type.stored_in)
        answer: dict[str, Any] = {"question": r.question_ref, "choices": r.choices}
        if question_type.answer_key != "choices":
            answer[question_type.answer_key] = str(stored) if question_type.stored_in == "value" else stored
        answers.append(answer)
    return answers


def attempt_feedback(*, attempt: Attempt) -> list[dict[str, Any]]:
    """Per-question results, as much as the quiz's review policy shows. Even under the `full`
    policy the keys are shown only once the learner cannot use them: see `_keys_cannot_help`."""
    review = attempt.quiz.review
    if (
        attempt.status not in (Attempt.Status.GRADED, Attempt.Status.NEEDS_REVIEW)
        or review == Quiz.Review.NONE
    ):
        return []
    reveal_keys = review == Quiz.Review.FULL and _keys_cannot_help(attempt)
    spec = {q["id"]: q for q in attempt.version.spec["questions"]}
    responses = {r.question_ref: r for r in attempt.responses.all()}
    feedback = []
    for item in attempt.layout:
        response = responses.get(item["question"])
        row: dict[str, Any] = {
            "question": item["question"],
            "correct": bool(response and response.correct),
            "score": str(response.score) if response and response.score is not None else "0.00",
        }
        if question_types.get(spec[item["question"]]["type"]).graded_by_hand and (
            response is None or response.reviewed_at is None
        ):
            # Not graded yet: awaiting review, never a 0 nor wrong.
            row.update(correct=None, score=None, awaiting_review=True)
        if reveal_keys:
            q = spec[item["question"]]
            row.update(question_types.get(q["type"]).review(q))
            row["explanation"] = q["explanation"]
            row["explanation_en"] = q["explanation_en"]
            if q.get("general_feedback"):
                row["general_feedback"] = q["general_feedback"]
        feedback.append(row)
    return feedback


def attempt_open_for_person(*, person: Person, quiz_id: int) -> Attempt | None:
    """The person's attempt of the quiz that is still in progress, if any (the pages resume it)."""
    return Attempt.objects.filter(person=person, quiz_id=quiz_id, status=Attempt.Status.IN_PROGRESS).first()


def attempt_for_page(*, attempt_id: int, person: Person | None) -> Attempt | None:
    """One of the person's attempts with what its page shows: version, quiz, course, answers."""
    if person is None:
        return None
    return (
        Attempt.objects.select_related("version", "quiz__module__course")
        .prefetch_related("responses")
        .filter(pk=attempt_id, person=person)
        .first()
    )


def attempts_of_quiz(*, quiz: Quiz) -> QuerySet[Attempt]:
    """Every attempt of a quiz, newest first, with its person and unit (instructors' list)."""
    return Attempt.objects.filter(quiz=quiz).select_related("person__unit").order_by("-started_at", "-pk")


def quiz_for_authoring(*, quiz_id: int) -> Quiz | None:
    """A quiz with its draft questions (keys included), choices and versions."""
    return (
        Quiz.objects.select_related("module__course")
        .prefetch_related("questions__choices", "versions")
        .filter(pk=quiz_id)
        .first()
    )


def quiz_get(*, quiz_id: int) -> Quiz | None:
    return Quiz.objects.select_related("module__course").filter(pk=quiz_id).first()


# --- The question bank ---
def category_parents() -> dict[int, int | None]:
    """Every category's parent, in one query (the tree is small: a bank's themes)."""
    return dict(Category.objects.values_list("pk", "parent_id"))


def category_subtree(*, category_id: int) -> list[int]:
    """The category and every category under it."""
    children: dict[int | None, list[int]] = {}
    for pk, parent in category_parents().items():
        children.setdefault(parent, []).append(pk)
    found, todo = [], [category_id]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


def category_get(*, category_id: int) -> Category | None:
    return Category.objects.filter(pk=category_id).first()


def category_paths() -> dict[int, tuple[str, ...]]:
    """Every category's path of names, top first."""
    rows = {
        pk: (name, parent) for pk, name, parent in Category.objects.values_list("pk", "name", "parent_id")
    }
    paths: dict[int, tuple[str, ...]] = {}

    def path(pk: int) -> tuple[str, ...]:
        if pk not in paths:
            name, parent = rows[pk]
            paths[pk] = (*(path(parent) if parent is not None else ()), name)
        return paths[pk]

    for pk in rows:
        path(pk)
    return paths


def categories_with_counts() -> "QuerySet[Category]":
    return Category.objects.annotate(question_count=Count("questions")).order_by("parent_id", "name", "pk")


def tags_with_counts() -> "QuerySet[Tag]":
    """Every tag with how many questions have it and how many random slots draw from it."""
    return Tag.objects.annotate(
        question_count=Count("questions", distinct=True), slot_count=Count("slots", distinct=True)
    ).order_by("name", "pk")


def questions_for_gift(*, quiz: Quiz | None = None, category: Category | None = None) -> list[dict[str, Any]]:
    """The questions of a quiz, or of a category and its subcategories, as `gift.write` takes
    them (keys included: instructors only)."""
    questions = Question.objects.prefetch_related("choices", "tags").order_by("category_id", "order", "pk")
    if quiz is not None:
        questions = questions.filter(quiz=quiz)
    if category is not None:
        questions = questions.filter(category__in=category_subtree(category_id=category.pk))
    paths = category_paths()
    return [
        {
            "type": q.type,
            "key": q.key,
            "name": q.name or q.key,
            "text": q.text,
            "text_format": q.text_format,
            "text_en": q.text_en,
            "explanation": q.explanation,
            "explanation_en": q.explanation_en,
            "general_feedback": q.general_feedback,
            "points": q.points,
            "category": paths[q.category_id] if q.category_id else (),
            "tags": [t.name for t in q.tags.all()],
            "choices": [
                {
                    "text": c.text,
                    "is_correct": c.is_correct,
                    "weight": c.weight,
                    "feedback": c.feedback,
                }
                for c in q.choices.all()
            ],
            "content": q.content,
        }
        for q in questions
    ]


def attempt_ids_existing(*, attempt_ids: Iterable[int]) -> list[int]:
    return list(Attempt.objects.filter(pk__in=list(attempt_ids)).values_list("pk", flat=True))


def reviews_pending(*, quiz_id: int | None = None) -> list[dict[str, Any]]:
    """The manual grading queue: every hand-graded answer (essay) of an attempt that awaits
    review and has not been graded, oldest submission first, with its question and frozen rubric.
    Two queries whatever its length (attempts with their versions, then their answers)."""
    attempts = Attempt.objects.filter(status=Attempt.Status.NEEDS_REVIEW).select_related("version")
    if quiz_id is not None:
        attempts = attempts.filter(quiz_id=quiz_id)
    attempts = attempts.order_by("submitted_at", "pk").prefetch_related("responses")
    queue = []
    for attempt in attempts:
        specs = {q["id"]: q for q in attempt.version.spec["questions"]}
        for r in attempt.responses.all():
            q = specs[r.question_ref]
            if r.reviewed_at is not None or not question_types.get(q["type"]).graded_by_hand:
                continue
            queue.append(
                {
                    "id": r.pk,
                    "attempt": attempt.pk,
                    "quiz": attempt.quiz_id,
                    "submitted_at": attempt.submitted_at,
                    "question": {
                        "id": q["id"],
                        "text": q["text"],
                        "text_en": q.get("text_en", ""),
                        "points": q["points"],
                        "rubric": [{"criterion": c, "points": p} for c, p in essay.criteria(q)],
                    },
                    "text": r.text,
                }
            )
    return queue


def regrade_reason(*, regrade_id: int) -> str | None:
    return Regrade.objects.filter(pk=regrade_id).values_list("reason", flat=True).first()
