"""A database from before the outbox and cycles is migrated without losing an attempt or a
certificate: each lands in the cycle it was made in, certificates gain their evidence, and
work that was in flight (in broker messages and sweeps that no longer exist) comes home
through the outbox."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from tests import factories

BEFORE = [("courses", "0001_initial"), ("quizzes", "0001_initial"), ("certificates", "0001_initial")]


def migrate(targets: list[tuple[str, str | None]]):  # type: ignore[no-untyped-def]
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state([(app, name) for app, name in targets if name is not None]).apps


@pytest.mark.django_db(transaction=True)
def test_a_database_from_before_cycles_keeps_every_attempt_and_certificate_and_finishes_its_work():
    course = factories.course(quizzes=2)
    expired, reissued, in_flight, lost, unrendered, valid = (factories.person() for _ in range(6))
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = migrate([*BEFORE, ("events", None)])
    Quiz, Attempt = old.get_model("quizzes", "Quiz"), old.get_model("quizzes", "Attempt")
    Certificate = old.get_model("certificates", "Certificate")
    quizzes = list(Quiz.objects.filter(module__course_id=course.pk).order_by("pk"))
    now = timezone.now()

    def attempt(person, quiz, days_ago: int, passed: bool | None, status: str = "graded"):  # type: ignore[no-untyped-def]
        at = now - timedelta(days=days_ago)
        return Attempt.objects.create(
            quiz=quiz, version=quiz.versions.get(), person_id=person.pk,
            number=Attempt.objects.filter(person_id=person.pk, quiz=quiz).count() + 1, status=status,
            layout=[], started_at=at, deadline=at + timedelta(minutes=10),
            graded_at=at + timedelta(minutes=1) if status == "graded" else None, passed=passed,
            percent={True: 100, False: 0, None: None}[passed], submitted_at=at + timedelta(minutes=1),
        )  # fmt: skip

    def certificate(person, days_ago: int, valid_days: int = 730, **fields):  # type: ignore[no-untyped-def]
        at = now - timedelta(days=days_ago) + timedelta(minutes=5)  # after the grading
        return Certificate.objects.create(
            holder_id=person.pk, course_id=course.pk, issued_at=at,
            expires_at=at + timedelta(days=valid_days), **fields,
        )  # fmt: skip

    passes = {}
    for person, days_ago in ((expired, 800), (reissued, 30), (lost, 3), (unrendered, 20), (valid, 100)):
        passes[person.pk] = {attempt(person, q, days_ago, True).pk for q in quizzes}
    certificate(expired, 800)  # expired 70 days ago
    retake = attempt(expired, quizzes[0], 20, False)  # after the expiry: the next cycle
    certificate(reissued, 30, status="revoked", revoked_at=now - timedelta(days=10))
    certificate(reissued, 9)  # re-issued from the old passes by the old code
    submitted = attempt(in_flight, quizzes[0], 1, None, status="submitted")
    certificate(unrendered, 20)  # rendered_at stays empty
    certificate(valid, 100)
    later = attempt(valid, quizzes[0], 50, False)  # the certificate still stands: same cycle
    rows_before = (Attempt.objects.count(), Certificate.objects.count())

    new = migrate(latest)
    Attempt = new.get_model("quizzes", "Attempt")
    Certificate = new.get_model("certificates", "Certificate")
    Event = new.get_model("events", "Event")
    assert (Attempt.objects.count(), Certificate.objects.count()) == rows_before
    cycle = dict(Attempt.objects.values_list("pk", "enrolment__cycle"))
    assert cycle[retake.pk] == 2 and cycle[later.pk] == 1
    assert all(cycle[pk] == 1 for pks in passes.values() for pk in pks)

    def certificates_of(person):  # type: ignore[no-untyped-def]
        return list(Certificate.objects.filter(holder_id=person.pk).order_by("issued_at"))

    for person in (expired, unrendered, valid):
        [c] = certificates_of(person)
        assert c.enrolment.cycle == 1 and set(c.evidence.values_list("pk", flat=True)) == passes[person.pk]
    first, second = certificates_of(reissued)
    assert (first.enrolment.cycle, second.enrolment.cycle) == (1, 2)
    assert set(second.evidence.values_list("pk", flat=True)) == passes[reissued.pk]  # found by a regrade
    assert first.enrolment.next_cycle_at == first.revoked_at
    in_outbox = {(e.type, e.data.get("attempt_id")) for e in Event.objects.filter(done_at=None)}
    assert ("attempt.submitted", submitted.pk) in in_outbox
    assert {e.type for e in Event.objects.all()} == {
        "attempt.submitted",
        "attempt.graded",
        "certificate.issued",
    }

    factories.deliver_events()  # what the relay's first pass brings about
    from certificates.models import Certificate as CurrentCertificate
    from quizzes.models import Attempt as CurrentAttempt

    assert CurrentAttempt.objects.get(pk=submitted.pk).status == "graded"
    assert CurrentCertificate.objects.filter(holder=lost).count() == 1  # the lost issuance
    assert not CurrentCertificate.objects.filter(rendered_at=None).exclude(holder=lost).exists()
    assert CurrentCertificate.objects.get(holder=lost).rendered_at is not None
    assert CurrentCertificate.objects.count() == rows_before[1] + 1


@pytest.mark.django_db(transaction=True)
def test_each_quiz_keeps_what_its_old_review_setting_showed():
    course = factories.course(quizzes=3)
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = migrate([("quizzes", "0008_quiz_paging")])
    Quiz = old.get_model("quizzes", "Quiz")
    quizzes = list(Quiz.objects.filter(module__course_id=course.pk).order_by("pk"))
    for quiz, review in zip(quizzes, ("none", "correctness", "full"), strict=True):
        Quiz.objects.filter(pk=quiz.pk).update(review=review)

    new = migrate(latest)
    Quiz = new.get_model("quizzes", "Quiz")
    parts = ("review_score", "review_correctness", "review_feedback", "review_answers")
    policies = [
        tuple(row)
        for row in Quiz.objects.filter(module__course_id=course.pk).order_by("pk").values_list(*parts)
    ]
    now, never = "immediately", "never"
    assert policies == [
        (now, never, never, never),  # none: the score only
        (now, now, never, never),  # correctness: the score and which were right
        (now, now, now, now),  # full: everything (keys still once they cannot help)
    ]
