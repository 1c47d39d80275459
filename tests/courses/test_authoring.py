import pytest

from courses.models import Lesson, Module
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


COURSE_FIELDS = {
    "id",
    "slug",
    "title",
    "title_en",
    "description",
    "description_en",
    "status",
    "required_functions",
    "certificate_validity_days",
    "certificate_validity_months",
    "recertification_window_days",
    "due_date",
    "created_at",
    "updated_at",
}


def test_a_course_is_created_patched_put_and_deleted_with_the_same_shape(instructor):
    client = client_for(instructor)
    created = client.post(
        "/api/v1/authoring/courses/",
        {"slug": "baru", "title": "Baru", "required_functions": ["lantas"]},
        format="json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert set(body) == COURSE_FIELDS
    assert (body["status"], body["certificate_validity_days"], body["required_functions"]) == (
        "draft",
        730,
        ["lantas"],
    )
    url = f"/api/v1/authoring/courses/{body['id']}/"
    patched = client.patch(url, {"description": "Isi"}, format="json")
    assert patched.status_code == 200 and patched.json()["title"] == "Baru"
    assert patched.json()["description"] == "Isi" and patched.json()["required_functions"] == ["lantas"]
    assert client.put(url, {"description": "Tanpa judul"}, format="json").status_code == 400
    put = client.put(url, {"slug": "baru", "title": "Judul"}, format="json")
    assert put.status_code == 200 and put.json()["description"] == "Isi"
    assert client.get(url).json()["title"] == "Judul"
    assert client.delete(url).status_code == 204
    assert client.get(url).status_code == 404


def test_a_course_with_a_bad_function_is_400(instructor):
    response = client_for(instructor).post(
        "/api/v1/authoring/courses/",
        {"slug": "baru", "title": "Baru", "required_functions": ["pilot"]},
        format="json",
    )
    assert response.status_code == 400 and "required_functions" in response.json()


def test_deleting_a_course_with_attempts_is_409(course, instructor, learner):
    quiz = Quiz.objects.filter(module__course=course)[0]
    client_for(learner).post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    response = client_for(instructor).delete(f"/api/v1/authoring/courses/{course.pk}/")
    assert response.status_code == 409 and response.json()["code"] == "in_use"
    assert Module.objects.filter(course=course).count() == 2


def test_a_duplicate_module_slug_in_the_course_is_400_on_the_slug(course, instructor):
    client = client_for(instructor)
    response = client.post(
        "/api/v1/authoring/modules/", {"course": course.pk, "slug": "m1", "title": "Lagi"}, format="json"
    )
    assert response.status_code == 400 and "slug" in response.json()
    module = Module.objects.get(course=course, slug="m2")
    response = client.patch(f"/api/v1/authoring/modules/{module.pk}/", {"slug": "m1"}, format="json")
    assert response.status_code == 400 and "slug" in response.json()
    assert Module.objects.get(pk=module.pk).slug == "m2"


def test_modules_and_lessons_are_written_with_the_same_shape(course, instructor):
    client = client_for(instructor)
    module = client.post(
        "/api/v1/authoring/modules/", {"course": course.pk, "slug": "m3", "title": "Tiga"}, format="json"
    )
    assert module.status_code == 201, module.content
    assert set(module.json()) == {"id", "course", "slug", "order", "title", "title_en"}
    lesson = client.post(
        "/api/v1/authoring/lessons/",
        {"module": module.json()["id"], "slug": "l1", "title": "Satu", "body": "Isi"},
        format="json",
    )
    assert lesson.status_code == 201, lesson.content
    assert set(lesson.json()) == {"id", "module", "slug", "order", "title", "title_en", "body", "body_en"}
    url = f"/api/v1/authoring/lessons/{lesson.json()['id']}/"
    patched = client.patch(url, {"body_en": "Body", "order": 2}, format="json")
    assert patched.status_code == 200 and (patched.json()["body"], patched.json()["order"]) == ("Isi", 2)
    assert client.delete(url).status_code == 204
    assert Lesson.objects.filter(module_id=module.json()["id"]).count() == 0
    missing = client.post(
        "/api/v1/authoring/lessons/",
        {"module": 999999, "slug": "x", "title": "X", "body": "Isi"},
        format="json",
    )
    assert missing.status_code == 400 and "module" in missing.json()


OUT_OF_RANGE = [("pass_mark", 150), ("pass_mark", 101), ("time_limit_seconds", 5), ("time_limit_seconds", 29)]


@pytest.mark.parametrize(("field", "value"), OUT_OF_RANGE)
def test_a_new_quiz_with_limits_out_of_range_is_400_and_not_saved(course, instructor, field, value):
    module = Module.objects.filter(course=course).order_by("id")[0]
    payload = {"module": module.pk, "slug": "baru", "title": "Baru", field: value}
    response = client_for(instructor).post("/api/v1/authoring/quizzes/", payload, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Quiz.objects.filter(slug="baru").exists()


@pytest.mark.parametrize(("field", "value"), OUT_OF_RANGE)
def test_a_quiz_patched_beyond_its_limits_is_400_and_unchanged(course, instructor, field, value):
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    before = (quiz.pass_mark, quiz.time_limit_seconds, quiz.title)
    response = client_for(instructor).patch(
        f"/api/v1/authoring/quizzes/{quiz.pk}/", {field: value, "title": "Diubah"}, format="json"
    )
    assert response.status_code == 400 and field in response.json()
    quiz.refresh_from_db()
    assert (quiz.pass_mark, quiz.time_limit_seconds, quiz.title) == before


def test_quiz_limits_at_their_bounds_are_accepted(course, instructor):
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    response = client_for(instructor).patch(
        f"/api/v1/authoring/quizzes/{quiz.pk}/", {"pass_mark": 100, "time_limit_seconds": 30}, format="json"
    )
    assert response.status_code == 200, response.content
    assert (response.json()["pass_mark"], response.json()["time_limit_seconds"]) == (100, 30)


def test_a_question_patch_without_choices_keeps_them_and_with_choices_replaces_them(course, instructor):
    client = client_for(instructor)
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    question = quiz.questions.get(key="q1-single")
    url = f"/api/v1/authoring/questions/{question.pk}/"
    before = [(c["text"], c["is_correct"]) for c in client.get(url).json()["choices"]]
    patched = client.patch(url, {"text": "Diubah?"}, format="json")
    assert patched.status_code == 200, patched.content
    assert patched.json()["text"] == "Diubah?"
    assert [(c["text"], c["is_correct"]) for c in patched.json()["choices"]] == before
    choices = [{"text": "X", "is_correct": True}, {"text": "Y"}]
    replaced = client.patch(url, {"choices": choices}, format="json")
    assert replaced.status_code == 200, replaced.content
    assert [(c["text"], c["is_correct"]) for c in replaced.json()["choices"]] == [("X", True), ("Y", False)]
    assert set(replaced.json()["choices"][0]) == {"id", "text", "text_en", "is_correct", "weight", "feedback"}
    put = client.put(url, {"quiz": quiz.pk, "key": "q1-single", "type": "single", "text": "?"}, format="json")
    assert put.status_code == 400 and "choices" in put.json()


def test_a_question_patch_that_breaks_its_kept_choices_is_400(course, instructor):
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    question = quiz.questions.get(key="q1-single")
    response = client_for(instructor).patch(
        f"/api/v1/authoring/questions/{question.pk}/", {"type": "true_false"}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_key"


def test_a_duplicate_question_key_is_400_on_the_key(course, instructor):
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    response = post_question(
        client_for(instructor), quiz, key="q1-tf", type_="true_false", keys=[True, False]
    )
    assert response.status_code == 400 and "key" in response.json()


def test_a_quiz_is_created_patched_and_deleted_with_the_same_shape(course, instructor):
    client = client_for(instructor)
    module = Module.objects.filter(course=course).order_by("id")[0]
    created = client.post(
        "/api/v1/authoring/quizzes/", {"module": module.pk, "slug": "baru", "title": "Baru"}, format="json"
    )
    assert created.status_code == 201, created.content
    assert created.json() == {
        "id": created.json()["id"],
        "module": module.pk,
        "slug": "baru",
        "title": "Baru",
        "title_en": "",
        "pass_mark": 70,
        "time_limit_seconds": 900,
        "max_attempts": 3,
        "opens_at": None,
        "closes_at": None,
        "cooldown_minutes": 0,
        "grading_method": "highest",
        "review_score": "immediately",
        "review_correctness": "immediately",
        "review_feedback": "never",
        "review_answers": "never",
        "paging": "all",
        "published_version": None,
    }
    url = f"/api/v1/authoring/quizzes/{created.json()['id']}/"
    patched = client.patch(url, {"pass_mark": 80}, format="json")
    assert patched.status_code == 200 and (patched.json()["pass_mark"], patched.json()["slug"]) == (
        80,
        "baru",
    )
    assert client.delete(url).status_code == 204 and not Quiz.objects.filter(slug="baru").exists()


def test_publishing_answers_with_the_version(course, instructor):
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    response = client_for(instructor).post(f"/api/v1/authoring/quizzes/{quiz.pk}/publish/")
    assert response.status_code == 200
    assert set(response.json()) == {"quiz", "version", "published_at"}
    assert (response.json()["quiz"], response.json()["version"]) == (quiz.pk, 1)  # nothing changed


def test_a_learner_cannot_write_authoring_content(course, learner):
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    client = client_for(learner)
    assert (
        client.patch(f"/api/v1/authoring/quizzes/{quiz.pk}/", {"title": "X"}, format="json").status_code
        == 403
    )
    assert client.delete(f"/api/v1/authoring/courses/{course.pk}/").status_code == 403
    assert post_question(client, quiz, key="x", type_="true_false", keys=[True, False]).status_code == 403
    assert Quiz.objects.get(pk=quiz.pk).title == "Kuis 1"
