"""Reads across the domain apps: a learner's courses with progress, HR's certificate lists,
compliance and transcripts. Nothing here writes."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from certificates.models import Certificate
from certificates.selectors import certificates_with_relations
from courses.models import Course, Module
from people.models import Person, Unit
from quizzes.models import Attempt, Quiz

# --- A learner's courses ----------------------------------------------------------------------


def _count(queryset: QuerySet, group: str, field: str) -> Coalesce:
    counted = queryset.values(group).annotate(n=Count(field, distinct=True)).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def courses_for_person(*, person: Person | None) -> QuerySet[Course]:
    """Published courses with the person's progress: quizzes passed of quizzes published, and
    the code of their newest certificate, in one query."""
    published_quizzes = Quiz.objects.filter(module__course=OuterRef("pk"), versions__isnull=False)
    passed = Attempt.objects.filter(person=person, passed=True, quiz__module__course=OuterRef("pk"))
    certificate = Certificate.objects.filter(holder=person, course=OuterRef("pk")).order_by("-issued_at")
    return (
        Course.objects.filter(status=Course.Status.PUBLISHED)
        .annotate(
            quiz_count=_count(published_quizzes, "module__course", "pk"),
            quizzes_passed=_count(passed, "quiz__module__course", "quiz"),
            certificate_code=Subquery(certificate.values("code")[:1]),
            certificate_id=Subquery(certificate.values("pk")[:1]),
        )
        .order_by("title")
    )


def course_detail(*, course_id: int, published_only: bool = True) -> Course | None:
    courses = Course.objects.all()
    if published_only:
        courses = courses.filter(status=Course.Status.PUBLISHED)
    modules = Module.objects.prefetch_related(
        "lessons", Prefetch("quizzes", queryset=Quiz.objects.order_by("id"))
    )
    return courses.prefetch_related(Prefetch("modules", queryset=modules)).filter(pk=course_id).first()


# --- HR -----------------------------------------------------------------------------------------


def _current_valid(now: datetime) -> Q:
    return Q(status=Certificate.Status.VALID) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


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


def overdue_people(*, course: Course, unit: Unit | None = None) -> QuerySet[Person]:
    """Personnel the course is required for who hold no current certificate of it after its due
    date (none before the due date, or when it has none): the names behind `overdue`."""
    if not course.due_date or timezone.localdate() <= course.due_date:
        return Person.objects.none()
    now = timezone.now()
    certified = Certificate.objects.filter(_current_valid(now), holder=OuterRef("pk"), course=course)
    people = Person.objects.filter(function__in=course.required_functions or []).exclude(Exists(certified))
    if unit:
        people = people.filter(unit__path__startswith=unit.path)
    return people.select_related("unit").order_by("unit__path", "name")
