"""Writes of courses: importing a course, and the cycles of a person's enrolment."""

from datetime import datetime

from django.utils import timezone

from courses.models import Course, Enrolment
from people.models import Person


def enrolment_current(*, person: Person, course: Course, now: datetime | None = None) -> Enrolment:
    """The cycle the person's attempts now count in, opening the first one or the next one
    when its time has come. Call it under a lock that serialises the person's writes."""
    now = now or timezone.now()
    latest = Enrolment.objects.filter(person=person, course=course).order_by("-cycle").first()
    if latest is not None and not (latest.next_cycle_at and latest.next_cycle_at <= now):
        return latest
    return Enrolment.objects.create(
        person=person, course=course, cycle=latest.cycle + 1 if latest else 1, opened_at=now
    )


def enrolment_complete(*, enrolment: Enrolment, at: datetime, next_cycle_at: datetime | None) -> None:
    """A certificate closed the cycle; the next one may open from `next_cycle_at` (never: None)."""
    Enrolment.objects.filter(pk=enrolment.pk).update(completed_at=at, next_cycle_at=next_cycle_at)


def enrolment_reopen(*, enrolment: Enrolment, at: datetime) -> None:
    """The cycle's certificate no longer stands (revoked): the person may start the next cycle
    from `at`. Its passes stay in their own cycle and never earn another certificate."""
    Enrolment.objects.filter(pk=enrolment.pk).update(next_cycle_at=at)
