"""From first login to a verified certificate and HR's CSV, with a real worker process."""

import csv
import io
import json
import os
import signal
import time
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import call_command
from rest_framework.test import APIClient

from certificates import credentials
from certificates.models import Certificate
from certificates.tasks import issue_certificate_task
from people.services import demo_accounts_ensure
from quizzes.models import Attempt
from quizzes.services import attempts_sweep
from quizzes.tasks import grade_attempt_task
from tests import factories
from tests.integration.conftest import wait_for

pytestmark = [pytest.mark.integration]


def login(username: str, password: str) -> APIClient:
    client = APIClient()
    response = client.post("/api/v1/auth/token/", {"username": username, "password": password}, format="json")
    assert response.status_code == 200, response.content
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['access']}")
    return client


def take_quiz(client: APIClient, quiz_id: int) -> dict:
    attempt = client.post(f"/api/v1/quizzes/{quiz_id}/attempts/", format="json")
    assert attempt.status_code == 201, attempt.content
    body = attempt.json()
    assert "is_correct" not in json.dumps(body)
    answers = factories.correct_answers(body)
    saved = client.patch(f"/api/v1/attempts/{body['id']}/answers/", {"answers": answers[:2]}, format="json")
    assert saved.status_code == 200, saved.content
    submitted = client.post(f"/api/v1/attempts/{body['id']}/submit/", {"answers": answers[2:]}, format="json")
    assert submitted.status_code == 202 and submitted.json()["status"] == "submitted"
    return body


def test_first_login_to_verified_certificate_and_hr_csv(start_worker, settings):
    call_command("seed_briefing")
    demo_accounts_ensure(password="demo-pass-2026")
    start_worker()
    learner = login("demo-learner", "demo-pass-2026")

    courses = learner.get("/api/v1/courses/").json()["results"]
    course = next(c for c in courses if c["slug"] == "pelayanan-humanis-lantas-spkt")
    detail = learner.get(f"/api/v1/courses/{course['id']}/").json()
    quiz_ids = [q["id"] for m in detail["modules"] for q in m["quizzes"]]
    assert len(detail["modules"]) >= 5 and len(quiz_ids) == len(detail["modules"])

    attempt_ids = [take_quiz(learner, quiz_id)["id"] for quiz_id in quiz_ids]
    for attempt_id in attempt_ids:
        graded = wait_for(
            lambda a=attempt_id: (
                (r := learner.get(f"/api/v1/attempts/{a}/").json())["status"] == "graded" and r
            ),
            what=f"attempt {attempt_id} graded",
        )
        assert graded["passed"] is True and graded["percent"] == "100.00"

    mine = wait_for(
        lambda: learner.get("/api/v1/me/certificates/").json()["results"], what="certificate issued"
    )
    certificate = mine[0]
    assert certificate["status"] == "valid" and certificate["holder"]["nrp"] == "87050123"
    pdf = wait_for(
        lambda: (r := learner.get(f"/api/v1/certificates/{certificate['id']}/pdf/")).status_code == 200 and r,
        what="pdf",
    )
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")

    credential = learner.get(f"/api/v1/certificates/{certificate['id']}/credential/").json()
    issuer = APIClient().get("/api/v1/issuer/").json()
    public_key = credentials.public_key_from_multibase(issuer["verificationMethod"][0]["publicKeyMultibase"])
    assert isinstance(public_key, Ed25519PublicKey)
    assert credential["proof"]["verificationMethod"] == issuer["verificationMethod"][0]["id"]
    assert credentials.verify_credential(credential, public_key=public_key)

    anonymous = APIClient()
    verified = anonymous.get(f"/api/v1/verify/{certificate['code']}/")
    assert verified.status_code == 200 and verified.json()["status"] == "valid"
    page = anonymous.get(f"/verify/{certificate['code']}/")
    assert page.status_code == 200 and b"SAH" in page.content

    hr = login("demo-hr", "demo-pass-2026")
    response = hr.get(f"/api/v1/hr/certificates/?format=csv&course={course['id']}")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [r["nrp"] for r in rows] == ["87050123"] and rows[0]["code"] == certificate["code"]
    compliance = hr.get(f"/api/v1/hr/compliance/?course={course['id']}").json()["results"]
    assert compliance[0]["certified"] == 1 and compliance[0]["assigned"] == 1


def test_killing_the_worker_mid_grading_loses_nothing_and_grades_once(start_worker, settings, tmp_path):
    settings.LENCANA_REQUEUE_AFTER_SECONDS = 0
    course = factories.course(quizzes=1)
    quiz_id = course.modules.get().quizzes.get().pk
    learners = [factories.person() for _ in range(4)]
    for person in learners:
        client = APIClient()
        client.force_authenticate(user=person.user)
        take_quiz(client, quiz_id)

    slow = start_worker(slow=True)
    wait_for(lambda: list(Path(tmp_path).glob("grading-*")), timeout=60, what="grading to start")
    os.kill(slow.process.pid, signal.SIGKILL)
    slow.process.wait()
    not_graded = Attempt.objects.exclude(status=Attempt.Status.GRADED).count()
    assert not_graded >= 1, "the kill must land before every attempt is graded"

    start_worker()
    attempts_sweep()  # what the periodic sweep does: queue again what was left `submitted`
    wait_for(
        lambda: not Attempt.objects.exclude(status=Attempt.Status.GRADED).exists(),
        timeout=90,
        what="all graded",
    )
    wait_for(
        lambda: Certificate.objects.filter(rendered_at__isnull=False).count() == len(learners),
        timeout=60,
        what="certificates",
    )

    graded_at = dict(Attempt.objects.values_list("pk", "graded_at"))
    # Duplicate deliveries and another sweep change nothing.
    for attempt_id in graded_at:
        grade_attempt_task.delay(attempt_id)
    for person in learners:
        issue_certificate_task.delay(person.pk, course.pk)
    attempts_sweep()
    time.sleep(4)  # let the worker take every duplicate
    assert dict(Attempt.objects.values_list("pk", "graded_at")) == graded_at
    assert all(a.passed and a.percent == 100 for a in Attempt.objects.all())
    assert Attempt.objects.count() == len(learners)
    for person in learners:
        assert Certificate.objects.filter(holder=person, course=course).count() == 1
