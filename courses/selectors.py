"""Reads of courses: a person's enrolment cycles.

Reads of courses for authoring (a learner's view, with progress, is in `reports`)."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, QuerySet
from django.utils import timezone

from courses.models import Course, Enrolment, Lesson, Module


def enrolment_latest(*, person_id: int, course_id: int) -> Enrolment | None:
    return Enrolment.objects.filter(person_id=person_id, course_id=course_id).order_by("-cycle").first()


def enrolments_existing(*, enrolment_ids: Iterable[int]) -> set[int]:
    """Which of these enrolment ids still exist."""
    return set(Enrolment.objects.filter(pk__in=list(enrolment_ids)).values_list("pk", flat=True))


def enrolment_is_current(*, enrolment: Enrolment, now: datetime | None = None) -> bool:
    """Do the person's attempts count in this cycle now? Only in the latest cycle, and only
    until the next one may open (its certificate expired or was revoked)."""
    now = now or timezone.now()
    latest = enrolment_latest(person_id=enrolment.person_id, course_id=enrolment.course_id)
    return (
        latest is not None
        and latest.pk == enrolment.pk
        and not (enrolment.next_cycle_at and enrolment.next_cycle_at <= now)
    )


def courses_for_authoring() -> QuerySet[Course]:
    """Every course, drafts included, with how many modules it has."""
    return Course.objects.annotate(module_count=Count("modules")).order_by("title", "pk")


def module_get(*, module_id: int) -> Module | None:
    return Module.objects.select_related("course").filter(pk=module_id).first()


def lesson_get(*, lesson_id: int) -> Lesson | None:
    return Lesson.objects.select_related("module__course").filter(pk=lesson_id).first()


def courses_published() -> QuerySet[Course]:
    return Course.objects.filter(status=Course.Status.PUBLISHED).order_by("title", "pk")
