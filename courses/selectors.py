"""Reads of courses for learners and authors."""

from django.db.models import Count, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from certificates.models import Certificate
from courses.models import Course, Module
from people.models import Person
from quizzes.models import Attempt, Quiz


def _count(queryset: QuerySet, group: str, field: str) -> Coalesce:
    counted = queryset.values(group).annotate(n=Count(field, distinct=True)).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def courses_for_person(*, person: Person | None) -> QuerySet[Course]:
    """Published courses with the person's progress: quizzes passed of quizzes published, and
    the code of their newest certificate, in one query."""
    published_quizzes = Quiz.objects.filter(module__course=OuterRef("pk"), versions__isnull=False)
    passed = Attempt.objects.filter(person=person, passed=True, quiz__module__course=OuterRef("pk"))
    certificate = Certificate.objects.filter(holder=person, course=OuterRef("pk")).order_by("-issued_at")
    return (
        Course.objects.filter(status=Course.Status.PUBLISHED)
        .annotate(
            quiz_count=_count(published_quizzes, "module__course", "pk"),
            quizzes_passed=_count(passed, "quiz__module__course", "quiz"),
            certificate_code=Subquery(certificate.values("code")[:1]),
            certificate_id=Subquery(certificate.values("pk")[:1]),
        )
        .order_by("title")
    )


def course_detail(*, course_id: int, published_only: bool = True) -> Course | None:
    courses = Course.objects.all()
    if published_only:
        courses = courses.filter(status=Course.Status.PUBLISHED)
    modules = Module.objects.prefetch_related(
        "lessons", Prefetch("quizzes", queryset=Quiz.objects.order_by("id"))
    )
    return courses.prefetch_related(Prefetch("modules", queryset=modules)).filter(pk=course_id).first()
