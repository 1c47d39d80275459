"""From first login to a verified certificate and HR's CSV, with a real worker process."""

import csv
import io
import json
import os
import signal
import time
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from certificates import credentials
from certificates.models import Certificate
from config.celery import app as celery_app
from events import types
from events.models import Event
from events.services import events_relay
from events.tasks import deliver_event_task
from people.services import demo_accounts_ensure
from quizzes.models import Attempt
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
    done = {}
    for attempt_id in attempt_ids:
        done[attempt_id] = wait_for(
            lambda a=attempt_id: (
                (r := learner.get(f"/api/v1/attempts/{a}/").json())["status"] in ("graded", "needs_review")
                and r
            ),
            what=f"attempt {attempt_id} graded",
        )
    # The final quiz's essay waits for an instructor: no pass, no certificate until it is graded.
    (waiting,) = [a for a, r in done.items() if r["status"] == "needs_review"]
    assert done[waiting]["passed"] is None and done[waiting]["score"] is None
    assert learner.get("/api/v1/me/certificates/").json()["results"] == []
    instructor = login("demo-instructor", "demo-pass-2026")
    (essay,) = [r for r in instructor.get("/api/v1/authoring/reviews/").json() if r["attempt"] == waiting]
    full_marks = [{"criterion": c["criterion"], "points": c["points"]} for c in essay["question"]["rubric"]]
    released = instructor.post(
        f"/api/v1/authoring/reviews/{essay['id']}/",
        {"scores": full_marks, "comment": "Tegas dan santun."},
        format="json",
    )
    assert released.status_code == 200 and released.json()["status"] == "graded", released.content
    for attempt_id in attempt_ids:
        graded = learner.get(f"/api/v1/attempts/{attempt_id}/").json()
        assert graded["status"] == "graded" and graded["passed"] is True and graded["percent"] == "100.00"

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


def take_quizzes(learners: list, quiz_id: int) -> None:
    for person in learners:
        client = APIClient()
        client.force_authenticate(user=person.user)
        take_quiz(client, quiz_id)


def relay_later(hours: float) -> None:
    """What the relay's periodic pass does once the clock has moved on."""
    events_relay(now=timezone.now() + timedelta(hours=hours))


def assert_exactly_once(learners: list, course) -> None:
    """Every pass graded once and earned exactly one rendered certificate, even after every
    event is delivered again."""
    graded_at = dict(Attempt.objects.values_list("pk", "graded_at"))
    issued = dict(Certificate.objects.values_list("pk", "rendered_at"))
    for event_id, handler in Event.objects.filter(deliveries__isnull=False).values_list(
        "pk", "deliveries__handler"
    ):
        deliver_event_task.delay(event_id, handler)
    relay_later(hours=24)
    time.sleep(4)  # let the worker take every duplicate
    assert dict(Attempt.objects.values_list("pk", "graded_at")) == graded_at
    assert dict(Certificate.objects.values_list("pk", "rendered_at")) == issued
    assert all(a.passed and a.percent == 100 for a in Attempt.objects.all())
    assert Attempt.objects.count() == len(learners)
    for person in learners:
        assert Certificate.objects.filter(holder=person, course=course).count() == 1


def wait_until_certified(learners: list) -> None:
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


def test_killing_the_worker_mid_grading_loses_nothing_and_grades_once(start_worker, tmp_path):
    course = factories.course(quizzes=1)
    learners = [factories.person() for _ in range(4)]
    take_quizzes(learners, course.modules.get().quizzes.get().pk)

    slow = start_worker(slow=True)
    wait_for(lambda: list(Path(tmp_path).glob("grading-*")), timeout=60, what="grading to start")
    os.kill(slow.process.pid, signal.SIGKILL)
    slow.process.wait()
    not_graded = Attempt.objects.exclude(status=Attempt.Status.GRADED).count()
    assert not_graded >= 1, "the kill must land before every attempt is graded"

    start_worker()
    # The message the killed worker held is lost to it; the outbox still has its event.
    relay_later(hours=1)
    wait_until_certified(learners)
    assert_exactly_once(learners, course)


def test_a_worker_down_for_days_with_its_messages_lost_still_certifies_every_pass_once(start_worker):
    """The old sweep looked back two days: a longer outage lost passes. The outbox has no
    window. Messages queued during the outage are purged too, as a broker that lost them."""
    course = factories.course(quizzes=1)
    learners = [factories.person() for _ in range(3)]
    take_quizzes(learners, course.modules.get().quizzes.get().pk)
    celery_app.control.purge()
    assert Event.objects.filter(type=types.ATTEMPT_SUBMITTED, done_at__isnull=True).count() == 3
    three_days_ago = timezone.now() - timedelta(days=3)
    Attempt.objects.update(started_at=three_days_ago, submitted_at=three_days_ago)
    Event.objects.update(created_at=three_days_ago, relay_after=three_days_ago)

    start_worker()
    events_relay()  # the first periodic pass after the worker is back
    wait_until_certified(learners)
    # The render handler records its delivery just after the PDF is stored.
    wait_for(
        lambda: not Event.objects.filter(done_at__isnull=True).exists(), timeout=30, what="every event done"
    )
    assert_exactly_once(learners, course)
