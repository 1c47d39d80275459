"""Faults a real worker survives: poison messages (a row that does not exist, malformed
payloads, a task nobody knows); the work after them is done once."""

import pytest
from django.db import transaction

from certificates.models import Certificate
from config.celery import app as celery_app
from events import outbox, types
from events.models import Delivery
from events.tasks import deliver_event_task
from quizzes.models import Attempt
from tests import factories
from tests.integration.conftest import wait_for
from tests.integration.test_flow import take_quizzes

pytestmark = [pytest.mark.integration]

GRADER = "quizzes.handlers.grade_submitted_attempt"


def test_the_worker_survives_poison_messages_and_grades_what_follows(start_worker):
    worker = start_worker()
    with transaction.atomic():
        malformed = outbox.record(types.ATTEMPT_SUBMITTED, attempt_id="not-a-number")
        unknown_row = outbox.record(types.ATTEMPT_SUBMITTED, attempt_id=987654321)
    deliver_event_task.delay(987654321, GRADER)  # an event that does not exist
    deliver_event_task.delay(unknown_row.pk, "no.such.handler")
    celery_app.send_task("events.tasks.deliver_event_task", args=["x"])  # malformed: one arg, a string
    celery_app.send_task("events.tasks.deliver_event_task", args=[{"a": 1}, None, 3])
    celery_app.send_task("lencana.no_such_task", args=[1])

    course = factories.course(quizzes=1)
    learners = [factories.person() for _ in range(3)]
    take_quizzes(learners, course.modules.get().quizzes.get().pk)
    wait_for(
        lambda: Attempt.objects.filter(status=Attempt.Status.GRADED).count() == 3, timeout=90, what="graded"
    )
    wait_for(
        lambda: Certificate.objects.filter(rendered_at__isnull=False).count() == 3, timeout=90, what="certs"
    )
    assert worker.process.poll() is None  # still running
    # The poison events are delivered as "nothing to do", never retried for ever.
    wait_for(
        lambda: Delivery.objects.filter(event__in=[malformed, unknown_row], handler=GRADER).count() == 2,
        timeout=60,
        what="poison events delivered",
    )
