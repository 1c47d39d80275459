"""A quiz's paging (all questions on one page, or one per screen): written and read in the
authoring API, shown to learners with the course's quizzes and with each attempt, and refused
when it is not one of the two."""

import pytest

from courses.models import Module
from quizzes.models import Quiz
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_paging_is_written_and_read_by_authors_and_shown_to_learners(instructor, learner, course):
    author = client_for(instructor)
    module = Module.objects.filter(course=course).first()
    created = author.post(
        "/api/v1/authoring/quizzes/", {"module": module.pk, "slug": "satu", "title": "Satu"}, format="json"
    )
    assert created.status_code == 201 and created.json()["paging"] == "all"  # the default
    quiz = Quiz.objects.filter(module__course=course).order_by("pk")[0]
    url = f"/api/v1/authoring/quizzes/{quiz.pk}/"
    changed = author.patch(url, {"paging": "one"}, format="json")
    assert changed.status_code == 200 and changed.json()["paging"] == "one"
    assert author.get(url).json()["paging"] == "one"
    refused = author.patch(url, {"paging": "two"}, format="json")
    assert refused.status_code == 400 and "paging" in refused.json()
    assert Quiz.objects.get(pk=quiz.pk).paging == "one"

    reader = client_for(learner)
    detail = reader.get(f"/api/v1/courses/{course.pk}/").json()
    pagings = {q["id"]: q["paging"] for m in detail["modules"] for q in m["quizzes"]}
    assert pagings[quiz.pk] == "one" and set(pagings.values()) == {"one", "all"}
    attempt = reader.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    assert attempt.status_code == 201 and attempt.json()["paging"] == "one"


def test_paging_is_in_the_openapi_document(api):
    schema = api.get("/api/schema/?format=json").json()["components"]["schemas"]
    assert "paging" in schema["Quiz"]["properties"] and "paging" in schema["QuizRequest"]["properties"]
    assert "paging" in schema["QuizBrief"]["properties"] and "paging" in schema["AttemptOutput"]["properties"]
