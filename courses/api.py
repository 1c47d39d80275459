"""Thin views: course, module and lesson authoring for instructors. (A learner's view of
courses, with quizzes and progress, reads across apps: it is in `reports`.)"""

from typing import Any

from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from audit.api import Audited
from core.api import ServiceWriteViewSet
from courses import services
from courses.models import Course, Lesson, Module
from people.models import Function
from people.permissions import IsInstructor

COURSE_TEXT_FIELDS = ["id", "slug", "title", "title_en", "description", "description_en"]


# --- Authoring ------------------------------------------------------------------------------
# Thin viewsets (config/urls.py routes them): list and retrieve answer with the Output
# serializer; each write validates the Input serializer (partial on PATCH), calls one service
# and answers with the Output serializer. The rules (unique slugs, what may be deleted) are the
# services'.

# Input and Output serializers of a resource share one component name in the OpenAPI document
# (`CourseAuthoringRequest` in, `CourseAuthoring` out, as before they were split).

# The largest value of a PostgreSQL integer, what PositiveIntegerField stores.
INTEGER_MAX = 2_147_483_647


class CourseAuthoringViewSet(Audited, ServiceWriteViewSet):
    audit_target = "course"

    @extend_schema_serializer(component_name="CourseAuthoring")
    class CourseAuthoringInputSerializer(serializers.Serializer):
        slug = serializers.SlugField(max_length=100)
        title = serializers.CharField(max_length=200)
        title_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
        description = serializers.CharField(required=False, allow_blank=True)
        description_en = serializers.CharField(required=False, allow_blank=True)
        status = serializers.ChoiceField(choices=Course.Status.choices, required=False)
        required_functions = serializers.ListField(
            child=serializers.ChoiceField(choices=Function.choices), required=False
        )
        certificate_validity_days = serializers.IntegerField(
            min_value=0, max_value=INTEGER_MAX, required=False, allow_null=True
        )
        certificate_validity_months = serializers.IntegerField(
            min_value=1, max_value=1200, required=False, allow_null=True
        )
        recertification_window_days = serializers.IntegerField(min_value=0, max_value=3650, required=False)
        due_date = serializers.DateField(required=False, allow_null=True)

    @extend_schema_serializer(component_name="CourseAuthoring")
    class CourseAuthoringOutputSerializer(serializers.ModelSerializer):
        required_functions = serializers.ListField(child=serializers.ChoiceField(choices=Function.choices))

        class Meta:
            model = Course
            fields = [
                *COURSE_TEXT_FIELDS,
                "status",
                "required_functions",
                "certificate_validity_days",
                "certificate_validity_months",
                "recertification_window_days",
                "due_date",
                "created_at",
                "updated_at",
            ]

    permission_classes = [IsInstructor]
    serializer_class = CourseAuthoringOutputSerializer
    input_serializer_class = CourseAuthoringInputSerializer
    queryset = Course.objects.order_by("id")
    filterset_fields = ["status"]

    def service_create(self, data: dict[str, Any]) -> Course:
        return services.course_create(**data)

    def service_update(self, instance: Course, data: dict[str, Any]) -> Course:
        return services.course_update(course=instance, data=data)  # type: ignore[arg-type]

    def service_delete(self, instance: Course) -> None:
        services.course_delete(course=instance)


class ModuleAuthoringViewSet(Audited, ServiceWriteViewSet):
    audit_target = "module"

    @extend_schema_serializer(component_name="ModuleAuthoring")
    class ModuleAuthoringInputSerializer(serializers.Serializer):
        course = serializers.PrimaryKeyRelatedField(queryset=Course.objects.all())
        slug = serializers.SlugField(max_length=100)
        order = serializers.IntegerField(min_value=0, max_value=INTEGER_MAX, required=False)
        title = serializers.CharField(max_length=200)
        title_en = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema_serializer(component_name="ModuleAuthoring")
    class ModuleAuthoringOutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = Module
            fields = ["id", "course", "slug", "order", "title", "title_en"]

    permission_classes = [IsInstructor]
    serializer_class = ModuleAuthoringOutputSerializer
    input_serializer_class = ModuleAuthoringInputSerializer
    queryset = Module.objects.order_by("course", "order", "id")
    filterset_fields = ["course"]

    def service_create(self, data: dict[str, Any]) -> Module:
        return services.module_create(**data)

    def service_update(self, instance: Module, data: dict[str, Any]) -> Module:
        return services.module_update(module=instance, data=data)  # type: ignore[arg-type]

    def service_delete(self, instance: Module) -> None:
        services.module_delete(module=instance)


class LessonAuthoringViewSet(Audited, ServiceWriteViewSet):
    audit_target = "lesson"

    @extend_schema_serializer(component_name="LessonAuthoring")
    class LessonAuthoringInputSerializer(serializers.Serializer):
        module = serializers.PrimaryKeyRelatedField(queryset=Module.objects.all())
        slug = serializers.SlugField(max_length=100)
        order = serializers.IntegerField(min_value=0, max_value=INTEGER_MAX, required=False)
        title = serializers.CharField(max_length=200)
        title_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
        body = serializers.CharField(help_text="Markdown, Bahasa Indonesia")
        body_en = serializers.CharField(required=False, allow_blank=True, help_text="Markdown, English")

    @extend_schema_serializer(component_name="LessonAuthoring")
    class LessonAuthoringOutputSerializer(serializers.ModelSerializer):
        class Meta:
            model = Lesson
            fields = ["id", "module", "slug", "order", "title", "title_en", "body", "body_en"]

    permission_classes = [IsInstructor]
    serializer_class = LessonAuthoringOutputSerializer
    input_serializer_class = LessonAuthoringInputSerializer
    queryset = Lesson.objects.order_by("module", "order", "id")
    filterset_fields = ["module"]

    def service_create(self, data: dict[str, Any]) -> Lesson:
        return services.lesson_create(**data)

    def service_update(self, instance: Lesson, data: dict[str, Any]) -> Lesson:
        return services.lesson_update(lesson=instance, data=data)  # type: ignore[arg-type]

    def service_delete(self, instance: Lesson) -> None:
        services.lesson_delete(lesson=instance)
