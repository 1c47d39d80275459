"""Quiz settings (window, cooling period, grading method), per-person overrides and the review
policy, through the services and the API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from audit.models import AuditEntry
from certificates import services as certificate_services
from quizzes import grading, services
from quizzes.models import Attempt, Quiz, QuizOverride
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def first_quiz(course) -> Quiz:
    return Quiz.objects.filter(module__course=course).order_by("id")[0]


def answers(attempt: Attempt, *, right: set[str]) -> list[services.Answer]:
    """Right answers to the questions whose type is in `right` (the factory's quiz: single 2
    points, multiple 2, true/false 1), none to the others."""
    return [
        services.Answer(question=q["id"], choices=tuple(c["id"] for c in q["choices"] if c["is_correct"]))
        for q in attempt.version.spec["questions"]
        if q["type"] in right
    ]


ALL = {"single", "multiple", "true_false"}  # 100%
TF = {"true_false"}  # 20%


def take(quiz: Quiz, person, right: set[str]) -> Attempt:
    attempt = services.attempt_start(quiz=quiz, person=person)
    services.attempt_submit(attempt=attempt, answers=answers(attempt, right=right))
    return services.attempt_grade(attempt_id=attempt.pk)


def settle(quiz: Quiz, **fields) -> None:
    Quiz.objects.filter(pk=quiz.pk).update(**fields)
    quiz.refresh_from_db()


# --- The grading method, pure -----------------------------------------------------------------

graded = st.lists(st.decimals(min_value=0, max_value=100, places=2), min_size=1, max_size=8).map(
    lambda ps: [grading.GradedAttempt(id=100 + i, number=i + 1, percent=p) for i, p in enumerate(ps)]
)


@given(graded, st.sampled_from(grading.GRADING_METHODS), st.integers(min_value=0, max_value=100))
def test_a_result_lies_within_its_attempts_and_passes_by_the_pass_mark(attempts, method, pass_mark):
    result = grading.quiz_result(attempts, method=method, pass_mark=pass_mark)
    percents = [a.percent for a in attempts]
    assert result is not None and min(percents) <= result.percent <= max(percents)
    assert result.passed == (result.percent >= pass_mark) and result.counted == len(attempts)
    expected = {"highest": max(percents), "first": percents[0], "last": percents[-1]}
    if method in expected:
        assert result.percent == expected[method] and len(result.attempts) == 1
    else:
        assert result.attempts == tuple(a.id for a in attempts)


def test_no_graded_attempt_is_no_result():
    assert grading.quiz_result([], method="highest", pass_mark=70) is None


# --- The window and the cooling period --------------------------------------------------------


def test_a_start_before_the_window_opens_or_after_it_closes_is_refused_and_makes_nothing(course, learner):
    quiz = first_quiz(course)
    client = client_for(learner)
    settle(quiz, opens_at=timezone.now() + timedelta(hours=2))
    early = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    assert early.status_code == 409 and early.json()["code"] == "quiz_not_open" and early.json()["opens_at"]
    settle(quiz, opens_at=timezone.now() - timedelta(days=2), closes_at=timezone.now() - timedelta(days=1))
    late = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    assert late.status_code == 409 and late.json()["code"] == "quiz_closed"
    assert not Attempt.objects.exists()
    detail = client.get(f"/api/v1/quizzes/{quiz.pk}/").json()
    assert detail["window"] == "closed" and detail["attempts_left"] == 3


def test_an_attempt_never_runs_past_the_close_date(course, learner):
    quiz = first_quiz(course)
    closes = timezone.now() + timedelta(minutes=3)  # the time limit is 10 minutes
    settle(quiz, closes_at=closes)
    attempt = services.attempt_start(quiz=quiz, person=learner)
    assert attempt.deadline == closes


def test_the_cooling_period_refuses_a_start_and_says_when_the_next_may_start(course, learner):
    quiz = first_quiz(course)
    settle(quiz, cooldown_minutes=30)
    first = take(quiz, learner, TF)
    client = client_for(learner)
    refused = client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/")
    assert refused.status_code == 409 and refused.json()["code"] == "cooldown"
    next_at = min(first.submitted_at, first.deadline) + timedelta(minutes=30)
    assert refused.json()["next_attempt_at"] == next_at.isoformat().replace("+00:00", "Z")
    assert Attempt.objects.filter(person=learner).count() == 1
    detail = client.get(f"/api/v1/quizzes/{quiz.pk}/").json()
    assert (detail["attempts_used"], detail["attempts_left"], detail["next_attempt_at"] is not None) == (
        1,
        2,
        True,
    )
    Attempt.objects.filter(pk=first.pk).update(submitted_at=timezone.now() - timedelta(minutes=31))
    assert client.post(f"/api/v1/quizzes/{quiz.pk}/attempts/").status_code == 201


# --- Overrides -----------------------------------------------------------------------------


def test_overrides_give_more_time_attempts_and_an_own_window_the_quiz_own_beating_the_general(
    course, learner
):
    quiz = first_quiz(course)
    settle(quiz, max_attempts=1, closes_at=timezone.now() - timedelta(hours=1))
    services.override_save(
        person=learner, quiz=None, data={"time_multiplier": Decimal("1.5"), "extra_attempts": 5}
    )
    services.override_save(
        person=learner, quiz=quiz, data={"extra_attempts": 1, "closes_at": timezone.now() + timedelta(days=1)}
    )
    attempt = services.attempt_start(quiz=quiz, person=learner)
    assert attempt.deadline - attempt.started_at == timedelta(seconds=900)  # 600 s times 1.5
    services.attempt_submit(attempt=attempt)
    services.attempt_grade(attempt_id=attempt.pk)
    services.attempt_grade(attempt_id=services.attempt_start(quiz=quiz, person=learner).pk)
    Attempt.objects.filter(person=learner).update(status=Attempt.Status.GRADED, passed=False, percent=0)
    with pytest.raises(services.Conflict) as refused:  # 1 + 1 of the quiz's own, not + 5
        services.attempt_start(quiz=quiz, person=learner)
    assert refused.value.code == "no_attempts_left"


def test_overrides_over_the_api_by_instructors_and_hr_audited_learners_refused(
    course, learner, instructor, hr
):
    quiz = first_quiz(course)
    url = "/api/v1/authoring/overrides/"
    assert (
        client_for(learner).post(url, {"person": learner.nrp, "quiz": None, "extra_attempts": 1}).status_code
        == 403
    )
    assert client_for(learner).get(url).status_code == 403
    created = client_for(hr).post(
        url, {"person": learner.nrp, "quiz": None, "time_multiplier": "1.25"}, format="json"
    )
    assert created.status_code == 201, created.json()
    body = created.json()
    assert (body["person"], body["quiz"], body["time_multiplier"], body["extra_attempts"]) == (
        learner.nrp,
        None,
        "1.25",
        None,
    )
    instructor_client = client_for(instructor)
    own = instructor_client.post(
        url, {"person": learner.nrp, "quiz": quiz.pk, "extra_attempts": 2}, format="json"
    )
    assert own.status_code == 201
    patched = instructor_client.patch(f"{url}{own.json()['id']}/", {"extra_attempts": 4}, format="json")
    assert patched.status_code == 200 and patched.json()["extra_attempts"] == 4
    listed = instructor_client.get(url, {"person": learner.nrp, "quiz": quiz.pk}).json()
    assert [o["id"] for o in listed["results"]] == [own.json()["id"]]
    detail = client_for(learner).get(f"/api/v1/quizzes/{quiz.pk}/").json()
    assert (detail["attempts_allowed"], detail["time_limit_seconds"]) == (3 + 4, 750)
    assert instructor_client.delete(f"{url}{own.json()['id']}/").status_code == 204
    actions = list(AuditEntry.objects.filter(target_type="override").values_list("action", flat=True))
    assert sorted(actions) == [
        "override.create",
        "override.create",
        "override.destroy",
        "override.partial_update",
    ]
    assert AuditEntry.objects.filter(action="override.create", actor_username=hr.user.username).exists()


@pytest.mark.parametrize(
    "payload",
    [
        {"time_multiplier": "0.5"},
        {"time_multiplier": "5.5"},
        {"extra_attempts": 21},
        {"extra_attempts": -1},
        {"opens_at": "2026-12-10T10:00:00Z", "closes_at": "2026-12-09T10:00:00Z"},
        {},
        {"person": "00000000", "extra_attempts": 1},
        {"quiz": 999999, "extra_attempts": 1},
        {"opens_at": "0037-10-29T18:55:20Z"},  # a typo; and far back Jakarta's offset is +07:07:12
    ],
)
def test_bad_overrides_are_refused_and_change_nothing(course, learner, instructor, payload):
    body = {"person": learner.nrp, "quiz": first_quiz(course).pk, **payload}
    response = client_for(instructor).post("/api/v1/authoring/overrides/", body, format="json")
    assert response.status_code == 400, response.json()
    assert (
        not QuizOverride.objects.exists() and not AuditEntry.objects.filter(target_type="override").exists()
    )


def test_a_second_override_of_the_same_quiz_is_refused(course, learner, instructor):
    body = {"person": learner.nrp, "quiz": None, "extra_attempts": 1}
    client = client_for(instructor)
    assert client.post("/api/v1/authoring/overrides/", body, format="json").status_code == 201
    again = client.post("/api/v1/authoring/overrides/", body, format="json")
    assert again.status_code == 400 and "quiz" in again.json()
    assert QuizOverride.objects.count() == 1


# --- The grading method decides certificates and what HR reads ----------------------------------


def pass_other_quizzes(course, person, quiz) -> None:
    for other in Quiz.objects.filter(module__course=course).exclude(pk=quiz.pk):
        take(other, person, ALL)


def issue(person, course):
    return certificate_services.certificate_issue(enrolment_id=factories.enrolment(person, course).pk)


def test_under_the_average_a_pass_needs_the_mean_to_reach_the_pass_mark(course, learner, hr):
    quiz = first_quiz(course)
    settle(quiz, grading_method=Quiz.GradingMethod.AVERAGE)
    pass_other_quizzes(course, learner, quiz)
    low, high = take(quiz, learner, TF), take(quiz, learner, ALL)  # 20% and 100%: 60%
    assert high.passed and issue(learner, course) is None
    third = take(quiz, learner, ALL)  # may start: the result has not passed; now 73.33%
    certificate = issue(learner, course)
    assert certificate is not None
    assert {low.pk, high.pk, third.pk} <= set(certificate.evidence.values_list("pk", flat=True))
    transcript = client_for(hr).get(f"/api/v1/hr/personnel/{learner.nrp}/transcript/").json()
    row = next(r for r in transcript["results"] if r["quiz"] == quiz.pk)
    assert (row["grading_method"], row["percent"], row["passed"], row["attempts_counted"]) == (
        "average",
        "73.33",
        True,
        3,
    )


def test_under_the_first_attempt_a_later_pass_does_not_count(course, learner):
    quiz = first_quiz(course)
    settle(quiz, grading_method=Quiz.GradingMethod.FIRST)
    pass_other_quizzes(course, learner, quiz)
    take(quiz, learner, TF)
    assert take(quiz, learner, ALL).passed
    assert issue(learner, course) is None


def test_under_the_last_attempt_the_latest_graded_one_decides(course, learner):
    quiz = first_quiz(course)
    settle(quiz, grading_method=Quiz.GradingMethod.LAST)
    pass_other_quizzes(course, learner, quiz)
    take(quiz, learner, TF)
    last = take(quiz, learner, ALL)
    certificate = issue(learner, course)
    assert certificate is not None and last in certificate.evidence.all()


# --- The review policy ------------------------------------------------------------------------

REVIEW_PARTS = ("review_score", "review_correctness", "review_feedback", "review_answers")


def test_a_score_held_back_is_not_shown(course, learner):
    quiz = first_quiz(course)
    settle(quiz, **dict.fromkeys(REVIEW_PARTS, Quiz.ReviewWhen.NEVER))
    attempt = take(quiz, learner, ALL)
    body = client_for(learner).get(f"/api/v1/attempts/{attempt.pk}/").json()
    assert (body["status"], body["score"], body["percent"], body["passed"]) == ("graded", None, None, None)
    assert body["review"] == {"score": False, "correctness": False, "feedback": False, "answers": False}
    assert body["feedback"] == []


def test_parts_after_the_close_date_wait_for_it(course, learner):
    quiz = first_quiz(course)
    settle(
        quiz,
        closes_at=timezone.now() + timedelta(hours=1),
        review_correctness=Quiz.ReviewWhen.AFTER_CLOSE,
        review_answers=Quiz.ReviewWhen.AFTER_CLOSE,
        review_feedback=Quiz.ReviewWhen.NEVER,
    )
    attempt = take(quiz, learner, TF)
    client = client_for(learner)
    before = client.get(f"/api/v1/attempts/{attempt.pk}/").json()
    assert before["review"]["correctness"] is False and before["feedback"] == [] and before["score"]
    settle(quiz, closes_at=timezone.now() - timedelta(seconds=1))
    after = client.get(f"/api/v1/attempts/{attempt.pk}/").json()
    assert after["review"] == {"score": True, "correctness": True, "feedback": False, "answers": True}
    assert all("correct" in row and "correct_choices" in row for row in after["feedback"])


def test_right_answers_after_a_pass_wait_for_the_pass(course, learner):
    quiz = first_quiz(course)
    settle(quiz, review_answers=Quiz.ReviewWhen.AFTER_PASS, review_feedback=Quiz.ReviewWhen.AFTER_PASS)
    failed = take(quiz, learner, TF)
    client = client_for(learner)
    assert client.get(f"/api/v1/attempts/{failed.pk}/").json()["review"]["answers"] is False
    take(quiz, learner, ALL)
    shown = client.get(f"/api/v1/attempts/{failed.pk}/").json()
    assert shown["review"]["answers"] is True and shown["review"]["feedback"] is True
    assert all("correct_choices" in row and "explanation" in row for row in shown["feedback"])


# --- The pages ------------------------------------------------------------------------------


def test_the_course_page_shows_the_window_the_attempts_and_the_next_start(course, learner):
    quiz = first_quiz(course)
    settle(quiz, cooldown_minutes=60)
    services.override_save(person=learner, quiz=quiz, data={"extra_attempts": 2})
    take(quiz, learner, TF)
    client = Client()
    client.force_login(learner.user)
    page = client.get(f"/courses/{course.pk}/").content.decode()
    assert "1 dari 5 kesempatan terpakai" in page  # 3 of the quiz, 2 of the override
    assert "quiz-window" in page  # the next attempt's time
    settle(quiz, cooldown_minutes=0, closes_at=timezone.now() - timedelta(minutes=1))
    closed = client.get(f"/courses/{course.pk}/").content.decode()
    assert 'badge bad quiz-window">ditutup<' in closed


def test_the_result_page_holds_back_a_score_the_policy_holds_back(course, learner):
    quiz = first_quiz(course)
    settle(quiz, **dict.fromkeys(REVIEW_PARTS, Quiz.ReviewWhen.NEVER))
    attempt = take(quiz, learner, ALL)
    client = Client()
    client.force_login(learner.user)
    page = client.get(f"/attempts/{attempt.pk}/").content.decode()
    assert 'id="score-later"' in page and 'id="verdict"' not in page and "100%" not in page


def test_a_quiz_window_outside_the_years_2000_to_2999_is_refused(course, instructor):
    quiz = first_quiz(course)
    client = client_for(instructor)
    for when in ("0037-10-29T18:55:20Z", "3001-01-01T00:00:00Z"):
        response = client.patch(f"/api/v1/authoring/quizzes/{quiz.pk}/", {"opens_at": when}, format="json")
        assert response.status_code == 400 and "opens_at" in response.json()
    quiz.refresh_from_db()
    assert quiz.opens_at is None
