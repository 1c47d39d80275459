"""Reads of courses: a person's enrolment cycles."""

from datetime import datetime

from django.utils import timezone

from courses.models import Enrolment


def enrolment_latest(*, person_id: int, course_id: int) -> Enrolment | None:
    return Enrolment.objects.filter(person_id=person_id, course_id=course_id).order_by("-cycle").first()


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
