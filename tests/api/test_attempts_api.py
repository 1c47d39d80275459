"""The learner's flow over HTTP: bad input is a clear 4xx and changes nothing."""

import pytest

from quizzes.models import Attempt, Quiz, Response
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def started(course, learner):
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    client = client_for(learner)
    response = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    assert response.status_code == 201
    return client, response.json()


def test_start_returns_questions_without_keys(started):
    _, body = started
    assert body["status"] == "in_progress" and body["deadline"].endswith("+07:00")
    question = body["questions"][0]
    assert set(question) >= {"id", "type", "text", "choices"}
    assert set(question["choices"][0]) == {"id", "text", "text_en"}


@pytest.mark.parametrize(
    "payload",
    [
        "not json",
        {"answers": "nope"},
        {"answers": [{"question": "x", "choices": [1]}]},
        {"answers": [{"question": 1}]},
        {"answers": [{"question": 1, "choices": [1], "text": "both"}]},
        {"answers": [{"question": 1, "choices": "1"}]},
    ],
)
def test_malformed_answers_are_400(started, payload):
    client, body = started
    kwargs = (
        {"data": payload, "content_type": "application/json"}
        if isinstance(payload, str)
        else {"data": payload, "format": "json"}
    )
    response = client.patch(f"/api/v1/attempts/{body['id']}/answers/", **kwargs)
    assert response.status_code == 400
    assert response.json()
    assert not Response.objects.exists()


def test_foreign_question_and_choice_ids_are_400(started):
    client, body = started
    other = Quiz.objects.exclude(pk=Attempt.objects.get(pk=body["id"]).quiz_id)[0].questions.first()
    for answer in (
        {"question": other.pk, "choices": [other.choices.first().pk]},
        {"question": body["questions"][0]["id"], "choices": [other.choices.first().pk]},
    ):
        response = client.patch(
            f"/api/v1/attempts/{body['id']}/answers/", {"answers": [answer]}, format="json"
        )
        assert response.status_code == 400 and response.json()["code"] in {
            "unknown_question",
            "unknown_choice",
        }
    assert not Response.objects.exists()


def test_another_persons_attempt_is_404(started):
    _, body = started
    stranger = client_for(factories.person())
    assert stranger.get(f"/api/v1/attempts/{body['id']}/").status_code == 404
    assert stranger.post(f"/api/v1/attempts/{body['id']}/submit/").status_code == 404
    answers = {"answers": [{"question": body["questions"][0]["id"], "choices": []}]}
    assert (
        stranger.patch(f"/api/v1/attempts/{body['id']}/answers/", answers, format="json").status_code == 404
    )
    assert Attempt.objects.get(pk=body["id"]).status == "in_progress"


def test_submit_twice_returns_the_current_status_and_answers_after_submit_are_409(started):
    client, body = started
    url = f"/api/v1/attempts/{body['id']}/"
    assert client.post(url + "submit/").json() == {"id": body["id"], "status": "submitted"}
    again = client.post(url + "submit/")
    assert again.status_code == 202 and again.json()["status"] == "submitted"
    late = client.patch(
        url + "answers/",
        {"answers": [{"question": body["questions"][0]["id"], "choices": []}]},
        format="json",
    )
    assert late.status_code == 409 and late.json()["code"] == "attempt_closed"


def test_a_second_submit_that_carries_answers_is_409_and_changes_nothing(started):
    client, body = started
    url = f"/api/v1/attempts/{body['id']}/"
    assert client.post(url + "submit/").status_code == 202
    answers = factories.correct_answers(body)
    late = client.post(url + "submit/", {"answers": answers}, format="json")
    assert late.status_code == 409 and late.json()["code"] == "attempt_closed"
    assert not Response.objects.filter(attempt_id=body["id"]).exists()


def test_a_second_start_is_409_with_a_reason(started, course):
    client, body = started
    quiz_id = Attempt.objects.get(pk=body["id"]).quiz_id
    response = client.post(f"/api/v1/quizzes/{quiz_id}/attempts/")
    assert response.status_code == 409 and response.json()["code"] == "attempt_in_progress"


def test_a_user_without_personnel_profile_cannot_start(course, django_user_model, api):
    user = django_user_model.objects.create_user(username="nobody", password="x")
    api.force_authenticate(user=user)
    quiz = Quiz.objects.filter(module__course=course)[0]
    response = api.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    assert response.status_code == 403 and response.json()["code"] == "no_person"


def test_unknown_verification_code_is_404(api, db):
    assert api.get("/api/v1/verify/LNC-AAAA-AAAA-AAAA-AAAA/").status_code == 404
    assert api.get("/verify/LNC-AAAA-AAAA-AAAA-AAAA/").status_code == 404


def test_course_list_shows_progress_in_a_fixed_number_of_queries(
    course, learner, django_assert_max_num_queries
):
    factories.course(slug="another")
    client = client_for(learner)
    with django_assert_max_num_queries(6):
        body = client.get("/api/v1/courses/").json()
    assert body["count"] == 2
    progress = body["results"][0]["progress"]
    assert progress["quizzes"] == 2 and progress["quizzes_passed"] == 0 and body["results"][0]["required"]


def test_a_save_and_a_submit_check_the_owner_in_the_query_that_writes_or_locks(
    started, django_assert_num_queries
):
    """A save: the read of the attempt with its owner, then the guarded upsert. A submit: the
    locking read with its owner, the update and the event, in one transaction."""
    client, body = started
    question = body["questions"][0]
    answer = {"question": question["id"], "choices": [question["choices"][0]["id"]]}
    url = f"/api/v1/attempts/{body['id']}/"
    with django_assert_num_queries(2):
        assert client.patch(f"{url}answers/", {"answers": [answer]}, format="json").status_code == 200
    with django_assert_num_queries(5):  # the transaction opened and closed, the locked read, update, event
        assert client.post(f"{url}submit/").status_code == 202


def test_course_page_is_read_from_the_cache_and_follows_every_edit(
    course, learner, django_assert_num_queries
):
    """The course page is the same for every learner: built once, then served with no query;
    an edit of the course, a module, a lesson or a quiz shows at once; a draft is not served."""
    client = client_for(learner)
    url = f"/api/v1/courses/{course.pk}/"
    first = client.get(url).json()
    with django_assert_num_queries(0):
        assert client.get(url).json() == first
    module = course.modules.order_by("order")[0]
    lesson, quiz = module.lessons.order_by("order")[0], module.quizzes.order_by("id")[0]
    for obj, field in ((course, "title"), (module, "title"), (lesson, "body"), (quiz, "title")):
        setattr(obj, field, f"{field} baru")
        obj.save()
    body = client.get(url).json()
    assert body["title"] == "title baru" and body["modules"][0]["title"] == "title baru"
    assert body["modules"][0]["lessons"][0]["body"] == "body baru"
    assert body["modules"][0]["quizzes"][0]["title"] == "title baru"
    course.status = type(course).Status.DRAFT
    course.save()
    assert client.get(url).status_code == 404


def test_a_deleted_course_page_is_dropped_at_the_commit_too(
    course, learner, django_capture_on_commit_callbacks
):
    """The keys are taken when the course is deleted: at the commit the deleted course is no
    longer found, and a page a request cached in between must still go."""
    from django.core.cache import cache

    from reports import course_cache

    assert client_for(learner).get(f"/api/v1/courses/{course.pk}/").status_code == 200
    keys = course_cache._keys([course.pk])
    with django_capture_on_commit_callbacks(execute=True):
        course.delete()
        cache.set(keys[0], {"title": "stale"})  # a request in between caches the old page
    assert cache.get_many(keys) == {}


def test_course_detail_is_ordered_and_prefetched(course, learner, django_assert_max_num_queries):
    client = client_for(learner)
    with django_assert_max_num_queries(6):
        body = client.get(f"/api/v1/courses/{course.pk}/").json()
    assert [m["order"] for m in body["modules"]] == [1, 2]
    assert body["modules"][0]["lessons"][0]["body"] and body["modules"][0]["quizzes"][0]["id"]


def test_full_review_shows_keys_only_once_they_cannot_help(
    course, learner, django_capture_on_commit_callbacks
):
    from quizzes import services

    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]  # review "full", 3 attempts
    client = client_for(learner)
    for number in range(1, 4):
        body = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
        client.post(f"/api/v1/attempts/{body['id']}/submit/")
        services.attempt_grade(attempt_id=body["id"])
        feedback = client.get(f"/api/v1/attempts/{body['id']}/").json()["feedback"]
        assert all(row["correct"] is False for row in feedback)
        assert ("correct_choices" in feedback[0]) is (number == 3)


def test_course_progress_counts_only_the_current_cycle(learner):
    from certificates.models import Certificate
    from certificates.services import certificate_revoke
    from tests.certificates.test_issue import pass_every_quiz

    course = factories.course(slug="cycle-course")
    pass_every_quiz(learner, course)
    factories.deliver_events()
    client = client_for(learner)

    def progress() -> dict:
        [row] = [c for c in client.get("/api/v1/courses/").json()["results"] if c["id"] == course.pk]
        return row["progress"]

    assert progress()["quizzes_passed"] == 2 and progress()["certificate_code"]
    certificate_revoke(certificate=Certificate.objects.get(holder=learner), reason="Ujian diulang")
    assert progress()["quizzes_passed"] == 0


def test_a_save_answers_with_the_answers_it_saved_not_the_whole_attempt(started):
    client, body = started
    first, second = body["questions"][:2]
    url = f"/api/v1/attempts/{body['id']}/answers/"
    answer = {"question": first["id"], "choices": [first["choices"][0]["id"]]}
    assert client.patch(url, {"answers": [answer]}, format="json").status_code == 200
    changed = {"question": first["id"], "choices": [first["choices"][1]["id"]]}
    other = {"question": second["id"], "choices": [second["choices"][0]["id"]]}
    saved = client.patch(url, {"answers": [changed, other]}, format="json")
    assert saved.status_code == 200
    out = saved.json()
    assert set(out) == {"id", "status", "deadline", "answers"}
    assert out["status"] == "in_progress" and out["deadline"] == body["deadline"]
    assert sorted(out["answers"], key=lambda a: a["question"]) == sorted(
        [changed, other], key=lambda a: a["question"]
    )
    stored = {r.question_ref: r.choices for r in Response.objects.filter(attempt_id=body["id"])}
    assert stored == {first["id"]: changed["choices"], second["id"]: other["choices"]}
