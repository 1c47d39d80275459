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
    with mock.patch("quizzes.services.attempts_grade", wraps=quiz_services.attempts_grade) as grade:
        assert services.event_deliver(event_id=event.pk, handler_name=GRADER) is True
        assert services.event_deliver(event_id=event.pk, handler_name=GRADER) is False
        deliver_event_task(event.pk, GRADER)
    grade.assert_called_once_with(attempt_ids=[attempt.pk])
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
    # A copy still in the queue when the next pass is due is dropped unread by the worker.
    celery.send_task.assert_called_once_with(
        "events.tasks.deliver_event_task", args=[event.pk, GRADER], expires=60.0
    )


def test_a_backlog_goes_out_again_in_a_few_messages_and_a_failure_gives_every_unsent_turn_back(
    course, settings, django_capture_on_commit_callbacks
):
    settings.LENCANA_RELAY_AFTER_SECONDS = 60
    with mock.patch("events.outbox.current_app"):  # the first sends are lost
        for _ in range(5):
            submitted(course, factories.person())
    events = Event.objects.filter(type=types.ATTEMPT_SUBMITTED, done_at__isnull=True)
    due = max(events.values_list("relay_after", flat=True))
    with mock.patch("events.outbox.current_app") as celery:
        with django_capture_on_commit_callbacks(execute=True):
            assert services.events_relay(now=due).events == 5
    # One message for the five events (same handler, same backoff), not five.
    [call] = celery.send_task.call_args_list
    assert call.args == ("events.tasks.deliver_events_task",)
    assert sorted(call.kwargs["args"][0]) == sorted(events.values_list("pk", flat=True))
    assert call.kwargs["args"][1] == [GRADER] and call.kwargs["expires"] == 60.0
    later = due + timedelta(seconds=60)
    with mock.patch("events.outbox.current_app") as celery:
        celery.producer_or_acquire.side_effect = ConnectionError("broker down")
        with django_capture_on_commit_callbacks(execute=True):
            assert services.events_relay(now=later).events == 5
    assert set(events.values_list("relays", flat=True)) == {1}  # the failed pass is not counted


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
    done = Event.objects.exclude(pk=waiting.pk)
    expected = done.count() + Delivery.objects.filter(event__in=done).count()  # with their deliveries
    assert done.count() >= 2
    assert services.events_prune() == expected
    assert list(Event.objects.all()) == [waiting]


def test_a_pass_whose_sends_fail_gives_the_events_their_turn_back_uncounted(
    course, learner, settings, django_capture_on_commit_callbacks
):
    settings.LENCANA_RELAY_AFTER_SECONDS = 60
    submitted(course, learner)
    event = Event.objects.get(type=types.ATTEMPT_SUBMITTED)
    with mock.patch("events.outbox.current_app") as celery:
        celery.send_task.side_effect = ConnectionError("broker down")
        with django_capture_on_commit_callbacks(execute=True):
            services.events_relay(now=event.relay_after)
    event.refresh_from_db()
    assert event.relays == 0 and event.failed_at is None
    assert event.relay_after > timezone.now()  # tried again after the base interval, not later


def test_an_event_that_never_gets_through_is_marked_failed_and_can_be_replayed(course, learner, settings):
    settings.LENCANA_RELAY_MAX_TRIES = 3
    submitted(course, learner)
    event = Event.objects.get(type=types.ATTEMPT_SUBMITTED)
    later = event.relay_after
    with mock.patch("events.outbox.send_deliveries", return_value=True):
        for _ in range(5):
            services.events_relay(now=later)
            later += timedelta(days=1)
    event.refresh_from_db()
    assert event.relays == 3 and event.failed_at is not None and event.done_at is None
    with mock.patch("events.outbox.send_deliveries", return_value=True) as send:
        assert services.events_relay(now=later).events == 0  # left alone once failed
        services.event_replay(event=event)
        assert services.events_relay(now=later).events == 1
    send.assert_not_called()  # sends happen after commit; the test transaction never commits
    event.refresh_from_db()
    assert event.failed_at is None and event.relays == 1


def test_a_handler_that_fails_leaves_the_event_undelivered_and_nothing_written(course, learner):
    attempt = submitted(course, learner)
    event = Event.objects.get(type=types.ATTEMPT_SUBMITTED)
    with (
        mock.patch("quizzes.services.attempts_grade", side_effect=RuntimeError("bug")),
        pytest.raises(RuntimeError),
    ):
        services.event_deliver(event_id=event.pk, handler_name=GRADER)
    assert not Delivery.objects.filter(event=event).exists()
    event.refresh_from_db()
    assert event.done_at is None
    assert services.event_deliver(event_id=event.pk, handler_name=GRADER) is True  # fixed: it goes through
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.GRADED


def test_the_render_handler_outside_a_transaction_renders_once(course, learner):
    from certificates.models import Certificate
    from tests.certificates.test_issue import pass_every_quiz

    pass_every_quiz(learner, course)
    factories.deliver_events()
    certificate = Certificate.objects.get(holder=learner)
    [issued] = Event.objects.filter(type=types.CERTIFICATE_ISSUED)
    render = "certificates.handlers.render_issued_certificate"
    assert services.event_deliver(event_id=issued.pk, handler_name=render) is False
    Delivery.objects.filter(event=issued).delete()  # as if the worker died before recording it
    assert services.event_deliver(event_id=issued.pk, handler_name=render) is True
    assert Certificate.objects.get(pk=certificate.pk).rendered_at == certificate.rendered_at


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_the_same_event_at_once_grade_it_once(course, learner):
    """Two threads, two database connections, one event and handler: the delivery row's unique
    key makes the second wait and then find it."""
    import threading

    from django.db import connection

    attempt = submitted_committed(course, learner)
    event = Event.objects.get(type=types.ATTEMPT_SUBMITTED)
    results: list[bool] = []
    barrier = threading.Barrier(2)

    def deliver() -> None:
        try:
            barrier.wait()
            results.append(services.event_deliver(event_id=event.pk, handler_name=GRADER))
        finally:
            connection.close()

    with mock.patch("events.outbox.current_app"):
        threads = [threading.Thread(target=deliver) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    assert sorted(results) == [False, True]
    assert Delivery.objects.filter(event=event).count() == 1
    assert Event.objects.filter(type=types.ATTEMPT_GRADED, data__attempt_id=attempt.pk).count() == 1


def submitted_committed(course, person) -> Attempt:
    with mock.patch("events.outbox.current_app"):  # no broker in this test: deliveries by hand
        return submitted(course, person)


def test_a_graded_batch_goes_out_as_one_message_per_queue(course, django_capture_on_commit_callbacks):
    """Grading many attempts records their `attempt.graded` events in one insert; after the
    commit they go to the broker as one message per queue of the handlers (certificates, and
    reports with webhooks), not one per event and handler."""
    from config.celery import app

    people = [factories.person() for _ in range(3)]
    with mock.patch("events.outbox.current_app.send_task"):
        attempts = [submitted(course, p) for p in people]
    with mock.patch.object(app, "send_task") as send, django_capture_on_commit_callbacks(execute=True):
        quiz_services.attempts_grade(attempt_ids=[a.pk for a in attempts])
    graded = list(Event.objects.filter(type=types.ATTEMPT_GRADED).values_list("pk", flat=True))
    assert len(graded) == 3
    sent = {tuple(c.kwargs["args"][1]): c for c in send.call_args_list}
    assert len(send.call_args_list) == 2
    by_app = {names[0].split(".")[0]: names for names in sent}
    assert set(by_app) == {"certificates", "reports"}
    assert {h.name for h in registry.handlers_for(types.ATTEMPT_GRADED)} == {n for ns in sent for n in ns}
    for call in send.call_args_list:
        assert call.args == ("events.tasks.deliver_events_task",)
        assert sorted(call.kwargs["args"][0]) == sorted(graded)


def test_one_message_of_many_events_delivers_each_once_and_a_bad_one_holds_up_none(course, caplog):
    from events.tasks import deliver_events_task

    people = [factories.person() for _ in range(3)]
    with mock.patch("events.outbox.current_app"):
        attempts = [submitted(course, p) for p in people]
        ids = list(Event.objects.filter(type=types.ATTEMPT_SUBMITTED).values_list("pk", flat=True))
        deliver_events_task([987654321, *ids], [GRADER])  # the first is gone: logged, skipped
        deliver_events_task(ids, [GRADER])  # again, as a broker may: nothing twice
        deliver_events_task("x", None)  # malformed: dropped with an error in the log
    assert Delivery.objects.filter(event__in=ids, handler=GRADER).count() == 3
    assert Attempt.objects.filter(pk__in=[a.pk for a in attempts], status=Attempt.Status.GRADED).count() == 3
    assert Event.objects.filter(type=types.ATTEMPT_GRADED).count() == 3
    assert "987654321" in caplog.text and "malformed" in caplog.text


def test_a_message_whose_event_is_done_still_takes_what_is_waiting(course):
    """Every delivery message is a wake-up: one whose own event was delivered already (in an
    earlier batch) grades the events still waiting, so a flood's workers never idle through
    stale messages while attempts wait."""
    people = [factories.person() for _ in range(3)]
    with mock.patch("events.outbox.current_app"):
        attempts = [submitted(course, p) for p in people]
        first = Event.objects.filter(type=types.ATTEMPT_SUBMITTED).order_by("pk")[0]
        with mock.patch.object(services, "DELIVERY_BATCH", 1):
            assert services.event_deliver(event_id=first.pk, handler_name=GRADER) is True
        assert Attempt.objects.filter(status=Attempt.Status.GRADED).count() == 1
        assert services.event_deliver(event_id=first.pk, handler_name=GRADER) is True  # done, takes the rest
        assert services.event_deliver(event_id=first.pk, handler_name=GRADER) is False  # nothing left
    assert Attempt.objects.filter(pk__in=[a.pk for a in attempts], status=Attempt.Status.GRADED).count() == 3
    assert Delivery.objects.filter(handler=GRADER).count() == 3


COMPLIANCE = "reports.handlers.compliance_after_grading"


def test_one_failing_event_of_a_message_leaves_the_others_delivered(course, learner):
    people = [learner, factories.person(), factories.person()]
    with transaction.atomic():
        ids = outbox.record_many(
            types.ATTEMPT_GRADED,
            [{"person_id": p.pk, "course_id": course.pk, "passed": False} for p in people],
        )
    bad = people[1].pk

    def refresh(*, person_id: int, course_id: int) -> None:
        if person_id == bad:
            raise RuntimeError("boom")

    with mock.patch("reports.services.compliance_refresh_for_person", side_effect=refresh):
        services.events_deliver(event_ids=ids, handler_names=[COMPLIANCE])
    delivered = set(Delivery.objects.filter(handler=COMPLIANCE).values_list("event_id", flat=True))
    assert delivered == {ids[0], ids[2]}  # the failed one waits for the relay
