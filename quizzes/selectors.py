"""Reads of quizzes and attempts."""

from django.db.models import Exists, OuterRef, QuerySet

from courses.models import Course
from people.models import Person
from quizzes.models import Attempt, Quiz


def quizzes_of_course(*, course: Course) -> QuerySet[Quiz]:
    """The quizzes that count for a course: those with a published version."""
    return Quiz.objects.filter(module__course=course).filter(versions__isnull=False).distinct()


def course_completed(*, person: Person, course: Course) -> bool:
    """Has the person passed every published quiz of the course?"""
    quizzes = quizzes_of_course(course=course)
    passed = Attempt.objects.filter(person=person, quiz=OuterRef("pk"), passed=True)
    return quizzes.exists() and not quizzes.exclude(Exists(passed)).exists()


def attempt_get_for_person(*, attempt_id: int, person: Person | None) -> Attempt | None:
    if person is None:
        return None
    return Attempt.objects.select_related("version", "quiz").filter(pk=attempt_id, person=person).first()


def attempts_of_person(*, person: Person) -> QuerySet[Attempt]:
    return Attempt.objects.filter(person=person).select_related("quiz__module__course").order_by("started_at")
