"""The audit log: who authored, published or revoked what, and when."""

from unittest import mock

import pytest
from django.db import transaction
from django.utils import timezone

from audit.models import AuditEntry
from audit.selectors import audit_entries
from audit.services import audit_record
from courses.models import Module
from quizzes.models import Quiz
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def test_authoring_and_publishing_are_recorded_with_who_what_and_when(course, instructor):
    client = client_for(instructor)
    module = Module.objects.filter(course=course).order_by("order")[0]
    created = client.post(
        "/api/v1/authoring/quizzes/",
        {"module": module.pk, "slug": "audited", "title": "Kuis"},
        format="json",
    )
    assert created.status_code == 201
    quiz_id = created.json()["id"]
    client.patch(f"/api/v1/authoring/quizzes/{quiz_id}/", {"pass_mark": 80}, format="json")
    question = client.post(
        "/api/v1/authoring/questions/",
        {
            "quiz": quiz_id,
            "key": "k1",
            "type": "single",
            "text": "Satu?",
            "choices": [factories.choice("A", True), factories.choice("B")],
        },
        format="json",
    )
    assert question.status_code == 201
    assert client.post(f"/api/v1/authoring/quizzes/{quiz_id}/publish/").status_code == 200

    entries = list(audit_entries(target_type="quiz", target_id=quiz_id).order_by("pk"))
    assert [e.action for e in entries] == ["quiz.create", "quiz.partial_update", "quiz.publish"]
    assert {e.actor_id for e in entries} == {instructor.user.pk}
    assert {e.actor_username for e in entries} == {instructor.user.username}
    assert entries[1].data == {"pass_mark": 80}
    assert all(e.at is not None for e in entries)
    assert audit_entries(target_type="question").get().action == "question.create"


def test_a_refused_write_and_a_read_record_nothing(course, instructor):
    client = client_for(instructor)
    before = AuditEntry.objects.count()
    assert client.post("/api/v1/authoring/quizzes/", {"slug": "x"}, format="json").status_code == 400
    assert client.get("/api/v1/authoring/quizzes/").status_code == 200
    assert AuditEntry.objects.count() == before


def test_a_revocation_is_recorded_with_its_reason(course, learner, staff):
    certificate = factories.certificate(
        holder=learner, course=course, code="LNC-AUDIT-0001", issued_at=timezone.now()
    )
    response = client_for(staff).post(
        f"/api/v1/certificates/{certificate.pk}/revoke/", {"reason": "data keliru"}, format="json"
    )
    assert response.status_code == 200
    entry = audit_entries(target_type="certificate", target_id=certificate.pk).get()
    assert (entry.action, entry.actor_id, entry.data) == (
        "certificate.revoke",
        staff.user.pk,
        {"reason": "data keliru"},
    )


def test_the_entry_commits_with_the_change_or_not_at_all(course, instructor):
    module = Module.objects.filter(course=course).order_by("order")[0]
    with mock.patch("audit.api.audit_record", side_effect=RuntimeError("disk full")):
        client = client_for(instructor)
        client.raise_request_exception = False
        response = client.post(
            "/api/v1/authoring/quizzes/", {"module": module.pk, "slug": "lost", "title": "K"}, format="json"
        )
    assert response.status_code == 500
    assert not Quiz.objects.filter(slug="lost").exists()


@pytest.mark.django_db(transaction=True)
def test_audit_record_needs_the_transaction_of_the_change(instructor):
    with pytest.raises(RuntimeError):
        audit_record(actor=instructor.user, action="quiz.publish", target_type="quiz", target_id=1)
    with transaction.atomic():
        entry = audit_record(actor=instructor.user, action="quiz.publish", target_type="quiz", target_id=1)
    assert entry.target_id == "1" and entry.actor_username == instructor.user.username
