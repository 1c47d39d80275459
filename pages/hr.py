"""HR's pages: compliance per unit and course with a chart, the overdue and expiring lists, a
person's transcript, CSV downloads. All reads are the `reports` selectors the API uses."""

import csv
from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from certificates.models import Certificate
from certificates.selectors import certificates_of_person
from courses import selectors as course_selectors
from courses.models import Course
from pages.access import role_required
from people.models import Role, Unit
from people.selectors import person_get_by_nrp, units_all
from quizzes.selectors import attempts_of_person
from reports import selectors as report_selectors
from reports.selectors import RollupRow

EXPIRING_DAYS = 60
BAR_HEIGHT = 22
LABEL_WIDTH = 190
CHART_WIDTH = 560


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _filters(request: HttpRequest) -> tuple[list[Course], Course | None, list[Unit], Unit | None]:
    courses = list(course_selectors.courses_published())
    units = list(units_all())
    course_id, unit_id = _int(request.GET.get("course")), _int(request.GET.get("unit"))
    course = next((c for c in courses if c.pk == course_id), None)
    unit = next((u for u in units if u.pk == unit_id), None)
    return courses, course, units, unit


def _unit_name(row: RollupRow) -> str:
    """The unit of a roll-up row; the row without one adds up the whole force."""
    return row.unit.name if row.unit else _("All units")


def _chart(rows: list[RollupRow], many_courses: bool) -> dict[str, Any]:
    """A horizontal bar per row: percent certified, with the overdue share in red."""
    bar_space = CHART_WIDTH - LABEL_WIDTH - 50
    bars = []
    for i, row in enumerate(rows):
        label = f"{_unit_name(row)} · {row.course}" if many_courses else _unit_name(row)
        certified = bar_space * row.certified / row.assigned if row.assigned else 0
        overdue = bar_space * row.overdue / row.assigned if row.assigned else 0
        bars.append(
            {
                "y": i * (BAR_HEIGHT + 8),
                "label": label if len(label) <= 30 else label[:29] + "…",
                "full_label": label,
                "certified_width": round(certified, 1),
                "overdue_x": round(LABEL_WIDTH + certified, 1),
                "overdue_width": round(overdue, 1),
                "percent": row.percent_certified,
                "row": row,
            }
        )
    return {
        "bars": bars,
        "width": CHART_WIDTH,
        "height": max(1, len(rows)) * (BAR_HEIGHT + 8),
        "label_width": LABEL_WIDTH,
        "bar_space": bar_space,
        "bar_height": BAR_HEIGHT,
        "text_dy": BAR_HEIGHT // 2 + 4,
        "end_x": CHART_WIDTH - 45,
    }


@role_required(Role.HR)
@require_GET
def compliance_page(request: HttpRequest) -> HttpResponse:
    courses, course, units, unit = _filters(request)
    chosen = [course] if course else courses
    rows = report_selectors.compliance(unit=unit, course_ids=[c.pk for c in chosen])
    overdue = [(c, list(report_selectors.overdue_people(course=c, unit=unit))) for c in chosen]
    expiring = report_selectors.certificates_filtered(
        course=course.pk if course else None,
        unit=unit,
        status=Certificate.Status.VALID,
        expires_before=timezone.now() + timedelta(days=EXPIRING_DAYS),
    )
    totals = {
        "assigned": sum(r.assigned for r in rows),
        "certified": sum(r.certified for r in rows),
        "in_progress": sum(r.in_progress for r in rows),
        "overdue": sum(r.overdue for r in rows),
    }
    totals["percent"] = round(100 * totals["certified"] / totals["assigned"]) if totals["assigned"] else 0
    context = {
        "courses": courses,
        "course": course,
        "units": units,
        "unit": unit,
        "rows": rows,
        "chart": _chart(rows, many_courses=len(chosen) > 1),
        "totals": totals,
        "overdue": [(c, people) for c, people in overdue if people],
        "expiring": list(expiring[:200]),
        "expiring_days": EXPIRING_DAYS,
        "query": request.GET.urlencode(),
    }
    return render(request, "pages/hr/compliance.html", context)


@role_required(Role.HR)
@require_GET
def compliance_csv(request: HttpRequest) -> HttpResponse:
    courses, course, _units, unit = _filters(request)
    chosen = [course] if course else courses
    rows = report_selectors.compliance(unit=unit, course_ids=[c.pk for c in chosen])
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="compliance.csv"'
    writer = csv.writer(response)
    writer.writerow(
        ["course", "unit", "assigned", "certified", "in_progress", "overdue", "percent_certified"]
    )
    for r in rows:
        writer.writerow(
            [r.course, _unit_name(r), r.assigned, r.certified, r.in_progress, r.overdue, r.percent_certified]
        )
    return response


@role_required(Role.HR)
@require_GET
def transcript_page(request: HttpRequest) -> HttpResponse:
    nrp = (request.GET.get("nrp") or "").strip()
    context: dict[str, Any] = {"nrp": nrp}
    if nrp:
        person = person_get_by_nrp(nrp=nrp)
        if person is None:
            context["not_found"] = _("No personnel with this NRP.")
        else:
            context.update(
                person=person,
                attempts=list(attempts_of_person(person=person)),
                certificates=list(certificates_of_person(person=person)),
            )
    return render(request, "pages/hr/transcript.html", context)
