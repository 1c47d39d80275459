"""Thin views: course, module and lesson authoring for instructors. (A learner's view of
courses, with quizzes and progress, reads across apps: it is in `reports`.)"""

from rest_framework import serializers, viewsets

from courses.models import Course, Lesson, Module
from people.models import Function
from people.permissions import IsInstructor

COURSE_TEXT_FIELDS = ["id", "slug", "title", "title_en", "description", "description_en"]


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
