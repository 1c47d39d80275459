"""Webhook subscriptions are audited (made, changed, deleted), and a subscription cannot point
the service into its own network: https to public addresses only, checked when it is made and
on the address of every delivery, unless WEBHOOKS_ALLOW_PRIVATE (the tests' local receiver)."""

import socket
from unittest import mock
from urllib.parse import urlsplit

import pytest

from audit.models import AuditEntry
from tests.conftest import client_for
from tests.webhooks.test_webhooks import receiver, record_expiring, subscribed  # noqa: F401
from webhooks import services
from webhooks.models import Subscription

pytestmark = pytest.mark.django_db

EVENTS = ["certificate.issued"]


@pytest.fixture
def production_rules(settings):
    settings.WEBHOOKS_ALLOW_PRIVATE = False
    settings.DEBUG = False


def resolving_to(address: str):
    """getaddrinfo as a DNS server would answer for any name: `address`."""
    real = socket.getaddrinfo

    def fake(host, port, *args, **kwargs):
        return real(address, port, *args, **kwargs)

    return mock.patch("webhooks.destinations.socket.getaddrinfo", side_effect=fake)


def test_making_changing_and_deleting_a_webhook_are_audited(hr):
    client = client_for(hr)
    made = client.post(
        "/api/v1/hr/webhooks/", {"url": "https://93.184.215.14/hooks", "events": EVENTS}, format="json"
    )
    assert made.status_code == 201, made.content
    url = f"/api/v1/hr/webhooks/{made.json()['id']}/"
    assert client.patch(url, {"active": False}, format="json").status_code == 200
    assert client.delete(url).status_code == 204
    entries = list(
        AuditEntry.objects.order_by("pk").values_list("action", "target_type", "target_id", "actor_username")
    )
    wid = str(made.json()["id"])
    assert entries == [
        ("webhook.create", "webhook", wid, hr.user.username),
        ("webhook.update", "webhook", wid, hr.user.username),
        ("webhook.delete", "webhook", wid, hr.user.username),
    ]
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://93.184.215.14/hooks", "bad_url"),  # https only
        ("ftp://93.184.215.14/hooks", "bad_url"),
        ("https://127.0.0.1/hooks", "private_url"),
        ("https://localhost:8000/hooks", "private_url"),
        ("https://169.254.169.254/latest/meta-data/", "private_url"),
        ("https://10.1.2.3/hooks", "private_url"),
        ("https://192.168.1.10/hooks", "private_url"),
        ("https://[::1]/hooks", "private_url"),
        ("https://[::ffff:127.0.0.1]/hooks", "private_url"),
        ("https://0.0.0.0/hooks", "private_url"),
        ("https://240.0.0.1/hooks", "private_url"),
    ],
)
def test_a_webhook_into_the_private_network_or_over_http_is_400(hr, production_rules, url, code):
    response = client_for(hr).post("/api/v1/hr/webhooks/", {"url": url, "events": EVENTS}, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code and response.json()["detail"]
    assert not Subscription.objects.exists()


def test_a_name_that_resolves_to_a_private_address_is_400(hr, production_rules):
    with resolving_to("10.0.0.7"):
        response = client_for(hr).post(
            "/api/v1/hr/webhooks/", {"url": "https://hr.polri.example/hooks", "events": EVENTS}, format="json"
        )
    assert response.status_code == 400
    assert "10.0.0.7" in response.json()["detail"]


def test_a_change_to_a_private_url_is_400_and_changes_nothing(hr, production_rules):
    subscription = services.subscription_create(url="https://93.184.215.14/hooks", events=EVENTS)
    response = client_for(hr).patch(
        f"/api/v1/hr/webhooks/{subscription.pk}/", {"url": "https://127.0.0.1/hooks"}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "private_url"
    subscription.refresh_from_db()
    assert subscription.url == "https://93.184.215.14/hooks"


def test_in_development_http_is_accepted_but_private_addresses_are_not(hr, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE, settings.DEBUG = False, True
    client = client_for(hr)
    local = client.post(
        "/api/v1/hr/webhooks/", {"url": "http://127.0.0.1:9/", "events": EVENTS}, format="json"
    )
    assert local.status_code == 400 and local.json()["code"] == "private_url"
    public = client.post(
        "/api/v1/hr/webhooks/", {"url": "http://93.184.215.14/", "events": EVENTS}, format="json"
    )
    assert public.status_code == 201


def test_a_delivery_to_a_name_that_now_resolves_privately_is_refused(receiver, settings):  # noqa: F811
    settings.WEBHOOKS_ALLOW_PRIVATE, settings.DEBUG = False, True  # http, to keep the local receiver
    port = receiver.url.split(":")[2].split("/")[0]
    with resolving_to("93.184.215.14"):  # public when the subscription is made
        subscription = services.subscription_create(
            url=f"http://hr.polri.example:{port}/hooks", events=["certificate.expiring"]
        )
    [delivery_id] = services.deliveries_record(event=record_expiring())
    with resolving_to("127.0.0.1"):  # then the name points at this host (the receiver's port)
        delivery = services.delivery_attempt(delivery_id=delivery_id)
    assert receiver.received == []
    assert delivery.status == "pending" and delivery.last_status_code is None
    assert "127.0.0.1" in delivery.last_error and "public addresses only" in delivery.last_error
    settings.WEBHOOKS_ALLOW_PRIVATE = True  # as the tests' settings allow: the same delivery goes
    with resolving_to("127.0.0.1"):
        assert services.delivery_attempt(delivery_id=delivery_id, by_hand=True).status == "delivered"
    assert len(receiver.received) == 1 and subscription.pk


def test_an_http_subscription_made_before_is_not_delivered_in_production(subscribed, receiver, settings):  # noqa: F811
    [delivery_id] = services.deliveries_record(event=record_expiring())
    settings.WEBHOOKS_ALLOW_PRIVATE, settings.DEBUG = False, False
    delivery = services.delivery_attempt(delivery_id=delivery_id)
    assert receiver.received == [] and "https" in delivery.last_error


def test_a_redirect_is_a_failed_delivery_and_never_followed(hr):
    """A receiver answering 302 (to ftp://, to an internal host) is not followed: urllib would
    have turned the POST into a GET to wherever it points, past the address check."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    followed: list[str] = []

    class Redirecting(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(302)
            port = urlsplit(f"http://{self.headers['Host']}").port
            self.send_header("Location", f"http://127.0.0.1:{port}/inside")
            self.end_headers()

        def do_GET(self) -> None:
            followed.append(self.path)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Redirecting)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
        services.subscription_create(url=url, events=["certificate.expiring"])
        [delivery_id] = services.deliveries_record(event=record_expiring())
        delivery = services.delivery_attempt(delivery_id=delivery_id)
    finally:
        server.shutdown()
        server.server_close()
    assert followed == []
    assert delivery.status == "pending" and delivery.last_status_code == 302
