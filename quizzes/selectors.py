"""Reads of quizzes and attempts."""

from typing import Any

from django.db.models import QuerySet

from courses.models import Course, Enrolment
from courses.selectors import enrolment_is_current
from people.models import Person
from quizzes import question_types
from quizzes.models import Attempt, Quiz


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
    return Attempt.objects.select_related("version", "quiz").filter(pk=attempt_id, person=person).first()


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


def attempt_feedback(*, attempt: Attempt) -> list[dict[str, Any]]:
    """Per-question results, as much as the quiz's review policy shows. Even under the `full`
    policy the keys are shown only once the learner cannot use them: see `_keys_cannot_help`."""
    review = attempt.quiz.review
    if attempt.status != Attempt.Status.GRADED or review == Quiz.Review.NONE:
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
        if reveal_keys:
            q = spec[item["question"]]
            row.update(question_types.get(q["type"]).review(q))
            row["explanation"] = q["explanation"]
            row["explanation_en"] = q["explanation_en"]
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
