"""Every role against every endpoint, anonymous included."""

import pytest
from rest_framework.test import APIClient

from certificates.models import StatusList
from certificates.services import certificate_render
from quizzes import services as quiz_services
from quizzes.models import Quiz
from reports import services as report_services
from tests import factories
from webhooks import services as webhook_services

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "learner", "other_learner", "instructor", "hr", "staff"]

# (method, path template, roles allowed). Paths use {quiz}, {attempt}, {certificate}, {code},
# {nrp}, {course}, {tag}, {slot}, {assignment}, {webhook}; allowed roles get a non-401/403/404
# answer, others 401/403/404.
MATRIX = [
    ("get", "/api/v1/courses/", {"learner", "other_learner", "instructor", "hr", "staff"}),
    ("get", "/api/v1/courses/{course}/", {"learner", "other_learner", "instructor", "hr", "staff"}),
    ("get", "/api/v1/attempts/{attempt}/", {"learner"}),
    ("patch", "/api/v1/attempts/{attempt}/answers/", {"learner"}),
    ("post", "/api/v1/attempts/{attempt}/submit/", {"learner"}),
    ("get", "/api/v1/me/certificates/", {"learner", "other_learner", "instructor", "hr", "staff"}),
    ("get", "/api/v1/certificates/{certificate}/", {"learner", "hr", "staff"}),
    ("get", "/api/v1/certificates/{certificate}/credential/", {"learner", "hr", "staff"}),
    ("get", "/api/v1/certificates/{certificate}/pdf/", {"learner", "hr", "staff"}),
    ("post", "/api/v1/certificates/{certificate}/revoke/", {"hr", "staff"}),
    ("get", "/api/v1/status-lists/{status_list}/", set(ROLES)),
    ("get", "/api/v1/verify/{code}/", set(ROLES)),
    ("get", "/verify/{code}/", set(ROLES)),
    ("get", "/api/v1/issuer/", set(ROLES)),
    ("get", "/.well-known/did.json", set(ROLES)),
    ("get", "/api/v1/hr/certificates/", {"hr", "staff"}),
    ("get", "/api/v1/hr/certificates/?format=csv", {"hr", "staff"}),
    ("get", "/api/v1/hr/personnel/{nrp}/transcript/", {"hr", "staff"}),
    ("get", "/api/v1/hr/compliance/", {"hr", "staff"}),
    ("post", "/api/v1/hr/exports/", {"hr", "staff"}),
    ("get", "/api/v1/hr/compliance/?format=csv", {"hr", "staff"}),
    ("get", "/api/v1/hr/compliance/people/?course={course}", {"hr", "staff"}),
    ("get", "/api/v1/hr/assignments/", {"hr", "staff"}),
    ("post", "/api/v1/hr/assignments/", {"hr", "staff"}),
    ("get", "/api/v1/hr/assignments/{assignment}/", {"hr", "staff"}),
    ("delete", "/api/v1/hr/assignments/{assignment}/", {"hr", "staff"}),
    ("get", "/api/v1/hr/webhooks/", {"hr", "staff"}),
    ("post", "/api/v1/hr/webhooks/", {"hr", "staff"}),
    ("get", "/api/v1/hr/webhooks/{webhook}/", {"hr", "staff"}),
    ("patch", "/api/v1/hr/webhooks/{webhook}/", {"hr", "staff"}),
    ("get", "/api/v1/hr/webhooks/{webhook}/deliveries/", {"hr", "staff"}),
    ("post", "/api/v1/registry/units/sync/", {"hr", "staff"}),
    ("post", "/api/v1/registry/personnel/sync/", {"hr", "staff"}),
    ("get", "/api/v1/authoring/courses/", {"instructor", "staff"}),
    ("post", "/api/v1/authoring/courses/", {"instructor", "staff"}),
    ("get", "/api/v1/authoring/modules/", {"instructor", "staff"}),
    ("get", "/api/v1/authoring/lessons/", {"instructor", "staff"}),
    ("get", "/api/v1/authoring/quizzes/", {"instructor", "staff"}),
    ("get", "/api/v1/authoring/quizzes/{quiz}/questions/", {"instructor", "staff"}),
    ("post", "/api/v1/authoring/quizzes/{quiz}/publish/", {"instructor", "staff"}),
    ("get", "/api/v1/authoring/questions/", {"instructor", "staff"}),
    ("get", "/api/v1/authoring/categories/", {"instructor", "staff"}),
    ("get", "/api/v1/authoring/tags/", {"instructor", "staff"}),
    ("post", "/api/v1/authoring/tags/", {"instructor", "staff"}),
    ("patch", "/api/v1/authoring/tags/{tag}/", {"instructor", "staff"}),
    ("get", "/api/v1/authoring/slots/", {"instructor", "staff"}),
    ("patch", "/api/v1/authoring/slots/{slot}/", {"instructor", "staff"}),
    ("put", "/api/v1/authoring/slots/{slot}/", {"instructor", "staff"}),
    ("get", "/api/v1/authoring/reviews/", {"instructor", "staff"}),
    ("post", "/api/v1/authoring/reviews/{attempt}/", {"instructor", "staff"}),
    ("get", "/api/schema/", set(ROLES)),
]


@pytest.fixture
def world(course, learner):
    quiz = Quiz.objects.filter(module__course=course).order_by("id").first()
    attempt = quiz_services.attempt_start(quiz=quiz, person=learner)
    certificate = factories.certificate(holder=learner, course=course, issued_at=attempt.started_at)
    certificate_render(certificate_id=certificate.pk)
    people = {
        "learner": learner,
        "other_learner": factories.person(),
        "instructor": factories.person(roles=("instructor",)),
        "hr": factories.person(roles=("hr",)),
        "staff": factories.person(roles=(), is_staff=True),
    }
    ids = {
        "quiz": quiz.pk,
        "attempt": attempt.pk,
        "certificate": certificate.pk,
        "code": certificate.code,
        "nrp": learner.nrp,
        "course": course.pk,
        "status_list": StatusList.objects.create().pk,
        "tag": quiz_services.tag_save(name="humanis").pk,
        "slot": quiz_services.slot_save(quiz=quiz, tag="humanis", count=1).pk,
        "assignment": report_services.assignment_create(course=course, functions=["lantas"], units=[]).pk,
        "webhook": webhook_services.subscription_create(
            created_by=None, url="https://hr.example/hooks", events=["certificate.issued"]
        ).pk,
    }
    return people, ids


@pytest.mark.parametrize(("method", "path", "allowed"), MATRIX, ids=[f"{m} {p}" for m, p, _ in MATRIX])
@pytest.mark.parametrize("role", ROLES)
def test_role_permissions(world, method, path, allowed, role):
    people, ids = world
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(user=people[role].user)
    body = {"answers": []} if "answers" in path else {}
    response = getattr(client, method)(path.format(**ids), body, format="json")
    if role in allowed:
        assert response.status_code not in (401, 403, 404), response.content
        assert response.status_code < 500
    else:
        expected = {401} if role == "anonymous" else {403, 404}
        assert response.status_code in expected, (response.status_code, response.content)


def test_learner_never_sees_an_answer_key(world):
    people, ids = world
    client = APIClient()
    client.force_authenticate(user=people["learner"].user)
    body = client.get(f"/api/v1/attempts/{ids['attempt']}/").content.decode()
    assert "is_correct" not in body and "correct_choices" not in body and "explanation" not in body
