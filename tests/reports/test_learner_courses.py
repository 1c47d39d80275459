"""A learner's "my courses": whether a course is required of them and by when follows HR's
assignments, the same rules the compliance report counts, in the API and in the pages alike."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from courses.models import Course
from people.models import Person, Unit
from people.services import unit_get_or_create
from reports import services
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(course):
    polda, polres, polsek = factories.unit_chain()
    depok = unit_get_or_create(name="Polres Metro Depok", level=Unit.Level.POLRES, parent=polda)
    return {"polda": polda, "polres": polres, "polsek": polsek, "depok": depok}


def mine(person, course) -> dict:
    """The course's row in the person's list, through the API."""
    response = client_for(person).get("/api/v1/courses/")
    assert response.status_code == 200, response.content
    return next(r for r in response.json()["results"] if r["id"] == course.pk)


def page(person, path: str = "/") -> str:
    client = Client()
    client.force_login(person.user)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client.get(path).content.decode()


def test_without_assignments_the_course_own_functions_and_due_date_count(org, course):
    due = timezone.localdate() + timedelta(days=10)
    course.due_date = due
    course.save()
    lantas = factories.person(unit=org["polsek"])
    reskrim = factories.person(unit=org["polsek"], function="reskrim")

    row = mine(lantas, course)
    assert (row["required"], row["due_on"], row["overdue"]) == (True, due.isoformat(), False)
    row = mine(reskrim, course)
    assert (row["required"], row["due_on"], row["overdue"]) == (False, None, False)


def test_an_assignment_to_a_unit_subtree_decides_who_is_required_and_when(org, course):
    course.due_date = timezone.localdate() + timedelta(days=100)  # replaced by the assignment
    course.save()
    moved_on = timezone.localdate() - timedelta(days=5)
    reskrim_inside = factories.person(unit=org["polsek"], function="reskrim")
    Person.objects.filter(pk=reskrim_inside.pk).update(unit_since=moved_on)
    reskrim_outside = factories.person(unit=org["depok"], function="reskrim")
    lantas_inside = factories.person(unit=org["polsek"])  # the course's own function, no longer asked
    services.assignment_create(
        course=course, functions=["reskrim"], units=[org["polres"]], due_days=30, due_from="transfer"
    )

    row = mine(reskrim_inside, course)
    assert (row["required"], row["due_on"]) == (True, (moved_on + timedelta(days=30)).isoformat())
    assert (mine(reskrim_outside, course)["required"], mine(lantas_inside, course)["required"]) == (
        False,
        False,
    )

    # The pages say the same, the list and the course's own page: required, and due on the
    # person's own date, not the course's.
    own_date = (moved_on + timedelta(days=30)).strftime("%-d %B %Y")
    for path in ("/", f"/courses/{course.pk}/"):
        html = page(reskrim_inside, path)
        assert "Required" in html and own_date in html, path
        assert course.due_date.strftime("%-d %B %Y") not in html, path
        assert "Required" not in page(lantas_inside, path), path


def test_two_assignments_take_the_earliest_due_date_and_overdue_ends_with_a_certificate(org, course):
    learner = factories.person(unit=org["polsek"])
    past = timezone.localdate() - timedelta(days=3)
    services.assignment_create(course=course, functions=["lantas"], units=[], due_date=past)
    services.assignment_create(course=course, functions=[], units=[org["polda"]], due_days=365)

    row = mine(learner, course)
    assert (row["required"], row["due_on"], row["overdue"]) == (True, past.isoformat(), True)
    assert "Overdue" in page(learner)

    factories.certificate(holder=learner, course=course, issued_at=timezone.now())
    row = mine(learner, course)
    assert (row["required"], row["overdue"], row["progress"]["certificate"] is not None) == (
        True,
        False,
        True,
    )


def test_required_courses_come_first_and_a_leaver_is_assigned_nothing(org, course):
    other = factories.course(slug="first-by-title")
    Course.objects.filter(pk=other.pk).update(title="AAA", required_functions=[])
    learner = factories.person(unit=org["polsek"], function="reskrim")
    services.assignment_create(course=course, functions=["reskrim"], units=[], due_days=30)
    results = client_for(learner).get("/api/v1/courses/").json()["results"]
    assert [r["id"] for r in results] == [course.pk, other.pk]  # the required one first

    Person.objects.filter(pk=learner.pk).update(active=False)
    assert mine(learner, course)["required"] is False


def test_the_list_takes_a_fixed_number_of_queries(org, course, django_assert_max_num_queries):
    for n in range(3):
        factories.course(slug=f"more-{n}")
        services.assignment_create(course=course, functions=["lantas"], units=[org["polres"]], due_days=n)
    learner = factories.person(unit=org["polsek"])
    client = client_for(learner)
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/courses/").json()["results"]) == 4
