from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from certificates import credentials, keys, services
from certificates.models import Certificate
from quizzes import services as quiz_services
from quizzes.models import Quiz

pytestmark = pytest.mark.django_db


def pass_every_quiz(person, course) -> None:
    for quiz in Quiz.objects.filter(module__course=course):
        attempt = quiz_services.attempt_start(quiz=quiz, person=person)
        answers = [
            quiz_services.Answer(
                question=q["id"], choices=tuple(c["id"] for c in q["choices"] if c["is_correct"])
            )
            for q in attempt.version.spec["questions"]
        ]
        quiz_services.attempt_submit(attempt=attempt, answers=answers)
        quiz_services.attempt_grade(attempt_id=attempt.pk)


def test_no_certificate_until_every_quiz_is_passed(course, learner):
    first = Quiz.objects.filter(module__course=course).order_by("id")[0]
    attempt = quiz_services.attempt_start(quiz=first, person=learner)
    quiz_services.attempt_submit(attempt=attempt)
    quiz_services.attempt_grade(attempt_id=attempt.pk)
    assert services.certificate_issue(person_id=learner.pk, course_id=course.pk) is None
    assert not Certificate.objects.exists()


def test_issuing_twice_issues_once(course, learner):
    pass_every_quiz(learner, course)
    first = services.certificate_issue(person_id=learner.pk, course_id=course.pk)
    second = services.certificate_issue(person_id=learner.pk, course_id=course.pk)
    assert first is not None and first == second
    assert Certificate.objects.filter(holder=learner, course=course).count() == 1
    assert first.expires_at == first.issued_at + timedelta(days=365)


def test_the_database_allows_one_valid_certificate_per_person_and_course(course, learner):
    now = timezone.now()
    Certificate.objects.create(holder=learner, course=course, issued_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(holder=learner, course=course, issued_at=now)
    Certificate.objects.create(
        holder=learner, course=course, issued_at=now, status=Certificate.Status.REVOKED
    )


def test_an_expired_certificate_is_replaced_by_a_new_cycle(course, learner):
    pass_every_quiz(learner, course)
    old = services.certificate_issue(person_id=learner.pk, course_id=course.pk)
    Certificate.objects.filter(pk=old.pk).update(expires_at=timezone.now() - timedelta(days=1))
    new = services.certificate_issue(person_id=learner.pk, course_id=course.pk)
    old.refresh_from_db()
    assert new.pk != old.pk and old.status == Certificate.Status.EXPIRED


def test_render_makes_a_pdf_and_a_credential_that_verifies(course, learner):
    pass_every_quiz(learner, course)
    certificate = services.certificate_issue(person_id=learner.pk, course_id=course.pk)
    services.certificate_render(certificate_id=certificate.pk)
    certificate.refresh_from_db()
    assert bytes(certificate.pdf).startswith(b"%PDF")
    credential = certificate.credential
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["id"].endswith(f"/verify/{certificate.code}/")
    assert credentials.verify_credential(credential, public_key=keys.signing_key().public_key())
    credential["credentialSubject"]["achievement"]["name"] = "Something else"
    assert not credentials.verify_credential(credential, public_key=keys.signing_key().public_key())


def test_verification_codes_are_unique_and_unguessable():
    codes = {Certificate._meta.get_field("code").default() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 23 and c.startswith("LNC-") for c in codes)


def test_sweep_requeues_passes_without_a_certificate(course, learner, settings, monkeypatch):
    settings.LENCANA_REQUEUE_AFTER_SECONDS = 0
    pass_every_quiz(learner, course)
    sent = []
    monkeypatch.setattr("certificates.tasks.issue_certificate_task.delay", lambda *a: sent.append(a))
    assert services.certificates_sweep(now=timezone.now() + timedelta(seconds=1)) == [(learner.pk, course.pk)]
    assert sent == [(learner.pk, course.pk)]
    services.certificate_issue(person_id=learner.pk, course_id=course.pk)
    assert services.certificates_sweep(now=timezone.now() + timedelta(seconds=1)) == []


def test_revoked_certificates_read_as_revoked(course, learner):
    certificate = Certificate.objects.create(holder=learner, course=course, issued_at=timezone.now())
    services.certificate_revoke(certificate=certificate, reason="Data keliru")
    certificate.refresh_from_db()
    assert certificate.current_status == Certificate.Status.REVOKED


def test_tasks_for_rows_that_no_longer_exist_do_nothing(caplog):
    from certificates.tasks import issue_certificate_task, render_certificate_task
    from quizzes.tasks import grade_attempt_task

    grade_attempt_task(987654)
    issue_certificate_task(987654, 987654)
    render_certificate_task(987654)
    assert len([r for r in caplog.records if "no longer exists" in r.getMessage()]) == 3
    assert not Certificate.objects.exists()


def test_signing_key_command_prints_a_loadable_key(capsys):
    from django.core.management import call_command

    call_command("signing_key_new")
    line = capsys.readouterr().out.strip()
    assert line.startswith("LENCANA_SIGNING_KEY=z")
    assert credentials.load_private_key(line.split("=", 1)[1])


def test_a_development_signing_key_is_made_once_under_var(settings, tmp_path):
    settings.LENCANA_SIGNING_KEY = ""
    settings.LENCANA_SIGNING_KEY_FILE = tmp_path / "signing-key.txt"
    keys.signing_key.cache_clear()
    try:
        first = credentials.public_key_multibase(keys.signing_key().public_key())
        keys.signing_key.cache_clear()
        second = credentials.public_key_multibase(keys.signing_key().public_key())
    finally:
        keys.signing_key.cache_clear()

    assert first == second
    assert settings.LENCANA_SIGNING_KEY_FILE.stat().st_mode & 0o077 == 0
