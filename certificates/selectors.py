"""Reads of certificates: for holders, the public, the sweep and HR reports."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from certificates.models import Certificate
from courses.models import Course
from people.models import Person, Unit
from quizzes.models import Attempt


def _current_valid(now: datetime) -> Q:
    return Q(status=Certificate.Status.VALID) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def certificates_with_relations() -> QuerySet[Certificate]:
    return Certificate.objects.select_related("holder__unit", "course").defer("pdf", "credential")


def certificate_for_download(*, certificate_id: int, fields: tuple[str, ...] = ()) -> Certificate | None:
    """One certificate; of its stored files only those named in `fields` are loaded."""
    skipped = [f for f in ("pdf", "credential") if f not in fields]
    return (
        Certificate.objects.select_related("holder__unit", "course")
        .defer(*skipped)
        .filter(pk=certificate_id)
        .first()
    )


def certificate_by_code(*, code: str) -> Certificate | None:
    return certificates_with_relations().filter(code=code.strip().upper()).first()


def certificates_of_person(*, person: Person | None) -> QuerySet[Certificate]:
    return certificates_with_relations().filter(holder=person)


def certificates_filtered(
    *,
    course: int | None = None,
    unit: Unit | None = None,
    status: str | None = None,
    issued_after: datetime | None = None,
    issued_before: datetime | None = None,
    expires_before: datetime | None = None,
) -> QuerySet[Certificate]:
    """HR's certificate list. `unit` takes the whole subtree; `status` is as of now, so a
    valid certificate past its expiry date is `expired`."""
    now = timezone.now()
    qs = certificates_with_relations().order_by("-issued_at", "-pk")
    if course:
        qs = qs.filter(course_id=course)
    if unit:
        qs = qs.filter(holder__unit__path__startswith=unit.path)
    if status == Certificate.Status.VALID:
        qs = qs.filter(_current_valid(now))
    elif status == Certificate.Status.EXPIRED:
        qs = qs.filter(
            Q(status=Certificate.Status.EXPIRED) | Q(status=Certificate.Status.VALID, expires_at__lte=now)
        )
    elif status == Certificate.Status.REVOKED:
        qs = qs.filter(status=Certificate.Status.REVOKED)
    if issued_after:
        qs = qs.filter(issued_at__gte=issued_after)
    if issued_before:
        qs = qs.filter(issued_at__lt=issued_before)
    if expires_before:
        qs = qs.filter(expires_at__lt=expires_before)
    return qs


def pending_issuance(*, graded_before: datetime, graded_after: datetime) -> list[tuple[int, int]]:
    """(person, course) pairs with a pass graded in the window and no certificate at all."""
    has_certificate = Certificate.objects.filter(
        holder=OuterRef("person"), course=OuterRef("quiz__module__course")
    )
    return list(
        Attempt.objects.filter(passed=True, graded_at__lt=graded_before, graded_at__gte=graded_after)
        .exclude(Exists(has_certificate))
        .values_list("person_id", "quiz__module__course_id")
        .order_by()  # the default ordering would defeat DISTINCT
        .distinct()[:500]
    )


def pending_render(*, issued_before: datetime) -> list[int]:
    return list(
        Certificate.objects.filter(rendered_at__isnull=True, issued_at__lt=issued_before).values_list(
            "pk", flat=True
        )[:500]
    )


@dataclass(frozen=True)
class ComplianceRow:
    course_id: int
    course: str
    unit_id: int
    unit: str
    assigned: int
    certified: int
    in_progress: int
    overdue: int

    @property
    def percent_certified(self) -> float:
        return round(100 * self.certified / self.assigned, 2) if self.assigned else 0.0


def compliance(*, courses: QuerySet[Course], unit: Unit | None = None) -> list[ComplianceRow]:
    """Per course and unit: personnel the course is required for, how many hold a current
    certificate, how many have started without one, and how many are past the due date
    without one. One query per course."""
    now = timezone.now()
    rows: list[ComplianceRow] = []
    for course in courses:
        people = Person.objects.filter(function__in=course.required_functions or [])
        if unit:
            people = people.filter(unit__path__startswith=unit.path)
        certified = Certificate.objects.filter(_current_valid(now), holder=OuterRef("pk"), course=course)
        started = Attempt.objects.filter(person=OuterRef("pk"), quiz__module__course=course)
        is_overdue = bool(course.due_date and timezone.localdate() > course.due_date)
        per_unit = (
            people.annotate(is_certified=Exists(certified), has_started=Exists(started))
            .values("unit_id", "unit__name")
            .annotate(
                assigned=Count("pk"),
                certified=Count("pk", filter=Q(is_certified=True)),
                in_progress=Count("pk", filter=Q(is_certified=False, has_started=True)),
                not_certified=Count("pk", filter=Q(is_certified=False)),
            )
            .order_by("unit__name")
        )
        rows.extend(
            ComplianceRow(
                course_id=course.pk,
                course=course.title,
                unit_id=row["unit_id"],
                unit=row["unit__name"],
                assigned=row["assigned"],
                certified=row["certified"],
                in_progress=row["in_progress"],
                overdue=row["not_certified"] if is_overdue else 0,
            )
            for row in per_unit
        )
    return rows
