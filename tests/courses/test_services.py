"""Authoring services of courses, modules and lessons."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError, QuerySet

from courses import services
from courses.models import Course, Lesson, Module
from quizzes import services as quiz_services
from quizzes.models import Quiz

pytestmark = pytest.mark.django_db


def error_code(err: pytest.ExceptionInfo[ValidationError], field: str) -> str | None:
    return err.value.error_dict[field][0].code


def test_course_create_fills_in_the_defaults():
    course = services.course_create(slug="baru", title="Baru")
    course.refresh_from_db()
    assert course.status == Course.Status.DRAFT
    assert course.required_functions == [] and course.certificate_validity_days == 730


def test_course_update_changes_only_the_fields_given():
    course = services.course_create(slug="baru", title="Baru", description="Isi")
    services.course_update(course=course, data={"title": "Judul baru"})
    course.refresh_from_db()
    assert (course.title, course.description, course.slug) == ("Judul baru", "Isi", "baru")


def test_a_taken_course_slug_is_a_field_error_and_nothing_changes():
    services.course_create(slug="satu", title="Satu")
    other = services.course_create(slug="dua", title="Dua")
    with pytest.raises(ValidationError) as err:
        services.course_create(slug="satu", title="Lagi")
    assert error_code(err, "slug") == "slug_taken"
    with pytest.raises(ValidationError) as err:
        services.course_update(course=other, data={"slug": "satu", "title": "Diubah"})
    assert error_code(err, "slug") == "slug_taken"
    other.refresh_from_db()
    assert (other.slug, other.title) == ("dua", "Dua") and Course.objects.count() == 2


def test_a_course_keeps_its_own_slug_on_update():
    course = services.course_create(slug="satu", title="Satu")
    services.course_update(course=course, data={"slug": "satu", "title": "Sama"})
    assert Course.objects.get(pk=course.pk).title == "Sama"


def test_a_module_slug_is_unique_within_its_course_only(course):
    other = services.course_create(slug="lain", title="Lain")
    services.module_create(course=other, slug="m1", title="Boleh")  # m1 exists in `course` only
    with pytest.raises(ValidationError) as err:
        services.module_create(course=course, slug="m1", title="Lagi")
    assert error_code(err, "slug") == "slug_taken"
    moved = services.module_create(course=other, slug="m2", title="Pindah")
    with pytest.raises(ValidationError):  # moving it where its slug is taken
        services.module_update(module=moved, data={"course": course})
    assert Module.objects.get(pk=moved.pk).course_id == other.pk


def test_a_lesson_slug_is_unique_within_its_module_only(course):
    first, second = Module.objects.filter(course=course).order_by("id")[:2]
    with pytest.raises(ValidationError) as err:
        services.lesson_create(module=first, slug="l1", title="Lagi", body="Isi")
    assert error_code(err, "slug") == "slug_taken"
    lesson = services.lesson_create(module=second, slug="l1", title="Boleh", body="Isi")
    services.lesson_update(lesson=lesson, data={"title": "Diubah", "order": 9})
    assert Lesson.objects.get(pk=lesson.pk).title == "Diubah"


def test_a_slug_taken_concurrently_is_still_a_field_error():
    services.course_create(slug="satu", title="Satu")
    # The first check sees no other course (as if the other one committed just after it); the
    # database's unique constraint refuses the insert and the answer is the same field error.
    with mock.patch.object(QuerySet, "exists", side_effect=[False, True]):
        with pytest.raises(ValidationError) as err:
            services.course_create(slug="satu", title="Kembar")
    assert error_code(err, "slug") == "slug_taken" and Course.objects.count() == 1


def test_a_field_outside_the_editable_ones_is_a_programming_error(course):
    with pytest.raises(ValueError, match="created_at"):
        services.course_update(course=course, data={"created_at": None})


def test_a_bad_field_value_is_a_field_error():
    with pytest.raises(ValidationError) as err:
        services.course_create(slug="bukan slug!", title="Salah")
    assert "slug" in err.value.error_dict


def test_deleting_takes_the_contents_along(course):
    module = Module.objects.filter(course=course).order_by("id")[0]
    services.lesson_delete(lesson=module.lessons.get())
    services.module_delete(module=module)
    assert not Quiz.objects.filter(module_id=module.pk).exists()
    services.course_delete(course=course)
    assert not Module.objects.filter(course_id=course.pk).exists()


def test_a_course_with_attempts_cannot_be_deleted(course, learner):
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    quiz_services.attempt_start(quiz=quiz, person=learner)
    with pytest.raises(ProtectedError):
        services.course_delete(course=course)
    assert Course.objects.filter(pk=course.pk).exists() and Quiz.objects.filter(pk=quiz.pk).exists()
