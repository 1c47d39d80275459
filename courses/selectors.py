"""Reads of courses for authoring (a learner's view, with progress, is in `reports`)."""

from django.db.models import Count, QuerySet

from courses.models import Course, Lesson, Module


def courses_for_authoring() -> QuerySet[Course]:
    """Every course, drafts included, with how many modules it has."""
    return Course.objects.annotate(module_count=Count("modules")).order_by("title", "pk")


def module_get(*, module_id: int) -> Module | None:
    return Module.objects.select_related("course").filter(pk=module_id).first()


def lesson_get(*, lesson_id: int) -> Lesson | None:
    return Lesson.objects.select_related("module__course").filter(pk=lesson_id).first()


def courses_published() -> QuerySet[Course]:
    return Course.objects.filter(status=Course.Status.PUBLISHED).order_by("title", "pk")
