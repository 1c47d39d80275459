"""Reads across the domain apps: a learner's courses with progress, HR's certificate lists,
compliance and transcripts. Nothing here writes."""

import functools
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from certificates.models import Certificate
from certificates.selectors import certificates_with_relations
from courses.models import Course, Enrolment, Module
from people.models import Person, Unit
from quizzes.models import Attempt, Quiz, QuizVersion
from quizzes.selectors import RESULT_FIELDS, PersonQuizResult, results_of_rows, sorted_results
from reports.models import (
    Assignment,
    ComplianceRollup,
    ComplianceStatus,
    ExpiryRollup,
)

# --- Who is assigned what ---------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One assignment of a course (or the course's own rule when it has none)."""

    functions: frozenset[str] | None  # None: every function
    paths: tuple[str, ...] | None  # None: the whole force
    due_date: date | None
    due_days: int | None
    due_from: str

    def matches(self, *, function: str, path: str) -> bool:
        if self.functions is not None and function not in self.functions:
            return False
        return self.paths is None or path.startswith(self.paths)

    def due(self, *, joined_on: date, unit_since: date) -> date | None:
        if self.due_days is not None:
            start = unit_since if self.due_from == Assignment.DueFrom.TRANSFER else joined_on
            return start + timedelta(days=self.due_days)
        return self.due_date


def rules_by_course(*, course_ids: Iterable[int] | None = None) -> dict[int, list[Rule]]:
    """Each course's assignment rules; a published course without assignments keeps its own
    rule (its required functions across the force, due by its due date)."""
    assignments = Assignment.objects.prefetch_related(Prefetch("units", queryset=Unit.objects.only("path")))
    courses = Course.objects.filter(status=Course.Status.PUBLISHED)
    if course_ids is not None:
        ids = list(course_ids)
        assignments, courses = assignments.filter(course_id__in=ids), courses.filter(pk__in=ids)
    rules: dict[int, list[Rule]] = defaultdict(list)
    for a in assignments:
        paths = tuple(u.path for u in a.units.all())
        rules[a.course_id].append(
            Rule(
                frozenset(a.functions) if a.functions else None,
                paths or None,
                a.due_date,
                a.due_days,
                a.due_from,
            )
        )
    for pk, functions, due_date in courses.values_list("pk", "required_functions", "due_date"):
        if pk not in rules and functions:
            rules[pk].append(Rule(frozenset(functions), None, due_date, None, Assignment.DueFrom.JOINING))
    return dict(rules)


def assigned_due(
    rules: Iterable[Rule], *, function: str, path: str, joined_on: date, unit_since: date
) -> tuple[bool, date | None]:
    """Whether one course's rules assign a person of this function in the unit of this path, and
    by when: the earliest due date of the rules that match (None: no date)."""
    dues = [
        r.due(joined_on=joined_on, unit_since=unit_since)
        for r in rules
        if r.matches(function=function, path=path)
    ]
    if not dues:
        return False, None
    return True, min((d for d in dues if d is not None), default=None)


# --- A learner's courses ----------------------------------------------------------------------


def _count(queryset: QuerySet, group: str, field: str) -> Coalesce:
    counted = queryset.values(group).annotate(n=Count(field, distinct=True)).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def courses_for_person(*, person: Person | None) -> QuerySet[Course]:
    """Published courses with the person's progress: quizzes passed in the current cycle of
    quizzes published, and the code of their newest certificate, in one query. Passes of a
    cycle whose certificate lapsed (or that a later cycle follows) no longer count."""
    now = timezone.now()
    published_quizzes = Quiz.objects.filter(module__course=OuterRef("pk"), versions__isnull=False)
    later_cycle = Enrolment.objects.filter(
        person=person, course=OuterRef("enrolment__course"), cycle__gt=OuterRef("enrolment__cycle")
    )
    passed = (
        Attempt.objects.filter(person=person, passed=True, quiz__module__course=OuterRef("pk"))
        .filter(Q(enrolment__next_cycle_at__isnull=True) | Q(enrolment__next_cycle_at__gt=now))
        .exclude(Exists(later_cycle))
    )
    certificate = Certificate.objects.filter(holder=person, course=OuterRef("pk")).order_by("-issued_at")
    current = Certificate.objects.filter(_current_valid(now), holder=person, course=OuterRef("pk"))
    return (
        Course.objects.filter(status=Course.Status.PUBLISHED)
        .annotate(
            quiz_count=_count(published_quizzes, "module__course", "pk"),
            quizzes_passed=_count(passed, "quiz__module__course", "quiz"),
            certificate_code=Subquery(certificate.values("code")[:1]),
            certificate_id=Subquery(certificate.values("pk")[:1]),
            certified=Exists(current),
        )
        .order_by("title")
    )


@dataclass(frozen=True)
class LearnerCourse:
    """A published course as one learner sees it: whether it is required of them and by when (as
    HR's assignments say, the same rules the compliance report counts), and their progress."""

    course: Course
    required: bool
    due_on: date | None
    certified: bool  # holds a current certificate of it
    quizzes: int
    quizzes_passed: int
    certificate_id: int | None  # the newest certificate, whatever its status
    certificate_code: str | None

    @property
    def overdue(self) -> bool:
        return bool(
            self.required and not self.certified and self.due_on and self.due_on < timezone.localdate()
        )

    @property
    def percent(self) -> float:
        return round(100 * self.quizzes_passed / self.quizzes, 1) if self.quizzes else 0.0


def learner_courses(*, person: Person | None) -> list[LearnerCourse]:
    """The published courses with the person's progress, required ones first, the nearest due date
    first among them. Required and due follow the assignments (functions and unit subtrees, due
    on a date or some days after joining or transfer); a course with no assignment keeps its own
    required functions and due date; a person no longer active is assigned nothing."""
    courses = list(courses_for_person(person=person))
    dues = courses_due(person=person, course_ids=[c.pk for c in courses])
    rows = []
    for course in courses:
        required, due_on = dues.get(course.pk, (False, None))
        rows.append(
            LearnerCourse(
                course=course,
                required=required,
                due_on=due_on,
                certified=course.certified,  # type: ignore[attr-defined]
                quizzes=course.quiz_count,  # type: ignore[attr-defined]
                quizzes_passed=course.quizzes_passed,  # type: ignore[attr-defined]
                certificate_id=course.certificate_id,  # type: ignore[attr-defined]
                certificate_code=course.certificate_code,  # type: ignore[attr-defined]
            )
        )
    rows.sort(key=lambda r: (not r.required, r.due_on or date.max))
    return rows


def courses_due(*, person: Person | None, course_ids: list[int]) -> dict[int, tuple[bool, date | None]]:
    """Per course: whether the assignments require it of this person, and by when (a person no
    longer active, or none, is assigned nothing)."""
    if person is None or not person.active:
        return {pk: (False, None) for pk in course_ids}
    rules = rules_by_course(course_ids=course_ids)
    return {
        pk: assigned_due(
            rules.get(pk, ()),
            function=person.function,
            path=person.unit.path,
            joined_on=person.joined_on,
            unit_since=person.unit_since,
        )
        for pk in course_ids
    }


def course_detail(*, course_id: int, published_only: bool = True) -> Course | None:
    courses = Course.objects.all()
    if published_only:
        courses = courses.filter(status=Course.Status.PUBLISHED)
    quizzes = Quiz.objects.order_by("id")
    if published_only:
        # A quiz never published is a draft: learners see only the quizzes they can start.
        quizzes = quizzes.filter(Exists(QuizVersion.objects.filter(quiz=OuterRef("pk"))))
    modules = Module.objects.prefetch_related("lessons", Prefetch("quizzes", queryset=quizzes))
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


# What a row of HR's certificate list reads: the certificate's own columns and, by joins, its
# holder's, their unit's name and the course's titles (no model rows: three of them per
# certificate cost most of a 50-row page).
CERTIFICATE_ROW_FIELDS = {
    "holder_nrp": F("holder__nrp"),
    "holder_name": F("holder__name"),
    "holder_rank": F("holder__rank"),
    "holder_function": F("holder__function"),
    "unit_name": F("holder__unit__name"),
    "course_title": F("course__title"),
    "course_title_en": F("course__title_en"),
}


def certificate_rows(certificates: QuerySet[Certificate]) -> QuerySet[Certificate, Any]:
    """`certificates` (e.g. `certificates_filtered`) as dicts of what HR's list shows."""
    return certificates.values(
        "id", "code", "course_id", "issued_at", "expires_at", "status", **CERTIFICATE_ROW_FIELDS
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


def compliance_by_scan(*, courses: QuerySet[Course], unit: Unit | None = None) -> list[ComplianceRow]:
    """The naive report, kept as the benchmark's baseline: per course and leaf unit, a GROUP BY
    with EXISTS subqueries over every person the course's own `required_functions` name, on
    every request."""
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


# --- Compliance from the roll-up ------------------------------------------------------------------


@dataclass
class RollupRow:
    unit: Unit | None  # None: the whole force
    course_id: int
    course: str
    assigned: int = 0
    certified: int = 0
    in_progress: int = 0
    overdue: int = 0
    expiring: int = 0

    @property
    def percent_certified(self) -> float:
        return round(100 * self.certified / self.assigned, 2) if self.assigned else 0.0


def compliance(
    *, unit: Unit | None = None, course_ids: list[int] | None = None, expiring_days: int = 30
) -> list[RollupRow]:
    """Rows for `unit` (None: the whole force) and each of its child units (the root units),
    per course, each over its whole subtree: read from the subtree totals the events keep
    (ComplianceRollup, ExpiryRollup), one row per unit shown, whatever the number of people, in
    one query (the units' and courses' names joined, the expiring certificates a subquery).
    `expiring` counts certified people whose certificate runs out within `expiring_days`."""
    today = timezone.localdate()
    shown = Q(unit__parent__isnull=True) if unit is None else Q(unit=unit) | Q(unit__parent=unit)
    rollups = ComplianceRollup.objects.filter(shown)
    if course_ids is not None:
        rollups = rollups.filter(course_id__in=course_ids)
    expiring = (
        ExpiryRollup.objects.filter(
            unit=OuterRef("unit"),
            course=OuterRef("course"),
            expires_on__gte=today,
            expires_on__lte=today + timedelta(days=expiring_days),
        )
        .order_by()
        .values("unit")
        .annotate(n=Sum("n"))
        .values("n")
    )
    # A subtree's certified people have their rollup row, so every expiring count finds its row.
    found = rollups.order_by().values_list(
        "unit_id", "unit__code", "unit__name", "course_id", "course__title",
        "assigned", "certified", "in_progress", "overdue",
        Coalesce(Subquery(expiring, output_field=IntegerField()), Value(0)),
    )  # fmt: skip
    rows: list[RollupRow] = []
    force: dict[int, RollupRow] = {}  # the whole force is the sum of the root units
    for unit_id, code, name, course_id, title, *values in found:
        # As `.only("id", "code", "name")` loads it: another field is read when asked for.
        shown_unit = (
            unit
            if unit is not None and unit_id == unit.pk
            else Unit.from_db(None, ["id", "code", "name"], [unit_id, code, name])
        )
        rows.append(RollupRow(shown_unit, course_id, title, *values))
        if unit is None:
            total = force.setdefault(course_id, RollupRow(None, course_id, title))
            total.assigned += values[0]
            total.certified += values[1]
            total.in_progress += values[2]
            total.overdue += values[3]
            total.expiring += values[4]
    rows.extend(force.values())
    top = None if unit is None else unit.pk
    return sorted(
        rows,
        key=lambda r: (r.course_id, r.unit is not None and (r.unit.pk != top), r.unit.name if r.unit else ""),
    )


COMPLIANCE_STATES = ("certified", "not_certified", "in_progress", "overdue", "expiring", "not_started")


def compliance_people(
    *,
    course_id: int,
    unit_ids: list[int] | None = None,
    state: str | None = None,
    expiring_days: int = 30,
    function: str | None = None,
) -> QuerySet[ComplianceStatus]:
    """The people behind a compliance row: assigned personnel of a course in a unit's subtree
    (`unit_ids`, people.selectors.unit_subtree_ids; None: the force), with their state read
    against today (overdue and expiring never go stale)."""
    return _people_filtered(
        ComplianceStatus.objects.all(),
        course_id=course_id,
        unit_ids=unit_ids,
        state=state,
        expiring_days=expiring_days,
        function=function,
    )


def _people_filtered(
    qs: QuerySet[ComplianceStatus, Any],
    *,
    course_id: int,
    unit_ids: list[int] | None,
    state: str | None,
    expiring_days: int,
    function: str | None,
) -> QuerySet[ComplianceStatus, Any]:
    now, today = timezone.now(), timezone.localdate()
    qs = qs.filter(course_id=course_id)
    if unit_ids is not None:
        # The subtree's ids as constants (units are few): the planner reads the status rows of a
        # small subtree by their (unit, course, person) index, knowing how many there are.
        qs = qs.filter(unit_id__in=unit_ids)
    if function:
        qs = qs.filter(person__function=function)
    if state == "certified":
        qs = qs.filter(certified=True)
    elif state == "not_certified":
        qs = qs.filter(certified=False)
    elif state == "in_progress":
        qs = qs.filter(certified=False, started=True)
    elif state == "not_started":
        qs = qs.filter(certified=False, started=False)
    elif state == "overdue":
        qs = qs.filter(certified=False, due_on__lt=today)
    elif state == "expiring":
        qs = qs.filter(
            certified=True, certified_until__gt=now, certified_until__lte=now + timedelta(days=expiring_days)
        )
    return qs


@functools.lru_cache(maxsize=2)
def _people_rows(today: date) -> QuerySet[ComplianceStatus, Any]:
    overdue = Case(
        When(certified=False, due_on__lt=today, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return ComplianceStatus.objects.values(
        "person_id", "course_id", "unit_id", "due_on", "certified", "certified_until", "started",
        nrp=F("person__nrp"), name=F("person__name"), rank=F("person__rank"),
        function=F("person__function"), unit_code=F("unit__code"), unit_name=F("unit__name"),
        overdue=overdue,
    )  # fmt: skip


def compliance_people_rows(
    *,
    course_id: int,
    unit_ids: list[int] | None = None,
    state: str | None = None,
    expiring_days: int = 30,
    function: str | None = None,
) -> QuerySet[ComplianceStatus, Any]:
    """compliance_people as plain rows of the columns the list shows (a dict each, with the
    person's and the unit's fields beside the status, and `overdue` as of today), in one query."""
    return _people_filtered(
        _people_rows(timezone.localdate()),
        course_id=course_id,
        unit_ids=unit_ids,
        state=state,
        expiring_days=expiring_days,
        function=function,
    )


@dataclass(frozen=True)
class Transcript:
    """A person's record as rows: the person (with their unit's name), their attempts oldest
    first (with the quiz's title and the course's id and title), their certificates newest first
    (with the course's titles)."""

    person: Mapping[str, Any]
    attempts: Sequence[Mapping[str, Any]]
    certificates: Sequence[Mapping[str, Any]]

    @property
    def results(self) -> list[PersonQuizResult]:
        """The results under each quiz's grading method (what certificates count), from the
        attempts already read."""
        return sorted_results(results_of_rows(self.attempts))

    @property
    def courses(self) -> list[dict[str, Any]]:
        """The courses of the attempts, in the order first attempted."""
        seen: dict[int, dict[str, Any]] = {}
        for a in self.attempts:
            seen.setdefault(a["course_id"], {"id": a["course_id"], "title": a["course_title"]})
        return list(seen.values())


# The transcript's and the drill-down's querysets are built once per process (their joins and
# columns resolved once, a third of the ORM's time per request) and only filtered per request.


@functools.cache
def _transcript_person_rows() -> QuerySet[Person, Any]:
    return Person.objects.order_by("-certificates__issued_at", "-certificates__pk").values(
        "pk", "nrp", "name", "rank", "function", unit_name=F("unit__name"),
        certificate_id=F("certificates__pk"), code=F("certificates__code"),
        course_id=F("certificates__course_id"), issued_at=F("certificates__issued_at"),
        expires_at=F("certificates__expires_at"), status=F("certificates__status"),
        course_title=F("certificates__course__title"),
        course_title_en=F("certificates__course__title_en"),
    )  # fmt: skip


@functools.cache
def _transcript_attempt_rows() -> QuerySet[Attempt, Any]:
    return Attempt.objects.order_by("started_at", "pk").values(
        "id", "quiz_id", "number", "status", "started_at", "submitted_at", "score", "max_score",
        "percent", "passed", "enrolment_id", quiz_title=F("quiz__title"),
        course_id=F("quiz__module__course_id"), course_title=F("quiz__module__course__title"),
        **RESULT_FIELDS,
    )  # fmt: skip


def transcript(*, nrp: str) -> Transcript | None:
    """One person's transcript in two indexed queries of the columns it shows (no model rows: an
    attempt's layout and a course's texts are never read): the person joined to their
    certificates (one row with no certificate columns when they hold none), then the attempts."""
    rows = list(_transcript_person_rows().filter(nrp=nrp))
    if not rows:
        return None
    person_fields = ("pk", "nrp", "name", "rank", "function", "unit_name")
    first: Mapping[str, Any] = rows[0]
    person = {k: first[k] for k in person_fields}
    certificates = [
        {"id": r["certificate_id"], **{k: v for k, v in r.items() if k not in person_fields}}
        for r in rows
        if r["certificate_id"] is not None
    ]
    attempts = list(_transcript_attempt_rows().filter(person_id=person["pk"]))
    return Transcript(person=person, attempts=attempts, certificates=certificates)


def assignments_all() -> QuerySet[Assignment]:
    return Assignment.objects.select_related("course").prefetch_related("units").order_by("id")


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
