"""Webhooks against a real HTTP receiver on 127.0.0.1 that checks every signature."""

import json
import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from certificates.services import certificate_revoke
from events import outbox, types
from events.models import Event
from tests import factories
from tests.conftest import client_for
from webhooks import services, signing
from webhooks.models import WebhookDelivery

pytestmark = pytest.mark.django_db


class Receiver:
    """An HR system: answers `statuses` in turn (then 200) and keeps what it got, checking each
    signature with the secret it was given."""

    def __init__(self) -> None:
        self.secret = ""
        self.statuses: list[int] = []
        self.received: list[dict] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                header = self.headers.get(signing.HEADER, "")
                receiver.received.append(
                    {
                        "body": json.loads(body),
                        "signed": signing.verify(secret=receiver.secret, header=header, body=body),
                        "header": header,
                        "event": self.headers.get("X-Lencana-Event"),
                    }
                )
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/lencana"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def subscribed(receiver, hr):
    body = {
        "url": receiver.url,
        "events": ["certificate.issued", "certificate.revoked", "certificate.expiring"],
    }
    response = client_for(hr).post("/api/v1/hr/webhooks/", body, format="json")
    assert response.status_code == 201, response.content
    receiver.secret = response.json()["secret"]
    return response.json()


def test_the_secret_is_returned_once(subscribed, hr):
    assert subscribed["secret"].startswith("whsec_")
    listed = client_for(hr).get("/api/v1/hr/webhooks/").json()  # paginated as API.md's lists
    shown = client_for(hr).get(f"/api/v1/hr/webhooks/{subscribed['id']}/").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == subscribed["id"]
    assert "secret" not in listed["results"][0] and "secret" not in shown


def test_an_issued_and_a_revoked_certificate_reach_the_receiver_signed(subscribed, receiver, learner, course):
    certificate = factories.certificate(holder=learner, course=course, issued_at=timezone.now())
    from django.db import transaction

    with transaction.atomic():
        outbox.record(
            types.CERTIFICATE_ISSUED, certificate_id=certificate.pk, person_id=learner.pk, course_id=course.pk
        )
    factories.deliver_events()
    certificate_revoke(certificate=certificate, reason="Data keliru")
    factories.deliver_events()
    factories.deliver_events()  # delivered again: nothing is sent twice

    assert [r["event"] for r in receiver.received] == ["certificate.issued", "certificate.revoked"]
    assert all(r["signed"] for r in receiver.received)
    issued = receiver.received[0]["body"]
    assert issued["data"]["certificate_code"] == certificate.code and issued["data"]["nrp"] == learner.nrp
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"delivered"}


def test_events_not_subscribed_to_are_not_sent(subscribed, receiver):
    from django.db import transaction

    with transaction.atomic():
        event = outbox.record(types.ATTEMPT_GRADED, attempt_id=1, person_id=1, course_id=1, passed=True)
    assert services.deliveries_record(event=event) == []
    assert receiver.received == []


def record_expiring() -> Event:
    from django.db import transaction

    with transaction.atomic():
        return outbox.record(types.CERTIFICATE_EXPIRING, certificate_id=0, person_id=0, course_id=0)


def test_a_failing_receiver_is_retried_with_backoff_then_succeeds(subscribed, receiver):
    receiver.statuses = [500, 503]
    event = record_expiring()
    [delivery_id] = services.deliveries_record(event=event)
    first = services.delivery_attempt(delivery_id=delivery_id)
    assert (first.status, first.attempts, first.last_status_code) == ("pending", 1, 500)
    assert services.deliveries_retry_due() == 0  # not due yet: 30 s later

    second_at = first.next_attempt_at
    assert services.deliveries_retry_due(now=second_at) == 1
    second = WebhookDelivery.objects.get(pk=delivery_id)
    assert second.next_attempt_at - second_at == timedelta(seconds=60)  # doubled

    services.deliveries_retry_due(now=second.next_attempt_at)
    third = WebhookDelivery.objects.get(pk=delivery_id)
    assert (third.status, third.attempts) == ("delivered", 3)
    assert len(receiver.received) == 3 and all(r["signed"] for r in receiver.received)


def test_after_a_day_of_failures_the_delivery_fails_and_can_be_redelivered_by_hand(subscribed, receiver, hr):
    receiver.statuses = [500] * 100
    event = record_expiring()
    [delivery_id] = services.deliveries_record(event=event)
    now = timezone.now()
    for _ in range(30):
        delivery = services.delivery_attempt(delivery_id=delivery_id, now=now)
        if delivery.status != "pending":
            break
        now = delivery.next_attempt_at
    assert delivery.status == "failed" and now - delivery.created_at <= timedelta(days=1)
    assert 10 < delivery.attempts < 30

    receiver.statuses = []
    client = client_for(hr)
    log = client.get(f"/api/v1/hr/webhooks/{subscribed['id']}/deliveries/").json()["results"]
    assert [d["status"] for d in log] == ["failed"]
    url = f"/api/v1/hr/webhooks/{subscribed['id']}/deliveries/{delivery_id}/redeliver/"
    response = client.post(url)
    assert response.status_code == 200 and response.json()["status"] == "delivered"
    assert receiver.received[-1]["signed"]


def test_the_signature_refuses_a_changed_body_another_secret_and_an_old_timestamp():
    body = b'{"id":1}'
    now = int(time.time())
    header = signing.sign(secret="s3cret", body=body, timestamp=now)
    assert signing.verify(secret="s3cret", header=header, body=body)
    assert not signing.verify(secret="s3cret", header=header, body=b'{"id":2}')
    assert not signing.verify(secret="other", header=header, body=body)
    old = signing.sign(secret="s3cret", body=body, timestamp=now - 600)
    assert not signing.verify(secret="s3cret", header=old, body=body)
    assert not signing.verify(secret="s3cret", header="garbage", body=body)


def test_bad_subscriptions_are_400_and_only_hr_may_subscribe(hr, learner, receiver):
    client = client_for(hr)
    assert (
        client.post("/api/v1/hr/webhooks/", {"url": receiver.url, "events": ["x"]}, format="json").status_code
        == 400
    )
    assert (
        client.post(
            "/api/v1/hr/webhooks/", {"url": "ftp://x", "events": ["attempt.graded"]}, format="json"
        ).status_code
        == 400
    )
    body = {"url": receiver.url, "events": ["attempt.graded"]}
    assert client_for(learner).post("/api/v1/hr/webhooks/", body, format="json").status_code == 403
