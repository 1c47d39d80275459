"""Readiness, metrics, request ids, and 503 (never a traceback) when the database is away."""

import json
import logging
from unittest import mock

import pytest
from django.db import OperationalError

from config.request_id import JsonFormatter, RequestIdFilter, _carry_request_id, request_id

pytestmark = pytest.mark.django_db


def test_readiness_checks_the_database_and_the_broker(client):
    response = client.get("/readyz/")
    assert response.status_code == 200
    assert response.json()["database"] == "ok" and response.json()["broker"] == "ok"


def test_readiness_says_unavailable_when_the_broker_is_away(client):
    with mock.patch("config.observability.current_app.connection_for_write", side_effect=OSError("down")):
        response = client.get("/readyz/")
    assert response.status_code == 503
    assert response["Retry-After"]
    assert response.json()["broker"] == "OSError"


def test_metrics_show_the_outbox_lag_to_the_loopback_only(client):
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert "lencana_outbox_undelivered" in body and "lencana_task_lag_seconds" in body
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 403


def test_a_request_id_is_given_back_and_carried_into_the_tasks_it_queues(client):
    response = client.get("/healthz/", HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"
    assert len(client.get("/healthz/", HTTP_X_REQUEST_ID="bad id\n")["X-Request-ID"]) == 32
    token = request_id.set("req-9")
    try:
        headers: dict = {}
        _carry_request_id(headers=headers)
        assert headers["request_id"] == "req-9"
        record = logging.LogRecord("x", logging.INFO, __file__, 1, "graded %s", (1,), None)
        RequestIdFilter().filter(record)
        assert json.loads(JsonFormatter().format(record))["request_id"] == "req-9"
    finally:
        request_id.reset(token)


def test_a_database_outage_answers_503_with_retry_after(client):
    with mock.patch("config.urls.JsonResponse", side_effect=OperationalError("server closed the connection")):
        response = client.get("/api/v1/healthz-missing/")  # a 404 path does not touch the patch
    assert response.status_code == 404
    with mock.patch("quizzes.api._attempt_of_requester", side_effect=OperationalError("gone")):
        from tests import factories

        person = factories.person()
        client.force_login(person.user)
        response = client.get("/api/v1/attempts/1/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response.json()["code"] == "unavailable"
