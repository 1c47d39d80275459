import pytest

from quizzes.models import Quiz
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def post_question(client, quiz: Quiz, *, key: str, type_: str, keys: list[bool]):  # type: ignore[no-untyped-def]
    choices = [{"text": f"Pilihan {i}", "is_correct": correct} for i, correct in enumerate(keys)]
    payload = {"quiz": quiz.pk, "key": key, "type": type_, "text": "Pertanyaan?", "choices": choices}
    return client.post("/api/v1/authoring/questions/", payload, format="json")


def test_instructor_writes_a_question_with_keys_and_publishes(course, instructor, learner):
    client = client_for(instructor)
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    created = post_question(client, quiz, key="baru", type_="true_false", keys=[True, False])
    assert created.status_code == 201, created.content
    keys = client.get(f"/api/v1/authoring/quizzes/{quiz.pk}/questions/").json()
    assert any(c["is_correct"] for q in keys for c in q["choices"])
    published = client.post(f"/api/v1/authoring/quizzes/{quiz.pk}/publish/")
    assert published.status_code == 200 and published.json()["version"] == 2
    attempt = client_for(learner).post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
    assert len(attempt["questions"]) == 4


def test_a_question_with_a_bad_key_is_rejected(course, instructor):
    quiz = Quiz.objects.filter(module__course=course)[0]
    response = post_question(client_for(instructor), quiz, key="salah", type_="single", keys=[True, True])
    assert response.status_code == 400 and response.json()["code"] == "bad_key"


def test_deleting_a_quiz_with_attempts_is_409(course, instructor, learner):
    quiz = Quiz.objects.filter(module__course=course)[0]
    client_for(learner).post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    response = client_for(instructor).delete(f"/api/v1/authoring/quizzes/{quiz.pk}/")
    assert response.status_code == 409 and Quiz.objects.filter(pk=quiz.pk).exists()


def test_a_duplicate_question_key_is_400(course, instructor):
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    existing = quiz.questions.first().key
    response = post_question(
        client_for(instructor), quiz, key=existing, type_="true_false", keys=[True, False]
    )
    assert response.status_code == 400


def test_a_duplicate_course_slug_is_400(course, instructor):
    response = client_for(instructor).post(
        "/api/v1/authoring/courses/", {"slug": course.slug, "title": "Lagi"}, format="json"
    )
    assert response.status_code == 400 and "slug" in response.json()
