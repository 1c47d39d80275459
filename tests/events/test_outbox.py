"""The outbox: news recorded with the change, delivered once per handler, never lost."""

from datetime import timedelta
from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from events import outbox, registry, services, types
from events.models import Delivery, Event
from events.tasks import deliver_event_task
from quizzes import services as quiz_services
from quizzes.models import Attempt, Quiz
from tests import factories

pytestmark = pytest.mark.django_db

GRADER = "quizzes.handlers.grade_submitted_attempt"


def submitted(course, person) -> Attempt:
    quiz = Quiz.objects.filter(module__course=course).order_by("id")[0]
    attempt = quiz_services.attempt_start(quiz=quiz, person=person)
    return quiz_services.attempt_submit(attempt=attempt)


def test_every_app_handler_is_registered_for_its_event():
    assert [h.name for h in registry.handlers_for(types.ATTEMPT_SUBMITTED)] == [GRADER]
    graded = [h.name for h in registry.handlers_for(types.ATTEMPT_GRADED)]
    assert graded[0] == "certificates.handlers.issue_when_course_completed"
    assert "reports.handlers.compliance_after_grading" in graded  # the compliance roll-up
    [render] = [
        h for h in registry.handlers_for(types.CERTIFICATE_ISSUED) if h.name.startswith("certificates.")
    ]
    assert render.atomic is False


@pytest.mark.django_db(transaction=True)
def test_an_event_is_recorded_only_inside_the_transaction_of_its_change():
    with pytest.raises(RuntimeError):
        outbox.record(types.ATTEMPT_SUBMITTED, attempt_id=1)
    with pytest.raises(ValueError), transaction.atomic():
        outbox.record("attempt.exploded", attempt_id=1)


def test_a_delivery_repeated_by_the_broker_runs_the_handler_once(course, learner):
    attempt = submitted(course, learner)
    event = Event.objects.get(type=types.ATTEMPT_SUBMITTED)
    with mock.patch("quizzes.services.attempt_grade", wraps=quiz_services.attempt_grade) as grade:
        assert services.event_deliver(event_id=event.pk, handler_name=GRADER) is True
        assert services.event_deliver(event_id=event.pk, handler_name=GRADER) is False
        deliver_event_task(event.pk, GRADER)
    grade.assert_called_once_with(attempt_id=attempt.pk)
    assert Delivery.objects.filter(event=event).count() == 1
    event.refresh_from_db()
    assert event.done_at is not None


def test_a_broker_that_cannot_be_reached_loses_nothing(course, learner, django_capture_on_commit_callbacks):
    with mock.patch("events.outbox.current_app") as celery:
        celery.send_task.side_effect = ConnectionError("broker down")
        with django_capture_on_commit_callbacks(execute=True):
            attempt = submitted(course, learner)
    assert attempt.status == Attempt.Status.SUBMITTED
    event = Event.objects.get(type=types.ATTEMPT_SUBMITTED, done_at__isnull=True)
    with mock.patch("events.outbox.current_app") as celery:
        with django_capture_on_commit_callbacks(execute=True):
            assert services.events_relay().events == 0  # not due yet
            result = services.events_relay(now=event.relay_after)
    assert result.deliveries == 1
    celery.send_task.assert_called_once_with("events.tasks.deliver_event_task", args=[event.pk, GRADER])


def test_the_relay_marks_what_it_queued_and_backs_off(course, learner, settings):
    settings.LENCANA_RELAY_AFTER_SECONDS = 60
    submitted(course, learner)
    event = Event.objects.get(type=types.ATTEMPT_SUBMITTED)
    t = event.relay_after
    sent = []
    for offset in (0, 1, 60, 119, 120, 360):  # seconds after the event was first due
        with mock.patch("events.outbox.send_deliveries", side_effect=lambda *a: None):
            sent.append(services.events_relay(now=t + timedelta(seconds=offset)).events)
    # Queued at 0, then again only after 60 s, 120 s (60 + 60) and 240 s more (doubling).
    assert sent == [1, 0, 1, 0, 0, 1]
    event.refresh_from_db()
    assert event.relays == 3


def test_an_event_naming_a_row_that_is_gone_is_delivered_as_nothing_to_do(caplog):
    with transaction.atomic():
        event = outbox.record(types.ATTEMPT_SUBMITTED, attempt_id=987654, person_id=1, quiz_id=1)
    assert services.event_deliver(event_id=event.pk, handler_name=GRADER) is True
    assert Delivery.objects.filter(event=event).exists()
    assert any("no longer exists" in r.getMessage() for r in caplog.records)
    deliver_event_task(987654321, GRADER)  # a pruned event: logged, no error
    assert any("pruned" in r.getMessage() for r in caplog.records)


def test_delivered_events_are_pruned_after_the_retention_and_undelivered_ones_never(
    course, learner, settings
):
    settings.LENCANA_EVENT_RETENTION_DAYS = 30
    submitted(course, learner)
    factories.deliver_events()
    with transaction.atomic():
        waiting = outbox.record(types.ATTEMPT_SUBMITTED, attempt_id=987654, person_id=1, quiz_id=1)
    Event.objects.update(created_at=timezone.now() - timedelta(days=90))
    Event.objects.exclude(pk=waiting.pk).update(done_at=timezone.now() - timedelta(days=31))
    assert services.events_prune() >= 2
    assert list(Event.objects.all()) == [waiting]
