"""A database from before the outbox and cycles is migrated without losing an attempt or a
certificate: each lands in the cycle it was made in, and certificates gain their evidence."""

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
def test_attempts_and_certificates_are_placed_in_their_cycles():
    learner = factories.person()
    course = factories.course(quizzes=1)
    latest = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = migrate([*BEFORE, ("events", None)])
    Quiz, Attempt = old.get_model("quizzes", "Quiz"), old.get_model("quizzes", "Attempt")
    Certificate = old.get_model("certificates", "Certificate")
    quiz = Quiz.objects.get(module__course_id=course.pk)
    version = quiz.versions.get()
    now = timezone.now()

    def attempt(number: int, at, passed: bool):  # type: ignore[no-untyped-def]
        return Attempt.objects.create(
            quiz=quiz, version=version, person_id=learner.pk, number=number, status="graded", layout=[],
            started_at=at, deadline=at + timedelta(minutes=10), graded_at=at + timedelta(minutes=1),
            passed=passed,
        )  # fmt: skip

    first = attempt(1, now - timedelta(days=800), True)
    Certificate.objects.create(
        holder_id=learner.pk, course_id=course.pk, issued_at=first.graded_at,
        expires_at=first.graded_at + timedelta(days=730), status="expired",
    )  # fmt: skip
    failed = attempt(2, now - timedelta(days=20), False)
    second = attempt(3, now - timedelta(days=10), True)
    Certificate.objects.create(holder_id=learner.pk, course_id=course.pk, issued_at=second.graded_at)

    new = migrate(latest)
    Attempt = new.get_model("quizzes", "Attempt")
    Certificate = new.get_model("certificates", "Certificate")
    cycles = dict(Attempt.objects.values_list("pk", "enrolment__cycle"))
    assert cycles == {first.pk: 1, failed.pk: 2, second.pk: 2}
    by_cycle = {c.enrolment.cycle: c for c in Certificate.objects.select_related("enrolment")}
    assert sorted(by_cycle) == [1, 2]
    assert list(by_cycle[1].evidence.values_list("pk", flat=True)) == [first.pk]
    assert list(by_cycle[2].evidence.values_list("pk", flat=True)) == [second.pk]
    assert by_cycle[1].enrolment.completed_at == first.graded_at
