from datetime import timedelta

from django.utils import timezone

from courses.services import course_update
from reports.selectors import overdue_people
from tests import factories


def test_overdue_people_are_the_uncertified_after_the_due_date_in_one_query(
    course, django_assert_max_num_queries
):
    certified, late = factories.person(), factories.person(function="spkt")
    factories.person(function="binmas")  # the course is not required for this one
    factories.certificate(holder=certified, course=course, issued_at=timezone.now())
    assert list(overdue_people(course=course)) == []  # no due date yet
    course_update(course=course, data={"due_date": timezone.localdate() - timedelta(days=1)})
    with django_assert_max_num_queries(1):
        names = [p.unit.name and p.name for p in overdue_people(course=course)]
    assert names == [late.name]
