"""Queues per kind of work, and HR's reports read from the replica through the router."""

from unittest import mock

import pytest
from celery import current_app
from django.core.cache import cache
from rest_framework.test import APIClient

from config import db_router
from config.celery_routes import QUEUES
from people.tokens import tokens_for
from tests.config.test_procfile import argv_of, option


def queue_of(name: str, args: list) -> str:
    route = current_app.amqp.router.route({}, name, tuple(args), {})
    return route["queue"].name


@pytest.mark.parametrize(
    ("handler", "queue"),
    [
        ("quizzes.handlers.grade_submitted_attempt", "grading"),
        ("certificates.handlers.issue_when_course_completed", "certificates"),
        ("certificates.handlers.render_issued_certificate", "certificates"),
        ("reports.handlers.compliance_after_grading", "reports"),
        ("webhooks.handlers.deliver_certificate_issued", "reports"),
    ],
)
def test_an_event_delivery_goes_to_the_queue_of_its_handlers_app(handler, queue):
    assert queue_of("events.tasks.deliver_event_task", [1, handler]) == queue
    # Many events in one message: the handlers of one message share their queue.
    assert queue_of("events.tasks.deliver_events_task", [[1, 2], [handler]]) == queue


def test_periodic_passes_stay_on_the_default_queue():
    for task in ("events.tasks.relay_events_task", "events.tasks.prune_events_task",
                 "quizzes.tasks.sweep_attempts_task"):  # fmt: skip
        assert queue_of(task, []) == "celery"


def test_the_procfile_runs_a_worker_for_every_queue():
    consumed = [
        option(argv_of(p), "-Q")
        for p in ("worker", "worker-grading", "worker-certificates", "worker-reports")
    ]
    assert sorted(consumed) == sorted(QUEUES)


def test_the_router_sends_reads_to_the_replica_only_when_asked_and_configured():
    router = db_router.ReplicaRouter()
    with mock.patch("config.db_router.replica_configured", return_value=True):
        assert router.db_for_read(object) is None
        with db_router.replica_reads():
            assert router.db_for_read(object) == "replica"
            assert router.db_for_write(object) is None
    assert router.allow_migrate("replica", "people") is False
    assert router.allow_migrate("default", "people") is True
    with db_router.replica_reads():
        assert router.db_for_read(object) is None  # no replica: default


@pytest.mark.django_db
def test_hr_report_reads_go_through_the_replica_and_writes_do_not(hr):
    chosen: list[str] = []
    real = db_router.ReplicaRouter.db_for_read

    signed_in: list[tuple[str, str]] = []

    def spy(self, model, **hints):
        where = "replica" if db_router.reading_from_replica.get() else "default"
        if model._meta.model_name in ("user", "group", "person"):  # who is signed in, and their roles
            signed_in.append((model._meta.model_name, where))
        else:
            chosen.append(where)
        return real(self, model, **hints)

    client = APIClient()  # signed in with a JWT, as HR systems are
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens_for(hr.user)['access']}")
    cache.clear()  # the token's user is read anew: from the primary, never a lagging replica
    with mock.patch.object(db_router.ReplicaRouter, "db_for_read", spy):
        assert client.get("/api/v1/hr/compliance/").status_code == 200
        assert chosen and set(chosen) == {"replica"}
        assert signed_in and {where for _, where in signed_in} == {"default"}
        chosen.clear()
        response = client.get("/api/v1/hr/certificates/?format=csv")
        b"".join(response.streaming_content)  # the CSV is read while it streams
        assert chosen and set(chosen) == {"replica"}
        chosen.clear()
        client.get("/api/v1/courses/")
        assert "replica" not in chosen


def test_replica_database_url_adds_the_replica_alias_mirrored_in_tests():
    from tests.config.test_settings import settings_of_a_new_process

    loaded = settings_of_a_new_process(
        ["DATABASES"], REPLICA_DATABASE_URL="postgres://reader@replica.example:5432/lencana"
    )
    assert "'replica': {" in loaded["DATABASES"] and "replica.example" in loaded["DATABASES"]
    assert "'MIRROR': 'default'" in loaded["DATABASES"]
    assert "'replica'" not in settings_of_a_new_process(["DATABASES"], REPLICA_DATABASE_URL=None)["DATABASES"]
