"""Issue 11: what probing as an attacker and as a careless client found. Each test here failed
before its fix."""

import json
from unittest import mock

import pytest
from celery import Celery
from django.core.cache import caches

from events.models import Event
from people.throttling import ScopedThrottle
from quizzes import services as quiz_services
from quizzes.models import Attempt, Quiz
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# Nothing listens here: a Redis that is down, without stopping anyone's Redis.
REDIS_DOWN = "redis://127.0.0.1:6390/0"


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


# --- 1. Deeply nested JSON -------------------------------------------------------------------


@pytest.mark.parametrize("depth", [100, 950, 5000])
def test_deeply_nested_json_at_sign_in_is_400(api, db, depth):
    body = '{"username": ' + nested(depth) + ', "password": "x"}'
    response = api.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")


def test_deeply_nested_answers_are_400(course, learner):
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    client = client_for(learner)
    attempt = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
    body = '{"answers": [{"question": 1, "choices": ' + nested(950) + "}]}"
    response = client.patch(
        f"/api/v1/attempts/{attempt['id']}/answers/", body, content_type="application/json"
    )
    assert response.status_code == 400


def test_json_of_ordinary_depth_is_still_read(course, learner):
    body = json.dumps({"username": "nobody", "password": "x", "extra": [[[[{"a": [1]}]]]]})
    api = client_for(learner)
    api.force_authenticate(None)
    assert api.post("/api/v1/auth/token/", body, content_type="application/json").status_code == 401


@pytest.mark.parametrize(
    "body",
    [
        '{"slug": "s", "title": "t", "extra\\u0000": 1}',  # a NUL in an unknown key
        '{"slug": "s", "title": "t\\u0000"}',
        '{"slug": "s", "title": "\\ud800"}',  # a lone surrogate: not UTF-8
    ],
)
def test_text_postgresql_cannot_store_is_400_wherever_it_is_in_the_body(instructor, body):
    response = client_for(instructor).post(
        "/api/v1/authoring/courses/", body, content_type="application/json"
    )
    assert response.status_code == 400


# --- 2. NUL bytes in paths -------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/api/v1/verify/LNC-%00/", "/verify/LNC-%00/", "/api/v1/hr/personnel/1%00/transcript/"]
)
def test_a_nul_byte_in_a_path_is_400_before_any_query(path, hr, django_assert_num_queries):
    client = client_for(hr)
    with django_assert_num_queries(0):  # PostgreSQL refuses NUL in text: no query may carry it
        response = client.get(path)
    assert response.status_code == 400
    if path.startswith("/api/"):
        assert response.json()["code"] == "bad_request"


def test_a_nul_byte_in_a_query_string_is_400(hr):
    response = client_for(hr).get("/api/v1/hr/certificates/?status=valid%00")
    assert response.status_code == 400


# --- 4. Redis down ---------------------------------------------------------------------------


@pytest.fixture
def redis_down(settings):
    """The cache and the broker both at a Redis that does not answer."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_DOWN}
    }
    broker = Celery("redis-down", broker=REDIS_DOWN, set_as_current=False)
    broker.conf.broker_connection_timeout = 1
    with (
        mock.patch("events.outbox.current_app", broker),
        mock.patch.object(ScopedThrottle, "cache", caches["default"]),  # the settings' cache, down
    ):
        yield


def test_with_redis_down_a_submit_succeeds_and_the_outbox_keeps_the_work(
    course, learner, redis_down, django_capture_on_commit_callbacks
):
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    client = client_for(learner)
    attempt = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
    assert (
        client.patch(
            f"/api/v1/attempts/{attempt['id']}/answers/",
            {"answers": [{"question": attempt["questions"][0]["id"], "choices": []}]},
            format="json",
        ).status_code
        == 200
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"/api/v1/attempts/{attempt['id']}/submit/")
    assert response.status_code == 202 and response.json()["status"] == "submitted"
    assert Attempt.objects.get(pk=attempt["id"]).status == Attempt.Status.SUBMITTED
    assert Event.objects.filter(type="attempt.submitted", done_at__isnull=True).exists()


def test_with_redis_down_verification_fails_open(api, redis_down):
    assert api.get("/api/v1/verify/LNC-NONE/").status_code == 404


def test_with_redis_down_sign_in_answers_503_not_500(api, redis_down, learner):
    response = api.post(
        "/api/v1/auth/token/", {"username": learner.user.username, "password": "x"}, format="json"
    )
    # The sign-in throttle is what stands between a guesser and the passwords: without its
    # counter it refuses for now rather than let every guess through.
    assert response.status_code == 503
    assert response.json()["code"] == "throttle_unavailable"
    assert response["Retry-After"] == "5"


# --- 5. X-Forwarded-For ----------------------------------------------------------------------


def test_rotating_x_forwarded_for_does_not_get_around_the_sign_in_throttle(api, learner, settings):
    statuses = []
    for n in range(100):
        response = api.post(
            "/api/v1/auth/token/",
            {"username": learner.user.username, "password": f"guess-{n}"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
        statuses.append(response.status_code)
    assert 429 in statuses
    assert statuses.count(401) <= 20


def test_behind_one_configured_proxy_the_client_address_is_the_forwarded_one(api, learner, settings):
    from rest_framework.settings import api_settings

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert api_settings.NUM_PROXIES == 1
    statuses = set()
    # 30 different clients behind the proxy, one guess each, each at an account of its own (the
    # same account is also counted per username: tests/people/test_sign_in_throttles.py)
    for n in range(30):
        response = api.post(
            "/api/v1/auth/token/",
            {"username": f"{learner.user.username}-{n}", "password": f"guess-{n}"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"198.51.100.{n}",
        )
        statuses.add(response.status_code)
    assert statuses == {401}


def test_num_proxies_comes_from_the_environment():
    from tests.config.test_settings import settings_of_a_new_process

    assert settings_of_a_new_process(["NUM_PROXIES"], NUM_PROXIES=None) == {"NUM_PROXIES": "0"}
    assert settings_of_a_new_process(["NUM_PROXIES"], NUM_PROXIES="2") == {"NUM_PROXIES": "2"}


# --- 9. JSON bodies under /api/ --------------------------------------------------------------


def test_an_over_size_body_under_api_is_answered_in_json(api, db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = json.dumps({"username": "x" * 5000, "password": "x"})
    response = api.post("/api/v1/auth/token/", body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "too_large"


def test_a_server_error_under_api_is_answered_in_json(learner):
    client = client_for(learner)
    client.raise_request_exception = False
    with mock.patch("reports.api.selectors.course_detail", side_effect=RuntimeError("boom")):
        response = client.get("/api/v1/courses/1/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "server_error"
    assert "boom" not in response.content.decode()


# --- 10. Never-published quizzes -------------------------------------------------------------


def test_a_never_published_quiz_is_hidden_from_learners_in_course_detail(course, learner):
    module = course.modules.order_by("order")[0]
    draft = quiz_services.quiz_create(module=module, slug="draft", title="Belum terbit")
    body = client_for(learner).get(f"/api/v1/courses/{course.pk}/").json()
    quiz_ids = [q["id"] for m in body["modules"] for q in m["quizzes"]]
    assert draft.pk not in quiz_ids
    assert len(quiz_ids) == Quiz.objects.filter(module__course=course).count() - 1


def test_a_second_course_with_only_drafts_shows_no_quizzes(learner):
    other = factories.course(slug="other")
    Quiz.objects.filter(module__course=other).first().versions.all().delete()
    body = client_for(learner).get(f"/api/v1/courses/{other.pk}/").json()
    assert sum(len(m["quizzes"]) for m in body["modules"]) == 1


# --- Throttles on answer saves and submits, per user -----------------------------------------


@pytest.fixture
def low_rates():
    with mock.patch.dict(ScopedThrottle.THROTTLE_RATES, {"answers": "3/min", "submit": "2/min"}):
        yield


def test_answer_saves_are_throttled_per_user(course, learner, low_rates):
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    client = client_for(learner)
    attempt = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
    url = f"/api/v1/attempts/{attempt['id']}/answers/"
    body = {"answers": [{"question": attempt["questions"][0]["id"], "choices": []}]}
    statuses = [client.patch(url, body, format="json").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    other = factories.person(roles=("learner",))
    other_attempt = client_for(other).post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
    assert (
        client_for(other)
        .patch(
            f"/api/v1/attempts/{other_attempt['id']}/answers/",
            {"answers": [{"question": other_attempt["questions"][0]["id"], "choices": []}]},
            format="json",
        )
        .status_code
        == 200
    )  # another user has a count of their own


def test_submits_are_throttled_per_user(course, learner, low_rates):
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    client = client_for(learner)
    attempt = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").json()
    url = f"/api/v1/attempts/{attempt['id']}/submit/"
    assert [client.post(url).status_code for _ in range(3)] == [202, 202, 429]
