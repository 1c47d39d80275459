"""A body the API cannot read is a 400 with the usual error shape, and nothing is done, also
where the action takes no input (starting an attempt, publishing): the view never ignores it."""

import pytest

from quizzes.models import Attempt, Quiz, QuizVersion
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

UNREADABLE = ['{"answers": [', "not json", "[]", "null", '"text"', "1"]


def post_raw(client, url: str, body: str):
    return client.generic("POST", url, body, content_type="application/json")


def assert_refused(response) -> None:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "parse_error" and body["detail"]


@pytest.fixture
def quiz(course):
    return Quiz.objects.filter(module__course=course).order_by("id")[0]


@pytest.mark.parametrize("body", UNREADABLE)
def test_an_unreadable_body_starts_no_attempt(quiz, learner, body):
    assert_refused(post_raw(client_for(learner), f"/api/v1/quizzes/{quiz.pk}/attempts/", body))
    assert not Attempt.objects.exists()


def test_an_attempt_still_starts_with_no_body_or_an_empty_object(quiz, learner):
    client = client_for(learner)
    assert client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").status_code == 201
    Attempt.objects.all().delete()
    assert post_raw(client, f"/api/v1/quizzes/{quiz.pk}/attempts/", "{}").status_code == 201


@pytest.mark.parametrize("body", UNREADABLE)
def test_an_unreadable_body_submits_nothing(quiz, learner, body):
    client = client_for(learner)
    attempt = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
    assert_refused(post_raw(client, f"/api/v1/attempts/{attempt['id']}/submit/", body))
    assert Attempt.objects.get(pk=attempt["id"]).status == Attempt.Status.IN_PROGRESS


@pytest.mark.parametrize("body", UNREADABLE)
def test_an_unreadable_body_publishes_nothing(quiz, instructor, body):
    versions = QuizVersion.objects.count()
    quiz.pass_mark = 55  # a change a publish would freeze
    quiz.save()
    assert_refused(post_raw(client_for(instructor), f"/api/v1/authoring/quizzes/{quiz.pk}/publish/", body))
    assert QuizVersion.objects.count() == versions
