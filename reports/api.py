"""Thin views of reads across apps: a learner's courses with progress, and HR's reports."""

import csv
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import django_filters
from django.conf import settings
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import renderers, serializers
from rest_framework.exceptions import APIException, NotFound
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates.api import CertificateOutputSerializer
from certificates.models import Certificate
from certificates.services import verify_url
from core.api import CSVRenderer, FilterSet
from courses.api import COURSE_TEXT_FIELDS
from courses.models import Course, Lesson, Module
from people.models import Function, Rank, Unit
from people.permissions import IsHR
from people.selectors import person_for_user, unit_by_key, unit_subtree_ids
from quizzes.api import PAGING_HELP
from quizzes.models import Attempt, Quiz
from reports import selectors, services
from reports.course_cache import course_page
from reports.models import Assignment, ComplianceStatus, Export

# --- A learner's courses ----------------------------------------------------------------------


class CourseListOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="course.id")
    slug = serializers.CharField(source="course.slug")
    title = serializers.CharField(source="course.title")
    title_en = serializers.CharField(source="course.title_en")
    description = serializers.CharField(source="course.description")
    description_en = serializers.CharField(source="course.description_en")
    required = serializers.BooleanField(help_text="required of this person by HR's assignments")  # type: ignore[assignment]
    due_on = serializers.DateField(allow_null=True, help_text="this person's due date, if any")
    overdue = serializers.BooleanField(help_text="required, past the due date, no current certificate")
    progress = serializers.SerializerMethodField()

    @extend_schema_field(
        inline_serializer(
            "CourseProgress",
            {
                "quizzes": serializers.IntegerField(),
                "quizzes_passed": serializers.IntegerField(),
                "percent": serializers.FloatField(),
                "certificate": serializers.IntegerField(allow_null=True),
                "certificate_code": serializers.CharField(allow_null=True),
            },
        )
    )
    def get_progress(self, row: selectors.LearnerCourse) -> dict:
        return {
            "quizzes": row.quizzes,
            "quizzes_passed": row.quizzes_passed,
            "percent": row.percent,
            "certificate": row.certificate_id,
            "certificate_code": row.certificate_code,
        }


class CourseListApi(ListAPIView):
    """The published courses with the person's progress; `required` and `due_on` follow HR's
    assignments (reports.selectors.learner_courses, as the pages)."""

    serializer_class = CourseListOutputSerializer

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI document's look at the view
            return Course.objects.none()
        return selectors.learner_courses(person=person_for_user(self.request.user))


class LessonOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lesson
        fields = ["id", "slug", "order", "title", "title_en", "body", "body_en"]


class QuizBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    title_en = serializers.CharField()
    pass_mark = serializers.IntegerField()
    time_limit_seconds = serializers.IntegerField()
    max_attempts = serializers.IntegerField()
    paging = serializers.ChoiceField(choices=Quiz.Paging.choices, help_text=PAGING_HELP)


class ModuleOutputSerializer(serializers.ModelSerializer):
    lessons = LessonOutputSerializer(many=True)
    quizzes = QuizBriefSerializer(many=True)

    class Meta:
        model = Module
        fields = ["id", "slug", "order", "title", "title_en", "lessons", "quizzes"]


class CourseDetailOutputSerializer(serializers.ModelSerializer):
    modules = ModuleOutputSerializer(many=True)
    required_for = serializers.SerializerMethodField()

    class Meta:
        model = Course
        fields = [
            *COURSE_TEXT_FIELDS,
            "required_for",
            "certificate_validity_days",
            "certificate_validity_months",
            "recertification_window_days",
            "due_date",
            "modules",
        ]

    def get_required_for(self, course: Course) -> list[dict[str, str]]:
        return [
            {"code": f, "name": Function(f).label}
            for f in course.required_functions or []
            if f in Function.values
        ]


class CourseDetailApi(APIView):
    @extend_schema(responses=CourseDetailOutputSerializer)
    def get(self, request: Request, course_id: int) -> Response:
        def build() -> dict[str, Any] | None:
            course = selectors.course_detail(course_id=course_id)
            return None if course is None else CourseDetailOutputSerializer(course).data

        data = course_page(course_id, build)
        if data is None:
            raise NotFound("No such course.")
        return Response(data)


# --- HR -------------------------------------------------------------------------------------


class CertificateFilter(FilterSet):
    course = django_filters.ModelChoiceFilter(queryset=Course.objects.only("pk"), method="noop")
    unit = django_filters.ModelChoiceFilter(queryset=Unit.objects.all(), method="noop")
    status = django_filters.ChoiceFilter(choices=Certificate.Status.choices, method="noop")
    issued_after = django_filters.IsoDateTimeFilter(method="noop")
    issued_before = django_filters.IsoDateTimeFilter(method="noop")
    expires_before = django_filters.IsoDateTimeFilter(method="noop")

    def noop(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset  # the selector applies every filter

    def filter_queryset(self, queryset: Any) -> Any:
        data = {k: v for k, v in self.form.cleaned_data.items() if v not in (None, "")}
        if "course" in data:
            data["course"] = data["course"].pk
        return selectors.certificates_filtered(**data)


CSV_COLUMNS = [
    "code",
    "nrp",
    "name",
    "rank",
    "unit",
    "function",
    "course",
    "issued_at",
    "expires_at",
    "status",
]


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_rows(certificates: Any) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_COLUMNS)
    for c in certificates.iterator(chunk_size=2000):
        h = c.holder
        yield writer.writerow(
            [
                c.code,
                h.nrp,
                h.name,
                h.rank,
                h.unit.name,
                h.function,
                c.course.title,
                c.issued_at.isoformat(),
                c.expires_at.isoformat() if c.expires_at else "",
                c.current_status,
            ]
        )


class CertificateCursor(CursorPagination):
    """Newest first by id, the order they were issued in: a unique key, so `previous` and `next`
    stay exact (DRF's cursor breaks going back across ties of a non-unique first field)."""

    ordering = "-id"  # the primary key, by the name the list's rows (dicts) carry it under
    page_size = 50
    max_page_size = 1000
    page_size_query_param = "page_size"


class HrCertificatesApi(ListAPIView):
    """Certificates with filters, newest first, with cursor pagination (`next`, `previous`), or all
    of them as a streamed CSV (`format=csv`)."""

    permission_classes = [IsHR]
    serializer_class = CertificateOutputSerializer
    renderer_classes = [renderers.JSONRenderer, CSVRenderer]
    filterset_class = CertificateFilter
    pagination_class = CertificateCursor
    queryset = Certificate.objects.none()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        certificates = self.filter_queryset(self.get_queryset())
        if request.accepted_renderer.format != "csv":
            page = self.paginate_queryset(selectors.certificate_rows(certificates))
            return self.get_paginated_response(CertificateRowSerializer(page, many=True).data)
        response = StreamingHttpResponse(_csv_rows(certificates), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="certificates.csv"'
        return response


# --- Rows built directly -----------------------------------------------------------------------
# HR's transcript and the drill-down list answer in a few milliseconds: their rows are dicts read
# with `.values()` (no model rows), turned into JSON by the `to_representation`s below, since
# DRF's generic walk over the declared fields cost most of a 100-row page. The declared fields
# remain the documented shape; tests/reports/test_hr.py holds the two equal.

_DATETIME = serializers.DateTimeField()
_DECIMAL = serializers.DecimalField(max_digits=8, decimal_places=2)


def _datetime(value: Any) -> str | None:
    """As DRF's DateTimeField writes it (in the current time zone, ISO 8601, UTC as "Z"), without
    its per-value checks for an aware time (a page has hundreds); anything else through DRF."""
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None or not settings.USE_TZ:
        return _DATETIME.to_representation(value)
    text = value.astimezone(timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _decimal(value: Any) -> str | None:
    return None if value is None else _DECIMAL.to_representation(value)


class CertificateRowSerializer(CertificateOutputSerializer):
    """HR's certificate list: `CertificateOutputSerializer`'s shape (the documented one) from the
    dicts of `selectors.certificate_rows`."""

    def to_representation(self, c: Mapping[str, Any]) -> dict:  # type: ignore[override]
        return {
            "id": c["id"],
            "code": c["code"],
            "course": {"id": c["course_id"], "title": c["course_title"], "title_en": c["course_title_en"]},
            "holder": {
                "nrp": c["holder_nrp"],
                "name": c["holder_name"],
                "rank": c["holder_rank"],
                "unit": c["unit_name"],
                "function": c["holder_function"],
            },
            "issued_at": _datetime(c["issued_at"]),
            "expires_at": _datetime(c["expires_at"]),
            "status": Certificate.status_as_of(c["status"], c["expires_at"], timezone.now()),
            "verify_url": verify_url(c["code"]),
        }


class TranscriptPersonSerializer(serializers.Serializer):
    nrp = serializers.CharField()
    name = serializers.CharField()
    rank = serializers.ChoiceField(Rank.choices)
    unit = serializers.CharField(source="unit_name")
    function = serializers.ChoiceField(Function.choices)

    def to_representation(self, p: Mapping[str, Any]) -> dict:
        return {
            "nrp": p["nrp"],
            "name": p["name"],
            "rank": p["rank"],
            "unit": p["unit_name"],
            "function": p["function"],
        }


class TranscriptCourseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class TranscriptAttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course = serializers.IntegerField(source="course_id")
    quiz = serializers.IntegerField(source="quiz_id")
    quiz_title = serializers.CharField()
    number = serializers.IntegerField()
    status = serializers.ChoiceField(Attempt.Status.choices)
    started_at = serializers.DateTimeField()
    submitted_at = serializers.DateTimeField(allow_null=True)
    score = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    max_score = serializers.DecimalField(max_digits=8, decimal_places=2, allow_null=True)
    percent = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    passed = serializers.BooleanField(allow_null=True)

    def to_representation(self, a: Mapping[str, Any]) -> dict:
        return {
            "id": a["id"], "course": a["course_id"], "quiz": a["quiz_id"], "quiz_title": a["quiz_title"],
            "number": a["number"], "status": a["status"], "started_at": _datetime(a["started_at"]),
            "submitted_at": _datetime(a["submitted_at"]), "score": _decimal(a["score"]),
            "max_score": _decimal(a["max_score"]), "percent": _decimal(a["percent"]), "passed": a["passed"],
        }  # fmt: skip


class TranscriptResultSerializer(serializers.Serializer):
    """A person's result on a quiz in one cycle of its course, under the quiz's grading method:
    what certificates count."""

    course = serializers.IntegerField(source="course_id")
    cycle = serializers.IntegerField()
    quiz = serializers.IntegerField(source="quiz_id")
    quiz_title = serializers.CharField()
    grading_method = serializers.CharField(source="result.method")
    percent = serializers.DecimalField(source="result.percent", max_digits=5, decimal_places=2)
    passed = serializers.BooleanField(source="result.passed")
    attempts = serializers.ListField(source="result.attempts", child=serializers.IntegerField())
    attempts_counted = serializers.IntegerField(source="result.counted")


class TranscriptSerializer(serializers.Serializer):
    """A person's courses, attempts with their scores, and certificates (each as in HR's list of
    certificates, the holder included)."""

    person = TranscriptPersonSerializer()
    courses = TranscriptCourseSerializer(many=True)
    attempts = TranscriptAttemptSerializer(many=True)
    results = TranscriptResultSerializer(many=True)
    certificates = CertificateOutputSerializer(many=True)

    def to_representation(self, t: selectors.Transcript) -> dict:
        person = TranscriptPersonSerializer().to_representation(t.person)
        attempt = TranscriptAttemptSerializer().to_representation
        now = timezone.now()
        return {
            "person": person,
            "courses": t.courses,
            "attempts": [attempt(a) for a in t.attempts],
            "results": TranscriptResultSerializer(t.results, many=True).data,
            "certificates": [
                {
                    "id": c["id"],
                    "code": c["code"],
                    "course": {
                        "id": c["course_id"],
                        "title": c["course_title"],
                        "title_en": c["course_title_en"],
                    },
                    "holder": person,
                    "issued_at": _datetime(c["issued_at"]),
                    "expires_at": _datetime(c["expires_at"]),
                    "status": Certificate.status_as_of(c["status"], c["expires_at"], now),
                    "verify_url": verify_url(c["code"]),
                }
                for c in t.certificates
            ],
        }


class HrTranscriptApi(APIView):
    """One person's transcript: two indexed queries of the columns shown."""

    permission_classes = [IsHR]

    @extend_schema(responses={200: TranscriptSerializer})
    def get(self, request: Request, nrp: str) -> Response:
        transcript = selectors.transcript(nrp=nrp)
        if transcript is None:
            raise NotFound("No personnel with this NRP.")
        return Response(TranscriptSerializer(transcript).data)


def _unit_param(value: str | None) -> Unit | None:
    """A unit named by id or by code, in one query."""
    if not value:
        return None
    unit = unit_by_key(key=value).only("pk", "code", "name").first()
    if unit is None:
        raise NotFound("No such unit.")
    return unit


class UnitBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class ComplianceRowSerializer(serializers.Serializer):
    unit = UnitBriefSerializer(allow_null=True, help_text="null: the whole force")
    course = serializers.IntegerField(source="course_id")
    course_title = serializers.CharField(source="course")
    assigned = serializers.IntegerField()
    certified = serializers.IntegerField()
    in_progress = serializers.IntegerField()
    overdue = serializers.IntegerField()
    expiring = serializers.IntegerField()
    percent_certified = serializers.FloatField()


class ComplianceQuerySerializer(serializers.Serializer):
    course = serializers.IntegerField(required=False)
    unit = serializers.CharField(required=False, help_text="id or code; default: the whole force")
    expiring_days = serializers.IntegerField(required=False, min_value=0, max_value=3660, default=30)


COMPLIANCE_CSV = [
    "unit_id", "unit_code", "unit", "course", "course_title", "assigned", "certified", "in_progress",
    "overdue", "expiring", "percent_certified",
]  # fmt: skip


def _stream_csv(name: str, header: list[str], rows: Any) -> StreamingHttpResponse:
    def lines() -> Iterator[str]:
        writer = csv.writer(_Echo())
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


class HrComplianceApi(APIView):
    """Compliance per course for a unit and each of its child units, each rolled up over its
    subtree, from counters kept by the events (not a scan of the people)."""

    permission_classes = [IsHR]
    renderer_classes = [renderers.JSONRenderer, CSVRenderer]

    @extend_schema(
        parameters=[ComplianceQuerySerializer],
        responses={
            200: inline_serializer("Compliance", {"results": ComplianceRowSerializer(many=True)}),
            (200, "text/csv"): str,
        },
    )
    def get(self, request: Request) -> Any:
        query = ComplianceQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        unit = _unit_param(params.get("unit"))
        rows = selectors.compliance(
            unit=unit,
            course_ids=[params["course"]] if "course" in params else None,
            expiring_days=params["expiring_days"],
        )
        if request.accepted_renderer.format == "csv":
            return _stream_csv(
                "compliance",
                COMPLIANCE_CSV,
                (
                    [
                        r.unit.pk if r.unit else "",
                        r.unit.code if r.unit else "",
                        r.unit.name if r.unit else "",
                        r.course_id,
                        r.course,
                        r.assigned,
                        r.certified,
                        r.in_progress,
                        r.overdue,
                        r.expiring,
                        r.percent_certified,
                    ]
                    for r in rows
                ),
            )
        return Response({"results": ComplianceRowSerializer(rows, many=True).data})


class CompliancePeopleFilter(FilterSet):
    course = django_filters.NumberFilter(method="noop", required=True)
    unit = django_filters.CharFilter(method="noop", help_text="id or code: the unit's subtree")
    state = django_filters.ChoiceFilter(choices=[(s, s) for s in selectors.COMPLIANCE_STATES], method="noop")
    function = django_filters.ChoiceFilter(choices=Function.choices, method="noop")
    expiring_days = django_filters.NumberFilter(method="noop")

    def noop(self, queryset: Any, name: str, value: Any) -> Any:
        return queryset  # the selector applies every filter

    def filter_queryset(self, queryset: Any) -> Any:
        data = self.form.cleaned_data
        unit_ids = unit_subtree_ids(key=data["unit"]) if data.get("unit") else None
        if unit_ids == []:
            raise NotFound("No such unit.")
        return selectors.compliance_people_rows(
            course_id=int(data["course"]),
            unit_ids=unit_ids,
            state=data.get("state") or None,
            function=data.get("function") or None,
            expiring_days=int(data.get("expiring_days") or 30),
        )


class ComplianceCursor(CursorPagination):
    ordering = "person_id"
    page_size = 100
    max_page_size = 1000
    page_size_query_param = "page_size"


class StatusUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="unit_id")
    code = serializers.CharField(source="unit_code")
    name = serializers.CharField(source="unit_name")


class CompliancePersonSerializer(serializers.Serializer):
    nrp = serializers.CharField()
    name = serializers.CharField()
    rank = serializers.CharField()
    function = serializers.CharField()
    unit = StatusUnitSerializer(source="*")
    course = serializers.IntegerField(source="course_id")
    due_on = serializers.DateField(allow_null=True)
    certified = serializers.BooleanField()
    certified_until = serializers.DateTimeField(allow_null=True)
    started = serializers.BooleanField()
    overdue = serializers.BooleanField()

    def to_representation(self, s: Mapping[str, Any]) -> dict:
        """A row of compliance_people_rows, built directly (see "Rows built directly")."""
        due_on = s["due_on"]
        return {
            "nrp": s["nrp"],
            "name": s["name"],
            "rank": s["rank"],
            "function": s["function"],
            "unit": {"id": s["unit_id"], "code": s["unit_code"], "name": s["unit_name"]},
            "course": s["course_id"],
            "due_on": None if due_on is None else due_on.isoformat(),
            "certified": s["certified"],
            "certified_until": _datetime(s["certified_until"]),
            "started": s["started"],
            "overdue": s["overdue"],
        }


PEOPLE_CSV = [
    "nrp", "name", "rank", "function", "unit_code", "unit", "due_on", "certified", "certified_until",
    "started", "overdue",
]  # fmt: skip


class HrCompliancePeopleApi(ListAPIView):
    """The people behind a compliance row (drill-down from a Polsek to its personnel), with
    filters, cursor pagination and a streamed CSV of any size (`format=csv`)."""

    permission_classes = [IsHR]
    serializer_class = CompliancePersonSerializer
    renderer_classes = [renderers.JSONRenderer, CSVRenderer]
    filterset_class = CompliancePeopleFilter
    pagination_class = ComplianceCursor
    queryset = ComplianceStatus.objects.none()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        if request.accepted_renderer.format != "csv":
            return super().list(request, *args, **kwargs)
        statuses = self.filter_queryset(self.get_queryset()).order_by("person_id")
        return _stream_csv(
            "compliance-people",
            PEOPLE_CSV,
            (
                [
                    s["nrp"],
                    s["name"],
                    s["rank"],
                    s["function"],
                    s["unit_code"],
                    s["unit_name"],
                    s["due_on"] or "",
                    s["certified"],
                    s["certified_until"].isoformat() if s["certified_until"] else "",
                    s["started"],
                    s["overdue"],
                ]
                for s in statuses.iterator(chunk_size=2000)
            ),
        )


# --- Assignments ----------------------------------------------------------------------------


class AssignmentInputSerializer(serializers.Serializer):
    course = serializers.PrimaryKeyRelatedField(queryset=Course.objects.all())
    functions = serializers.ListField(child=serializers.ChoiceField(Function.choices), default=list)
    units = serializers.ListField(child=serializers.CharField(), default=list, help_text="unit codes")
    due_date = serializers.DateField(required=False, allow_null=True, default=None)
    due_days = serializers.IntegerField(required=False, allow_null=True, min_value=0, default=None)
    due_from = serializers.ChoiceField(Assignment.DueFrom.choices, default=Assignment.DueFrom.JOINING)

    def validate_units(self, codes: list[str]) -> list[Unit]:
        units = list(Unit.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {u.code for u in units})
        if missing:
            raise serializers.ValidationError(f"No such units: {', '.join(missing)}.")
        return units


class AssignmentOutputSerializer(serializers.ModelSerializer):
    units = serializers.SerializerMethodField()

    class Meta:
        model = Assignment
        fields = ["id", "course", "functions", "units", "due_date", "due_days", "due_from", "created_at"]

    def get_units(self, assignment: Assignment) -> list[str]:
        return [u.code for u in assignment.units.all()]


class HrAssignmentsApi(ListAPIView):
    """The assignments, paginated as API.md's lists are (`count`, `next`, `previous`,
    `results`); POST adds one."""

    permission_classes = [IsHR]
    serializer_class = AssignmentOutputSerializer
    filter_backends: list = []

    def get_queryset(self) -> Any:
        return selectors.assignments_all()

    @extend_schema(request=AssignmentInputSerializer, responses={201: AssignmentOutputSerializer})
    def post(self, request: Request) -> Response:
        data = AssignmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assignment = services.assignment_create(**data.validated_data)
        return Response(AssignmentOutputSerializer(assignment).data, status=201)


class HrAssignmentDetailApi(APIView):
    permission_classes = [IsHR]

    def _get(self, assignment_id: int) -> Assignment:
        assignment = selectors.assignments_all().filter(pk=assignment_id).first()
        if assignment is None:
            raise NotFound("No such assignment.")
        return assignment

    @extend_schema(responses=AssignmentOutputSerializer)
    def get(self, request: Request, assignment_id: int) -> Response:
        return Response(AssignmentOutputSerializer(self._get(assignment_id)).data)

    @extend_schema(request=AssignmentInputSerializer, responses=AssignmentOutputSerializer)
    def put(self, request: Request, assignment_id: int) -> Response:
        assignment = self._get(assignment_id)
        data = AssignmentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        if fields.pop("course") != assignment.course:
            raise serializers.ValidationError({"course": "An assignment keeps its course."})
        assignment = services.assignment_update(assignment=assignment, **fields)
        return Response(AssignmentOutputSerializer(self._get(assignment.pk)).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, assignment_id: int) -> Response:
        services.assignment_delete(assignment=self._get(assignment_id))
        return Response(status=204)


# --- HR's bulk exports ------------------------------------------------------------------------


class ExportOutputSerializer(serializers.ModelSerializer):
    progress = serializers.IntegerField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Export
        fields = [
            "id", "status", "progress", "total", "done", "filters", "size", "error",
            "created_at", "started_at", "finished_at", "download_url",
        ]  # fmt: skip

    def get_download_url(self, export: Export) -> str | None:
        if export.status != Export.Status.DONE:
            return None
        return reverse("hr-export-download", kwargs={"export_id": export.pk})


def _export_for(request: Request, export_id: int) -> Export:
    """HR see the exports they asked for; staff see all."""
    export = Export.objects.filter(pk=export_id).first()
    if export is None or not (export.requested_by_id == request.user.pk or request.user.is_staff):
        raise NotFound("No such export.")
    return export


class HrExportCreateApi(APIView):
    permission_classes = [IsHR]

    class ExportInputSerializer(serializers.Serializer):
        course = serializers.PrimaryKeyRelatedField(
            queryset=Course.objects.all(), required=False, allow_null=True
        )
        unit = serializers.PrimaryKeyRelatedField(
            queryset=Unit.objects.all(), required=False, allow_null=True
        )
        issued_after = serializers.DateTimeField(required=False, allow_null=True)
        issued_before = serializers.DateTimeField(required=False, allow_null=True)

    @extend_schema(request=ExportInputSerializer, responses={202: ExportOutputSerializer})
    def post(self, request: Request) -> Response:
        serializer = self.ExportInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        export = services.export_request(
            user=request.user,
            course=data["course"].pk if data.get("course") else None,
            unit=data["unit"].pk if data.get("unit") else None,
            issued_after=data.get("issued_after"),
            issued_before=data.get("issued_before"),
        )
        url = reverse("hr-export-detail", kwargs={"export_id": export.pk})
        return Response(ExportOutputSerializer(export).data, status=202, headers={"Location": url})


class HrExportDetailApi(APIView):
    permission_classes = [IsHR]

    @extend_schema(responses=ExportOutputSerializer)
    def get(self, request: Request, export_id: int) -> Response:
        return Response(ExportOutputSerializer(_export_for(request, export_id)).data)


class _ExportNotReady(APIException):
    status_code = 409
    default_detail = "The export is not ready yet; follow its status."
    default_code = "not_ready"


class HrExportDownloadApi(APIView):
    permission_classes = [IsHR]

    @extend_schema(responses={(200, "application/zip"): bytes})
    def get(self, request: Request, export_id: int) -> FileResponse:
        export = _export_for(request, export_id)
        if export.status != Export.Status.DONE or not export.file:
            raise _ExportNotReady()
        # Streamed from storage in blocks: memory stays flat however large the archive.
        return FileResponse(
            export.file.open("rb"),
            as_attachment=True,
            filename=f"lencana-certificates-{export.pk}.zip",
            content_type="application/zip",
        )
