"""Thin views: course, module and lesson authoring for instructors. (A learner's view of
courses, with quizzes and progress, reads across apps: it is in `reports`.)"""

from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from audit.api import Audited
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


class CourseAuthoringViewSet(
    Audited, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
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
                "due_date",
                "created_at",
                "updated_at",
            ]

    permission_classes = [IsInstructor]
    serializer_class = CourseAuthoringOutputSerializer
    queryset = Course.objects.order_by("id")
    filterset_fields = ["status"]

    @extend_schema(request=CourseAuthoringInputSerializer, responses={201: CourseAuthoringOutputSerializer})
    def create(self, request: Request) -> Response:
        serializer = self.CourseAuthoringInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        course = services.course_create(**serializer.validated_data)
        return Response(self.CourseAuthoringOutputSerializer(course).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CourseAuthoringInputSerializer, responses=CourseAuthoringOutputSerializer)
    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        course = self.get_object()
        serializer = self.CourseAuthoringInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        course = services.course_update(course=course, data=serializer.validated_data)
        return Response(self.CourseAuthoringOutputSerializer(course).data)

    @extend_schema(request=CourseAuthoringInputSerializer, responses=CourseAuthoringOutputSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        services.course_delete(course=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class ModuleAuthoringViewSet(
    Audited, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
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
    queryset = Module.objects.order_by("course", "order", "id")
    filterset_fields = ["course"]

    @extend_schema(request=ModuleAuthoringInputSerializer, responses={201: ModuleAuthoringOutputSerializer})
    def create(self, request: Request) -> Response:
        serializer = self.ModuleAuthoringInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        module = services.module_create(**serializer.validated_data)
        return Response(self.ModuleAuthoringOutputSerializer(module).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ModuleAuthoringInputSerializer, responses=ModuleAuthoringOutputSerializer)
    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        module = self.get_object()
        serializer = self.ModuleAuthoringInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        module = services.module_update(module=module, data=serializer.validated_data)
        return Response(self.ModuleAuthoringOutputSerializer(module).data)

    @extend_schema(request=ModuleAuthoringInputSerializer, responses=ModuleAuthoringOutputSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        services.module_delete(module=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class LessonAuthoringViewSet(
    Audited, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
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
    queryset = Lesson.objects.order_by("module", "order", "id")
    filterset_fields = ["module"]

    @extend_schema(request=LessonAuthoringInputSerializer, responses={201: LessonAuthoringOutputSerializer})
    def create(self, request: Request) -> Response:
        serializer = self.LessonAuthoringInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lesson = services.lesson_create(**serializer.validated_data)
        return Response(self.LessonAuthoringOutputSerializer(lesson).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LessonAuthoringInputSerializer, responses=LessonAuthoringOutputSerializer)
    def update(self, request: Request, pk: str, partial: bool = False) -> Response:
        lesson = self.get_object()
        serializer = self.LessonAuthoringInputSerializer(data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        lesson = services.lesson_update(lesson=lesson, data=serializer.validated_data)
        return Response(self.LessonAuthoringOutputSerializer(lesson).data)

    @extend_schema(request=LessonAuthoringInputSerializer, responses=LessonAuthoringOutputSerializer)
    def partial_update(self, request: Request, pk: str) -> Response:
        return self.update(request, pk, partial=True)

    def destroy(self, request: Request, pk: str) -> Response:
        services.lesson_delete(lesson=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
