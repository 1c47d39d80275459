"""Thin views of reads across apps: a learner's courses with progress, and HR's reports."""

import csv
from collections.abc import Iterator
from typing import Any

import django_filters
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import renderers, serializers
from rest_framework.exceptions import APIException, NotFound
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from certificates.api import CertificateOutputSerializer, PersonSummarySerializer
from certificates.models import Certificate
from certificates.selectors import certificates_of_person
from courses.api import COURSE_TEXT_FIELDS
from courses.models import Course, Lesson, Module
from people.models import Function, Unit
from people.permissions import IsHR
from people.selectors import person_for_user, person_get_by_nrp
from quizzes.models import Attempt
from quizzes.selectors import attempts_of_person
from reports import selectors, services
from reports.models import Export

# --- A learner's courses ----------------------------------------------------------------------


class CourseListApi(ListAPIView):
    class CourseListOutputSerializer(serializers.ModelSerializer):
        required = serializers.SerializerMethodField()  # type: ignore[assignment]
        progress = serializers.SerializerMethodField()

        class Meta:
            model = Course
            fields = [*COURSE_TEXT_FIELDS, "required", "progress"]

        def get_required(self, course: Course) -> bool:
            person = self.context["person"]
            return bool(person and person.function in (course.required_functions or []))

        def get_progress(self, course: Course) -> dict:
            total, passed = course.quiz_count, course.quizzes_passed  # type: ignore[attr-defined]
            return {
                "quizzes": total,
                "quizzes_passed": passed,
                "percent": round(100 * passed / total, 1) if total else 0.0,
                "certificate": course.certificate_id,  # type: ignore[attr-defined]
                "certificate_code": course.certificate_code,  # type: ignore[attr-defined]
            }

    serializer_class = CourseListOutputSerializer

    def get_queryset(self) -> QuerySet[Course]:
        return selectors.courses_for_person(person=self._person())

    def _person(self):  # type: ignore[no-untyped-def]
        if not hasattr(self, "_cached_person"):
            self._cached_person = person_for_user(self.request.user)
        return self._cached_person

    def get_serializer_context(self) -> dict:
        return {**super().get_serializer_context(), "person": self._person()}


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
        course = selectors.course_detail(course_id=course_id)
        if course is None:
            raise NotFound("No such course.")
        return Response(CourseDetailOutputSerializer(course).data)


# --- HR -------------------------------------------------------------------------------------


class CSVRenderer(renderers.BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return str(data).encode()  # used only for error bodies; lists stream their own CSV


class CertificateFilter(django_filters.FilterSet):
    course = django_filters.ModelChoiceFilter(queryset=Course.objects.all(), method="noop")
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


class HrCertificatesApi(ListAPIView):
    permission_classes = [IsHR]
    serializer_class = CertificateOutputSerializer
    renderer_classes = [renderers.JSONRenderer, CSVRenderer]
    filterset_class = CertificateFilter
    queryset = Certificate.objects.none()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Any:
        if request.accepted_renderer.format != "csv":
            return super().list(request, *args, **kwargs)
        certificates = self.filter_queryset(self.get_queryset())
        response = StreamingHttpResponse(_csv_rows(certificates), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="certificates.csv"'
        return response


class TranscriptAttemptSerializer(serializers.ModelSerializer):
    course = serializers.IntegerField(source="quiz.module.course_id")
    quiz_title = serializers.CharField(source="quiz.title")

    class Meta:
        model = Attempt
        fields = [
            "id", "course", "quiz", "quiz_title", "number", "status", "started_at", "submitted_at",
            "score", "max_score", "percent", "passed",
        ]  # fmt: skip


class HrTranscriptApi(APIView):
    permission_classes = [IsHR]

    @extend_schema(responses={200: dict})
    def get(self, request: Request, nrp: str) -> Response:
        person = person_get_by_nrp(nrp=nrp)
        if person is None:
            raise NotFound("No personnel with this NRP.")
        attempts = list(attempts_of_person(person=person))
        courses = {a.quiz.module.course_id: a.quiz.module.course for a in attempts}
        return Response(
            {
                "person": PersonSummarySerializer(person).data,
                "courses": [{"id": c.pk, "title": c.title} for c in courses.values()],
                "attempts": TranscriptAttemptSerializer(attempts, many=True).data,
                "certificates": CertificateOutputSerializer(
                    certificates_of_person(person=person), many=True
                ).data,
            }
        )


class HrComplianceApi(APIView):
    permission_classes = [IsHR]

    @extend_schema(
        parameters=[OpenApiParameter("course", int), OpenApiParameter("unit", int)], responses={200: dict}
    )
    def get(self, request: Request) -> Response:
        courses = Course.objects.filter(status=Course.Status.PUBLISHED)
        unit = None
        try:
            if request.query_params.get("course"):
                courses = courses.filter(pk=int(request.query_params["course"]))
            if request.query_params.get("unit"):
                unit = Unit.objects.filter(pk=int(request.query_params["unit"])).first()
                if unit is None:
                    raise NotFound("No such unit.")
        except ValueError as exc:
            raise serializers.ValidationError({"detail": "course and unit are ids."}) from exc
        rows = selectors.compliance(courses=courses, unit=unit)
        return Response(
            {
                "results": [
                    {
                        "course": r.course_id,
                        "course_title": r.course,
                        "unit": r.unit_id,
                        "unit_name": r.unit,
                        "assigned": r.assigned,
                        "certified": r.certified,
                        "in_progress": r.in_progress,
                        "overdue": r.overdue,
                        "percent_certified": r.percent_certified,
                    }
                    for r in rows
                ]
            }
        )


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
