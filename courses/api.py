"""Thin views: courses for learners, and course/module/lesson authoring for instructors."""

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from courses import selectors
from courses.models import Course, Lesson, Module
from people.models import Function
from people.permissions import IsInstructor
from people.selectors import person_for_user

COURSE_TEXT_FIELDS = ["id", "slug", "title", "title_en", "description", "description_en"]


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


# --- Authoring ------------------------------------------------------------------------------


class CourseAuthoringSerializer(serializers.ModelSerializer):
    required_functions = serializers.ListField(
        child=serializers.ChoiceField(choices=Function.choices), required=False
    )

    class Meta:
        model = Course
        fields = [
            *COURSE_TEXT_FIELDS,
            "status",
            "required_functions",
            "certificate_validity_days",
            "due_date",
            "created_at",
            "updated_at",
        ]


class ModuleAuthoringSerializer(serializers.ModelSerializer):
    class Meta:
        model = Module
        fields = ["id", "course", "slug", "order", "title", "title_en"]


class LessonAuthoringSerializer(serializers.ModelSerializer):
    class Meta:
        model = Lesson
        fields = ["id", "module", "slug", "order", "title", "title_en", "body", "body_en"]


class CourseAuthoringViewSet(viewsets.ModelViewSet):
    permission_classes = [IsInstructor]
    serializer_class = CourseAuthoringSerializer
    queryset = Course.objects.order_by("id")
    filterset_fields = ["status"]


class ModuleAuthoringViewSet(viewsets.ModelViewSet):
    permission_classes = [IsInstructor]
    serializer_class = ModuleAuthoringSerializer
    queryset = Module.objects.order_by("course", "order", "id")
    filterset_fields = ["course"]


class LessonAuthoringViewSet(viewsets.ModelViewSet):
    permission_classes = [IsInstructor]
    serializer_class = LessonAuthoringSerializer
    queryset = Lesson.objects.order_by("module", "order", "id")
    filterset_fields = ["module"]
