"""The manual grading queue: an essay waits for an instructor, the learner sees "awaiting
review" (never 0, never failed), and the grade, with its pass, is released with the last essay
graded; only then does a certificate follow. Bad input is a 4xx and changes nothing."""

from decimal import Decimal

import pytest

from certificates.models import Certificate
from events import types
from events.models import Event
from quizzes import services
from quizzes.models import Attempt, Quiz, Response
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

RUBRIC = [{"criterion": "Empati", "points": 2}, {"criterion": "Prosedur", "points": 3}]


@pytest.fixture
def essay_quiz(instructor):
    """A course of one quiz: its three choice questions (5 points) and an essay (5 points)."""
    course = factories.course(quizzes=1)
    quiz = Quiz.objects.get(module__course=course)
    client = client_for(instructor)
    response = client.post(
        "/api/v1/authoring/questions/",
        {
            "quiz": quiz.pk,
            "key": "essay",
            "type": "essay",
            "text": "Ceritakan.",
            "points": 5,
            "rubric": RUBRIC,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert client.post(f"/api/v1/authoring/quizzes/{quiz.pk}/publish/").status_code == 200
    return client, quiz


def _take(learner, quiz, *, essay_text="Saya mendengarkan dengan sabar.", right=True):
    client = client_for(learner)
    attempt = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
    essay = next(q for q in attempt["questions"] if q["type"] == "essay")
    choice_types = {**attempt, "questions": [q for q in attempt["questions"] if "choices" in q]}
    answers = factories.correct_answers(choice_types) if right else []
    if essay_text is not None:
        answers.append({"question": essay["id"], "text": essay_text})
    assert (
        client.post(
            f"/api/v1/attempts/{attempt['id']}/submit/", {"answers": answers}, format="json"
        ).status_code
        == 202
    )
    services.attempt_grade(attempt_id=attempt["id"])
    return client, attempt["id"]


def _queue(client, **query):
    response = client.get("/api/v1/authoring/reviews/", query)
    assert response.status_code == 200, response.content
    return response.json()


def test_an_essay_waits_in_the_queue_with_its_rubric_and_the_learner_sees_awaiting_review(
    essay_quiz, learner
):
    client, quiz = essay_quiz
    learner_client, attempt_id = _take(learner, quiz)
    [item] = _queue(client)
    assert item["attempt"] == attempt_id and item["quiz"] == quiz.pk
    assert item["text"] == "Saya mendengarkan dengan sabar."
    assert item["question"]["rubric"] == RUBRIC and item["question"]["points"] == 5
    seen = learner_client.get(f"/api/v1/attempts/{attempt_id}/").json()
    assert seen["status"] == "needs_review"
    assert seen["score"] is None and seen["percent"] is None and seen["passed"] is None
    essay_row = next(r for r in seen["feedback"] if r["question"] == item["question"]["id"])
    assert essay_row["awaiting_review"] and essay_row["score"] is None and essay_row["correct"] is None
    assert _queue(client, quiz=quiz.pk + 1000) == []


def test_grading_the_last_essay_releases_the_grade_and_a_certificate_follows(essay_quiz, learner):
    client, quiz = essay_quiz
    learner_client, attempt_id = _take(learner, quiz)
    [item] = _queue(client)
    assert not Event.objects.filter(type=types.ATTEMPT_GRADED).exists()
    response = client.post(
        f"/api/v1/authoring/reviews/{item['id']}/",
        {
            "scores": [{"criterion": "Empati", "points": 2}, {"criterion": "Prosedur", "points": 1}],
            "comment": "Prosedur kurang.",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    # 5 automatic points + 3 of 5 for the essay = 8 of 10.
    assert body == {
        "attempt": attempt_id,
        "status": "graded",
        "score": "8.00",
        "percent": "80.00",
        "passed": True,
    }
    answer = Response.objects.get(pk=item["id"])
    assert answer.score == Decimal("3.00") and answer.reviewed_at is not None
    assert (
        answer.review["comment"] == "Prosedur kurang."
        and answer.review["by"] == client.handler._force_user.pk
    )
    [event] = Event.objects.filter(type=types.ATTEMPT_GRADED)
    assert event.data["attempt_id"] == attempt_id and event.data["passed"] is True
    assert _queue(client) == []
    factories.deliver_events()
    assert Certificate.objects.filter(holder=learner).count() == 1
    seen = learner_client.get(f"/api/v1/attempts/{attempt_id}/").json()
    assert seen["status"] == "graded" and seen["passed"] is True and seen["percent"] == "80.00"
    # The grade is released: grading it again is a conflict and changes nothing.
    again = client.post(
        f"/api/v1/authoring/reviews/{item['id']}/",
        {"scores": [{"criterion": "Empati", "points": 0}, {"criterion": "Prosedur", "points": 0}]},
        format="json",
    )
    assert again.status_code == 409
    assert Attempt.objects.get(pk=attempt_id).score == Decimal("8.00")


def test_a_low_essay_grade_fails_and_no_certificate_follows(essay_quiz, learner):
    client, quiz = essay_quiz
    _take(learner, quiz, right=False)
    [item] = _queue(client)
    response = client.post(
        f"/api/v1/authoring/reviews/{item['id']}/",
        {"scores": [{"criterion": "Empati", "points": 2}, {"criterion": "Prosedur", "points": 3}]},
        format="json",
    )
    assert response.json()["passed"] is False and response.json()["score"] == "5.00"
    factories.deliver_events()
    assert not Certificate.objects.filter(holder=learner).exists()


def test_an_unanswered_essay_is_in_the_queue_too(essay_quiz, learner):
    client, quiz = essay_quiz
    _, attempt_id = _take(learner, quiz, essay_text=None)
    [item] = _queue(client)
    assert item["attempt"] == attempt_id and item["text"] == ""


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"scores": "banyak"},
        {"scores": [{"criterion": "Empati", "points": 2}]},  # a criterion missing
        {
            "scores": [{"criterion": "Empati", "points": 3}, {"criterion": "Prosedur", "points": 0}]
        },  # too many
        {"scores": [{"criterion": "Empati", "points": -1}, {"criterion": "Prosedur", "points": 0}]},
        {"scores": [{"criterion": "Empati", "points": 1}, {"criterion": "Lain", "points": 0}]},
        {
            "scores": [
                {"criterion": "Empati", "points": 1},
                {"criterion": "Empati", "points": 1},
                {"criterion": "Prosedur", "points": 0},
            ]
        },
        {"scores": [{"criterion": "Empati", "points": "dua"}, {"criterion": "Prosedur", "points": 0}]},
    ],
)
def test_a_bad_grade_is_a_400_and_changes_nothing(essay_quiz, learner, body):
    client, quiz = essay_quiz
    _, attempt_id = _take(learner, quiz)
    [item] = _queue(client)
    response = client.post(f"/api/v1/authoring/reviews/{item['id']}/", body, format="json")
    assert response.status_code == 400, response.content
    assert Response.objects.get(pk=item["id"]).reviewed_at is None
    assert Attempt.objects.get(pk=attempt_id).status == Attempt.Status.NEEDS_REVIEW


def test_an_answer_that_is_not_an_essay_or_does_not_exist_is_404(essay_quiz, learner):
    client, quiz = essay_quiz
    _, attempt_id = _take(learner, quiz)
    other = Response.objects.filter(attempt_id=attempt_id).exclude(pk=_queue(client)[0]["id"]).first()
    body = {"scores": [{"criterion": "", "points": 1}]}
    assert client.post(f"/api/v1/authoring/reviews/{other.pk}/", body, format="json").status_code == 404
    assert client.post("/api/v1/authoring/reviews/999999/", body, format="json").status_code == 404


def test_only_instructors_grade(essay_quiz, learner, hr):
    client, quiz = essay_quiz
    learner_client, _ = _take(learner, quiz)
    [item] = _queue(client)
    body = {"scores": [{"criterion": "Empati", "points": 2}, {"criterion": "Prosedur", "points": 3}]}
    for other in (learner_client, client_for(hr)):
        assert other.get("/api/v1/authoring/reviews/").status_code == 403
        assert other.post(f"/api/v1/authoring/reviews/{item['id']}/", body, format="json").status_code == 403
    assert Response.objects.get(pk=item["id"]).reviewed_at is None


def test_the_queue_takes_two_queries_however_long(essay_quiz, learner, django_assert_max_num_queries):
    _, quiz = essay_quiz
    for _ in range(3):
        person = factories.person(roles=("learner",))
        _take(person, quiz)
    from quizzes import selectors

    with django_assert_max_num_queries(2):
        assert len(selectors.reviews_pending()) == 3


def test_a_manual_grade_is_in_the_audit_log(essay_quiz, learner):
    from audit.models import AuditEntry

    client, quiz = essay_quiz
    _take(learner, quiz)
    [item] = _queue(client)
    scores = [{"criterion": "Empati", "points": 2}, {"criterion": "Prosedur", "points": 2}]
    response = client.post(f"/api/v1/authoring/reviews/{item['id']}/", {"scores": scores}, format="json")
    assert response.status_code == 200
    [entry] = AuditEntry.objects.filter(action="response.review")
    assert entry.target_id == str(item["id"]) and entry.data["scores"] == scores
    assert entry.actor_id == client.handler._force_user.pk
