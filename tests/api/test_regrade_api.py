"""Regrading after a key fix or a dropped question: the dry run lists what would change and
changes nothing; the run is a job followed at its URL, audited, idempotent, and certificates
follow its `attempt.regraded` events (a lost pass revokes, a new pass issues)."""

from decimal import Decimal

import pytest

from certificates.models import Certificate
from events import types
from events.models import Event
from quizzes import regrading, services
from quizzes.models import Attempt, Question, Quiz, Regrade
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiz(instructor):
    course = factories.course(quizzes=1, max_attempts=1)
    quiz = Quiz.objects.get(module__course=course)
    services.quiz_publish(quiz=quiz)
    return quiz


def _take(quiz, *, single_right=True):
    """A learner answers every question right, or all but the single-choice one (3 of 5: fails)."""
    attempt = factories.graded_attempt(quiz, single_right=single_right)
    factories.deliver_events()
    return attempt.person, attempt


def _url(quiz):
    return f"/api/v1/authoring/quizzes/{quiz.pk}/regrade/"


def _fix_single_key(client, quiz):
    """The instructor finds the single-choice key wrong: B, not A, is right."""
    single = Question.objects.get(quiz=quiz, type="single")
    choices = [{"text": c.text, "is_correct": i == 1} for i, c in enumerate(single.choices.all())]
    response = client.patch(f"/api/v1/authoring/questions/{single.pk}/", {"choices": choices}, format="json")
    assert response.status_code == 200, response.json()
    return single


def test_a_dry_run_lists_the_changes_and_changes_nothing(quiz, instructor):
    client = client_for(instructor)
    _, passing = _take(quiz)
    _, failing = _take(quiz, single_right=False)
    _fix_single_key(client, quiz)
    spec_before = quiz.versions.get().spec
    response = client.post(
        _url(quiz),
        {"dry_run": True, "reason": "Kunci salah"},
        format="json",
    )
    assert response.status_code == 200, response.json()
    # The passing learner chose A (now wrong); the failing one chose B (now right).
    changes = {c["attempt"]: c for c in response.json()["changes"]}
    assert changes == {
        passing.pk: {
            "attempt": passing.pk,
            "old_score": "5.00",
            "new_score": "3.00",
            "old_passed": True,
            "new_passed": False,
        },
        failing.pk: {
            "attempt": failing.pk,
            "old_score": "3.00",
            "new_score": "5.00",
            "old_passed": False,
            "new_passed": True,
        },
    }
    assert Attempt.objects.get(pk=passing.pk).score == Decimal("5.00")
    assert quiz.versions.get().spec == spec_before and not Regrade.objects.exists()
    assert failing.score == Decimal("3.00")


def test_the_run_is_audited_revokes_a_lost_pass_and_runs_once(quiz, instructor):
    client = client_for(instructor)
    holder, passing = _take(quiz)
    certificate = Certificate.objects.get(holder=holder)
    _fix_single_key(client, quiz)
    response = client.post(
        _url(quiz),
        {"dry_run": False, "reason": "Kunci soal 1 salah"},
        format="json",
    )
    assert response.status_code == 202, response.json()
    job = response.json()
    assert job["status"] == "queued" and job["progress"] == 0 and job["total"] == 1
    factories.deliver_events()  # the worker: the regrade, then the certificate's handler
    followed = client.get(f"/api/v1/authoring/regrades/{job['id']}/").json()
    assert followed["status"] == "done" and followed["progress"] == 100 and followed["changed"] == 1
    assert followed["reason"] == "Kunci soal 1 salah" and followed["requested_by"] == instructor.user.username
    attempt = Attempt.objects.get(pk=passing.pk)
    assert attempt.score == Decimal("3.00") and attempt.passed is False
    [event] = Event.objects.filter(type=types.ATTEMPT_REGRADED)
    assert event.data["was_passed"] is True and event.data["passed"] is False
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert "Kunci soal 1 salah" in certificate.revocation_reason
    # Again: nothing changes, no second event.
    regrading.regrade_run(regrade_id=job["id"])
    assert Event.objects.filter(type=types.ATTEMPT_REGRADED).count() == 1


def _certified_on_the_second_attempt(method=Quiz.GradingMethod.HIGHEST):
    """A quiz of two attempts under `method`: the learner failed (chose B, 60 %), then passed
    (chose A, 100 %) and was certified. Returns the quiz, both attempts and the certificate."""
    course = factories.course(quizzes=1, max_attempts=2)
    quiz = Quiz.objects.get(module__course=course)
    Quiz.objects.filter(pk=quiz.pk).update(grading_method=method)
    services.quiz_publish(quiz=quiz)
    first = factories.graded_attempt(quiz, single_right=False)
    second = factories.graded_attempt(quiz, taker=first.person)
    factories.deliver_events()
    return quiz, first, second, Certificate.objects.get(holder=first.person)


def _regraded(quiz, attempt, score: str, was_score: str, reason: str = "Kunci salah") -> None:
    """What a regrade does to one attempt (of 5 points, pass mark 70 %) and its
    `attempt.regraded` delivered to the certificates' handler."""
    from certificates.handlers import follow_regraded_attempt

    version = quiz.versions.get()
    regrade = Regrade.objects.create(
        quiz=quiz, version=version, reason=reason, previous_spec=version.spec, status=Regrade.Status.DONE
    )
    percent = Decimal(score) * 20
    Attempt.objects.filter(pk=attempt.pk).update(score=Decimal(score), percent=percent, passed=percent >= 70)
    data = {"attempt_id": attempt.pk, "enrolment_id": attempt.enrolment_id, "regrade_id": regrade.pk}
    data |= {"passed": percent >= 70, "was_passed": Decimal(was_score) * 20 >= 70}
    data |= {"score": score, "was_score": was_score}
    follow_regraded_attempt(Event(type=types.ATTEMPT_REGRADED, data=data))


def test_a_lost_pass_another_attempt_makes_up_for_keeps_the_certificate(instructor):
    """Highest grade, certified on the second attempt. The key was B: the regrade turns the
    second into a fail and the first into a pass. The course is still passed, so the
    certificate stands."""
    quiz, first, second, certificate = _certified_on_the_second_attempt()
    assert list(certificate.evidence.values_list("pk", flat=True)) == [second.pk]
    client = client_for(instructor)
    _fix_single_key(client, quiz)
    body = {"dry_run": False, "reason": "Kunci salah"}
    assert client.post(_url(quiz), body, format="json").status_code == 202
    factories.deliver_events()
    assert Attempt.objects.get(pk=first.pk).passed is True
    assert Attempt.objects.get(pk=second.pk).passed is False
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID
    assert Certificate.objects.filter(holder=first.person).count() == 1


def test_under_the_average_a_fallen_score_that_still_passes_can_revoke(instructor):
    """Average grade: 60 % then 100 %, certified on the mean of 80 %. A regrade brings the second
    to 70 %: still a pass on its own, but the mean of 65 % is not, and the certificate goes."""
    quiz, _, second, certificate = _certified_on_the_second_attempt(Quiz.GradingMethod.AVERAGE)
    _regraded(quiz, second, "3.50", "5.00")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED
    assert "Kunci salah" in certificate.revocation_reason


def test_a_pass_that_kept_the_certificate_once_revokes_it_when_it_is_lost_in_turn(instructor):
    """Highest grade, certified on the second attempt. A first regrade makes the first attempt
    the pass and the second a fail: the certificate stands (its evidence still names the
    second). A second regrade takes the first's pass too: nothing passes, the certificate goes."""
    quiz, first, second, certificate = _certified_on_the_second_attempt()
    _regraded(quiz, first, "5.00", "3.00")
    _regraded(quiz, second, "3.00", "5.00")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.VALID
    _regraded(quiz, first, "3.00", "5.00")
    certificate.refresh_from_db()
    assert certificate.status == Certificate.Status.REVOKED


def test_a_dropped_question_gives_full_credit_and_a_new_pass_issues(quiz, instructor):
    client = client_for(instructor)
    holder, failing = _take(quiz, single_right=False)
    assert failing.passed is False and not Certificate.objects.filter(holder=holder).exists()
    single = Question.objects.get(quiz=quiz, type="single")
    body = {"dry_run": False, "reason": "Soal ambigu", "drop": [single.pk]}
    assert client.post(_url(quiz), body, format="json").status_code == 202
    factories.deliver_events()
    attempt = Attempt.objects.get(pk=failing.pk)
    assert attempt.score == Decimal("5.00") and attempt.passed is True
    assert Certificate.objects.filter(holder=holder, status=Certificate.Status.VALID).count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"dry_run": False},
        {"dry_run": False, "reason": ""},
        {"dry_run": False, "reason": "x", "drop": [999999]},
        {"dry_run": "kadang", "reason": "x"},
        {"dry_run": False, "reason": "x", "version": 9},
    ],
)
def test_bad_input_is_4xx_and_changes_nothing(quiz, instructor, body):
    client = client_for(instructor)
    _take(quiz)
    spec = quiz.versions.get().spec
    response = client.post(_url(quiz), body, format="json")
    assert response.status_code in (400, 404), response.content
    assert not Regrade.objects.exists() and quiz.versions.get().spec == spec


def test_one_run_at_a_time_and_only_instructors(quiz, instructor, learner, hr):
    client = client_for(instructor)
    body = {"dry_run": False, "reason": "x"}
    assert client.post(_url(quiz), body, format="json").status_code == 202
    assert client.post(_url(quiz), body, format="json").status_code == 409
    job = Regrade.objects.get()
    for other in (client_for(learner), client_for(hr)):
        assert other.post(_url(quiz), body, format="json").status_code == 403
        assert other.get(f"/api/v1/authoring/regrades/{job.pk}/").status_code == 403
    assert Regrade.objects.count() == 1
