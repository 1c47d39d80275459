"""Writes of the reports app: HR's bulk exports of certificates; HR's assignments, and the
compliance roll-up kept from them.

Who is assigned a course follows from the registry: an assignment names functions and units
(each with its subtree); a course with no assignment keeps its own `required_functions` and
`due_date` across the whole force. `compliance_refresh` rewrites the status rows and per-unit
counters of some units (the handlers call it with the unit of the person the news is about);
`compliance_tick` refreshes the units where time alone changed something (a certificate ran
out, a due date passed)."""

import csv
import itertools
import logging
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.core.files import File
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from certificates.models import Certificate
from certificates.selectors import certificate_pdfs
from core.errors import ServiceError
from courses.models import Course
from events import outbox, types
from people.models import Function, Person, Unit
from quizzes.models import Attempt
from reports import selectors
from reports.models import (
    Assignment,
    ComplianceCount,
    ComplianceRollup,
    ComplianceStatus,
    ExpiryCount,
    ExpiryRollup,
    Export,
)

logger = logging.getLogger(__name__)

CHUNK = 100  # PDFs read at a time: the memory an export needs, however many it holds
MANIFEST_COLUMNS = [
    "file", "code", "nrp", "name", "rank", "unit", "course", "issued_at", "expires_at", "status",
]  # fmt: skip


@transaction.atomic
def export_request(
    *,
    user: Any,
    course: int | None = None,
    unit: int | None = None,
    issued_after: datetime | None = None,
    issued_before: datetime | None = None,
) -> Export:
    """Queue an export; the worker builds it after commit (`export.requested`)."""
    filters = {
        "course": course,
        "unit": unit,
        "issued_after": issued_after.isoformat() if issued_after else None,
        "issued_before": issued_before.isoformat() if issued_before else None,
    }
    export = Export.objects.create(requested_by=user, filters={k: v for k, v in filters.items() if v})
    outbox.record(types.EXPORT_REQUESTED, export_id=export.pk)
    return export


def _certificates(filters: dict[str, Any]) -> Any:
    unit = Unit.objects.filter(pk=filters["unit"]).first() if filters.get("unit") else None
    return selectors.certificates_filtered(
        course=filters.get("course"),
        unit=unit,
        issued_after=datetime.fromisoformat(filters["issued_after"]) if filters.get("issued_after") else None,
        issued_before=datetime.fromisoformat(filters["issued_before"])
        if filters.get("issued_before")
        else None,
    ).order_by("pk")


def export_build(*, export_id: int) -> Export:
    """Build the ZIP: one PDF per certificate (read CHUNK at a time) and `manifest.csv`,
    written to a temporary file and then to storage, with progress as it goes. Outside any
    long transaction; building again (a redelivery) makes the same file, and a done export is
    left as it is."""
    export = Export.objects.get(pk=export_id)
    if export.status == Export.Status.DONE:
        return export
    certificates = _certificates(export.filters)
    total = certificates.count()
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.RUNNING, total=total, done=0, started_at=timezone.now(), error=""
    )
    try:
        with tempfile.TemporaryFile() as archive_file:
            _write_zip(archive_file, certificates, export_id=export.pk)
            archive_file.seek(0)
            export.refresh_from_db()
            export.file.save(f"lencana-certificates-{export.pk}.zip", File(archive_file), save=False)
            size = export.file.size
    except Exception as exc:
        logger.exception("export %s failed", export.pk)
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
        raise
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.DONE, file=export.file.name, size=size, done=total, finished_at=timezone.now()
    )
    export.refresh_from_db()
    return export


def _write_zip(target: Any, certificates: Any, *, export_id: int) -> None:
    # The manifest goes to a file of its own as the PDFs go in, and into the ZIP last.
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as manifest:
        writer = csv.writer(manifest)
        writer.writerow(MANIFEST_COLUMNS)
        # The PDFs are stored compressed already: no second compression.
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
            _write_pdfs(archive, writer, certificates, export_id=export_id)
            manifest.seek(0)
            with archive.open(zipfile.ZipInfo("manifest.csv"), "w") as entry:
                while block := manifest.read(64 * 1024):
                    entry.write(block.encode("utf-8"))


def _write_pdfs(archive: zipfile.ZipFile, writer: Any, certificates: Any, *, export_id: int) -> None:
    done = 0
    rows = certificates.iterator(chunk_size=CHUNK)
    while True:
        chunk = list(itertools.islice(rows, CHUNK))
        if not chunk:
            break
        pdfs = certificate_pdfs(certificate_ids=[c.pk for c in chunk])
        for certificate in chunk:
            pdf = pdfs.get(certificate.pk)
            name = f"{certificate.code}.pdf" if pdf else ""
            if pdf:
                archive.writestr(name, pdf)
            holder = certificate.holder
            writer.writerow(
                [
                    name,
                    certificate.code,
                    holder.nrp,
                    holder.name,
                    holder.rank,
                    holder.unit.name,
                    certificate.course.title,
                    certificate.issued_at.isoformat(),
                    certificate.expires_at.isoformat() if certificate.expires_at else "",
                    certificate.current_status,
                ]
            )
        done += len(chunk)
        Export.objects.filter(pk=export_id).update(done=done)


BATCH = 5_000


def _in(queryset, field: str, values: Sequence[int] | None):  # type: ignore[no-untyped-def]
    return queryset if values is None else queryset.filter(**{f"{field}__in": values})


@transaction.atomic
def compliance_refresh(
    *,
    unit_ids: Iterable[int] | None = None,
    course_ids: Iterable[int] | None = None,
    now: datetime | None = None,
) -> int:
    """Rewrite the compliance rows and counters of these units' own people (None: every unit)
    for these courses (None: every course). The units' rows are locked first, so two refreshes
    of one unit take turns. Returns the number of status rows written."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    units = None if unit_ids is None else sorted(set(unit_ids))
    courses = None if course_ids is None else sorted(set(course_ids))
    rules = selectors.rules_by_course(course_ids=courses)
    unit_path = dict(_in(Unit.objects.select_for_update(), "pk", units).values_list("pk", "path"))
    if units is not None:
        units = list(unit_path)

    # What is there now: current certificates and started courses of these units' people.
    assigned_courses = list(rules)
    certified_until: dict[tuple[int, int], datetime | None] = {}
    certificates = _in(Certificate.objects, "holder__unit_id", units).filter(
        Q(expires_at__isnull=True) | Q(expires_at__gt=now),
        status=Certificate.Status.VALID,
        course_id__in=assigned_courses,
    )
    for holder, course, expires in certificates.values_list("holder_id", "course_id", "expires_at"):
        key = (holder, course)
        held = certified_until.get(key, expires)
        # No expiry beats any date; otherwise the latest date counts.
        certified_until[key] = None if held is None or expires is None else max(held, expires)
    started = set(
        _in(Attempt.objects, "person__unit_id", units)
        .filter(quiz__module__course_id__in=assigned_courses)
        .values_list("person_id", "quiz__module__course_id")
        .distinct()
    )

    statuses: list[ComplianceStatus] = []
    counts: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    expiries: dict[tuple[int, int, date], int] = defaultdict(int)
    people = _in(Person.objects.filter(active=True), "unit_id", units).values_list(
        "pk", "unit_id", "function", "joined_on", "unit_since"
    )
    for pk, unit_id, function, joined_on, unit_since in people.iterator(chunk_size=BATCH):
        path = unit_path[unit_id]
        for course_id, course_rules in rules.items():
            assigned, due_on = selectors.assigned_due(
                course_rules, function=function, path=path, joined_on=joined_on, unit_since=unit_since
            )
            if not assigned:
                continue
            is_certified = (pk, course_id) in certified_until
            until = certified_until.get((pk, course_id))
            has_started = (pk, course_id) in started
            statuses.append(
                ComplianceStatus(
                    person_id=pk, course_id=course_id, unit_id=unit_id, due_on=due_on,
                    certified=is_certified, certified_until=until, started=has_started, refreshed_at=now,
                )
            )  # fmt: skip
            count = counts[(unit_id, course_id)]
            count[0] += 1
            if is_certified:
                count[1] += 1
                if until is not None:
                    expiries[(unit_id, course_id, timezone.localdate(until))] += 1
            else:
                count[2] += has_started
                count[3] += bool(due_on and due_on < today)

    old_counts = {
        (u, c): list(v)
        for u, c, *v in _in(
            _in(ComplianceCount.objects.all(), "unit_id", units), "course_id", courses
        ).values_list("unit_id", "course_id", "assigned", "certified", "in_progress", "overdue")
    }
    old_expiries = {
        (u, c, d): n
        for u, c, d, n in _in(
            _in(ExpiryCount.objects.all(), "unit_id", units), "course_id", courses
        ).values_list("unit_id", "course_id", "expires_on", "n")
    }
    for model in (ComplianceStatus, ComplianceCount, ExpiryCount):
        _in(_in(model.objects.all(), "unit_id", units), "course_id", courses).delete()  # type: ignore[attr-defined]
    ComplianceStatus.objects.bulk_create(statuses, batch_size=BATCH)
    ComplianceCount.objects.bulk_create(
        [
            ComplianceCount(
                unit_id=u, course_id=c, assigned=a, certified=cert, in_progress=p, overdue=o, refreshed_at=now
            )
            for (u, c), (a, cert, p, o) in counts.items()
        ],
        batch_size=BATCH,
    )
    ExpiryCount.objects.bulk_create(
        [ExpiryCount(unit_id=u, course_id=c, expires_on=d, n=n) for (u, c, d), n in expiries.items()],
        batch_size=BATCH,
    )
    if units is None:
        compliance_rollups_rebuild(course_ids=courses)
    else:
        _rollups_apply(
            unit_path=unit_path,
            count_deltas={
                key: [
                    n - o
                    for n, o in zip(
                        counts.get(key, [0, 0, 0, 0]), old_counts.get(key, [0, 0, 0, 0]), strict=True
                    )
                ]
                for key in set(counts) | set(old_counts)
            },
            expiry_deltas={
                key: expiries.get(key, 0) - old_expiries.get(key, 0)
                for key in set(expiries) | set(old_expiries)
            },
        )
    return len(statuses)


def _ancestors(path: str) -> list[int]:
    return [int(pk) for pk in path.split("/") if pk]


def _rollups_apply(
    *,
    unit_path: dict[int, str],
    count_deltas: dict[tuple[int, int], list[int]],
    expiry_deltas: dict[tuple[int, int, date], int],
) -> None:
    """Add the change of some units' counts to the subtree totals of each of their ancestors."""
    totals: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for (unit_id, course_id), changes in count_deltas.items():
        if any(changes):
            for ancestor in _ancestors(unit_path[unit_id]):
                total = totals[(ancestor, course_id)]
                for i, change in enumerate(changes):
                    total[i] += change
    days: dict[tuple[int, int, date], int] = defaultdict(int)
    for (unit_id, course_id, day), delta in expiry_deltas.items():
        if delta:
            for ancestor in _ancestors(unit_path[unit_id]):
                days[(ancestor, course_id, day)] += delta
    ComplianceRollup.objects.bulk_create(
        [ComplianceRollup(unit_id=u, course_id=c) for u, c in totals], ignore_conflicts=True
    )
    for (u, c), (a, cert, p, o) in totals.items():
        if a or cert or p or o:
            ComplianceRollup.objects.filter(unit_id=u, course_id=c).update(
                assigned=F("assigned") + a, certified=F("certified") + cert,
                in_progress=F("in_progress") + p, overdue=F("overdue") + o,
            )  # fmt: skip
    ExpiryRollup.objects.bulk_create(
        [ExpiryRollup(unit_id=u, course_id=c, expires_on=d) for u, c, d in days], ignore_conflicts=True
    )
    for (u, c, day), n in days.items():
        if n:
            ExpiryRollup.objects.filter(unit_id=u, course_id=c, expires_on=day).update(n=F("n") + n)
    ExpiryRollup.objects.filter(n=0, unit_id__in={u for u, _, _ in days}).delete()


@transaction.atomic
def compliance_rollups_rebuild(*, course_ids: Iterable[int] | None = None) -> None:
    """The subtree totals of every unit summed anew from the per-unit counts (after units
    moved in the tree, or a refresh of every unit): no people are read."""
    courses = None if course_ids is None else list(course_ids)
    unit_path = dict(Unit.objects.values_list("pk", "path"))
    totals: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for unit_id, course_id, *values in _in(ComplianceCount.objects.all(), "course_id", courses).values_list(
        "unit_id", "course_id", "assigned", "certified", "in_progress", "overdue"
    ):
        for ancestor in _ancestors(unit_path[unit_id]):
            total = totals[(ancestor, course_id)]
            for i, v in enumerate(values):
                total[i] += v
    days: dict[tuple[int, int, date], int] = defaultdict(int)
    for unit_id, course_id, day, n in _in(ExpiryCount.objects.all(), "course_id", courses).values_list(
        "unit_id", "course_id", "expires_on", "n"
    ):
        for ancestor in _ancestors(unit_path[unit_id]):
            days[(ancestor, course_id, day)] += n
    _in(ComplianceRollup.objects.all(), "course_id", courses).delete()
    _in(ExpiryRollup.objects.all(), "course_id", courses).delete()
    ComplianceRollup.objects.bulk_create(
        [
            ComplianceRollup(unit_id=u, course_id=c, assigned=a, certified=cert, in_progress=p, overdue=o)
            for (u, c), (a, cert, p, o) in totals.items()
        ],
        batch_size=BATCH,
    )
    ExpiryRollup.objects.bulk_create(
        [ExpiryRollup(unit_id=u, course_id=c, expires_on=d, n=n) for (u, c, d), n in days.items()],
        batch_size=BATCH,
    )


def compliance_refresh_for_person(*, person_id: int, course_id: int | None = None) -> int:
    unit_id = Person.objects.values_list("unit_id", flat=True).get(pk=person_id)
    return compliance_refresh(unit_ids=[unit_id], course_ids=None if course_id is None else [course_id])


def compliance_tick(*, now: datetime | None = None) -> int:
    """Refresh the units where time alone changed a count since their last refresh: a
    certificate ran out, or a due date passed. Returns how many units were refreshed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    ran_out = ComplianceStatus.objects.filter(certified=True, certified_until__lte=now)
    fell_due = ComplianceStatus.objects.filter(
        certified=False, due_on__lt=today, due_on__gte=F("refreshed_at__date")
    )
    units = sorted(
        set(ran_out.values_list("unit_id", flat=True)) | set(fell_due.values_list("unit_id", flat=True))
    )
    for start in range(0, len(units), 200):
        compliance_refresh(unit_ids=units[start : start + 200], now=now)
    return len(units)


# --- Assignments --------------------------------------------------------------------------------


def _assignment_check(*, functions: list[str], due_date: date | None, due_days: int | None) -> None:
    unknown = sorted(set(functions) - set(Function.values))
    if unknown:
        raise ServiceError(f"Unknown functions: {', '.join(unknown)}.", code="unknown_function")
    if due_date is not None and due_days is not None:
        raise ServiceError("Give a due date or a number of days, not both.", code="two_due_rules")


@transaction.atomic
def assignment_create(
    *,
    course: Course,
    functions: list[str],
    units: list[Unit],
    due_date: date | None = None,
    due_days: int | None = None,
    due_from: str = Assignment.DueFrom.JOINING,
) -> Assignment:
    """Require a course; the compliance of the course is refreshed in the same transaction."""
    _assignment_check(functions=functions, due_date=due_date, due_days=due_days)
    assignment = Assignment.objects.create(
        course=course,
        functions=sorted(set(functions)),
        due_date=due_date,
        due_days=due_days,
        due_from=due_from,
    )
    assignment.units.set(units)
    compliance_refresh(course_ids=[course.pk])
    return assignment


@transaction.atomic
def assignment_update(
    *,
    assignment: Assignment,
    functions: list[str],
    units: list[Unit],
    due_date: date | None = None,
    due_days: int | None = None,
    due_from: str = Assignment.DueFrom.JOINING,
) -> Assignment:
    _assignment_check(functions=functions, due_date=due_date, due_days=due_days)
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    assignment.functions = sorted(set(functions))
    assignment.due_date, assignment.due_days, assignment.due_from = due_date, due_days, due_from
    assignment.save()
    assignment.units.set(units)
    compliance_refresh(course_ids=[assignment.course_id])
    return assignment


@transaction.atomic
def assignment_delete(*, assignment: Assignment) -> None:
    course_id = assignment.course_id
    assignment.delete()
    compliance_refresh(course_ids=[course_id])
