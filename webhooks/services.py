"""Webhooks: subscriptions, a delivery row per event and subscription (made from the outbox),
signed POSTs retried with backoff for a day, and redelivery by hand."""

import json
import logging
import secrets
import urllib.error
import urllib.request
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from certificates.models import Certificate
from core.errors import ServiceError
from events import types
from events.models import Event
from quizzes.models import Attempt
from webhooks import destinations, signing
from webhooks.models import Subscription, WebhookDelivery

logger = logging.getLogger(__name__)

WEBHOOK_EVENTS = (
    types.CERTIFICATE_ISSUED,
    types.CERTIFICATE_REVOKED,
    types.CERTIFICATE_EXPIRING,
    types.ATTEMPT_GRADED,
)
GIVE_UP_AFTER = timedelta(days=1)
FIRST_RETRY = timedelta(seconds=30)
MAX_RETRY = timedelta(hours=2)
LEASE = timedelta(minutes=2)  # one sender at a time per delivery
TIMEOUT_SECONDS = 10
USER_AGENT = "Lencana-Webhooks/1"


def _check(*, url: str | None, events: Sequence[str]) -> None:
    if url is not None:  # an unchanged URL was checked when it was given
        destinations.url_check(url)
    unknown = sorted(set(events) - set(WEBHOOK_EVENTS))
    if unknown or not events:
        raise ServiceError(f"Events: one or more of {', '.join(WEBHOOK_EVENTS)}.", code="bad_events")


@transaction.atomic
def subscription_create(*, url: str, events: Sequence[str], created_by: User | None = None) -> Subscription:
    """A subscription with a new secret; the caller shows `secret` once, never again."""
    _check(url=url, events=events)
    return Subscription.objects.create(
        url=url, events=sorted(set(events)), secret=f"whsec_{secrets.token_hex(32)}", created_by=created_by
    )


@transaction.atomic
def subscription_update(
    *, subscription: Subscription, url: str | None = None, events: Sequence[str] | None = None,
    active: bool | None = None,
) -> Subscription:  # fmt: skip
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    _check(url=url, events=events if events is not None else subscription.events)
    if url is not None:
        subscription.url = url
    if events is not None:
        subscription.events = sorted(set(events))
    if active is not None:
        subscription.active = active
    subscription.save()
    return subscription


@transaction.atomic
def subscription_delete(*, subscription: Subscription) -> None:
    """The subscription and its delivery log (the audit log keeps who deleted it, and when)."""
    Subscription.objects.filter(pk=subscription.pk).delete()


def _payload(event: Event) -> dict[str, Any]:
    """The body: the event's ids and the few facts an HR system needs to act without calling
    back (certificate code and status, the holder's NRP, the attempt's result)."""
    data: dict[str, Any] = dict(event.data)
    if "certificate_id" in data:
        certificate = (
            Certificate.objects.filter(pk=data["certificate_id"])
            .values("code", "status", "issued_at", "expires_at", "holder__nrp", "course__title")
            .first()
        )
        if certificate:
            data.update(
                certificate_code=certificate["code"], status=certificate["status"],
                issued_at=certificate["issued_at"].isoformat(),
                expires_at=certificate["expires_at"].isoformat() if certificate["expires_at"] else None,
                nrp=certificate["holder__nrp"], course_title=certificate["course__title"],
            )  # fmt: skip
    elif "attempt_id" in data:
        attempt = Attempt.objects.filter(pk=data["attempt_id"]).values("percent", "person__nrp").first()
        if attempt:
            data.update(nrp=attempt["person__nrp"], percent=float(attempt["percent"] or 0))
    return {"id": event.pk, "type": event.type, "created_at": event.created_at.isoformat(), "data": data}


@transaction.atomic
def deliveries_record(*, event: Event) -> list[int]:
    """A pending delivery for every active subscription to this event's type (once each,
    however often the event is delivered). Returns the ids still pending."""
    subscriptions = [s for s in Subscription.objects.filter(active=True) if event.type in s.events]
    if subscriptions:
        payload, now = _payload(event), timezone.now()
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    subscription=s,
                    event_id=event.pk,
                    event_type=event.type,
                    payload=payload,
                    next_attempt_at=now,
                    created_at=now,
                )
                for s in subscriptions
            ],
            ignore_conflicts=True,
        )
    return list(
        WebhookDelivery.objects.filter(
            event_id=event.pk, subscription__in=subscriptions, status=WebhookDelivery.Status.PENDING
        ).values_list("pk", flat=True)
    )


def _backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), MAX_RETRY)


def body_of(delivery: WebhookDelivery) -> bytes:
    return json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()


def _post(*, url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with destinations.post(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        return None, str(exc)[:500]


def delivery_attempt(
    *, delivery_id: int, now: datetime | None = None, by_hand: bool = False
) -> WebhookDelivery:
    """Send one delivery if it is due (or `by_hand`), outside any transaction: claim it with a
    short lease, POST the signed body, record the outcome. A failure is retried with backoff
    (30 s doubling up to 2 h) until a day after the event, then the delivery is failed."""
    now = now or timezone.now()
    due = Q(next_attempt_at__lte=now) | Q(next_attempt_at__isnull=True)
    claimable = WebhookDelivery.objects.filter(pk=delivery_id)
    claimable = claimable if by_hand else claimable.filter(due, status=WebhookDelivery.Status.PENDING)
    if not claimable.update(next_attempt_at=now + LEASE):
        return WebhookDelivery.objects.get(pk=delivery_id)  # delivered, failed, or another sender has it
    delivery = WebhookDelivery.objects.select_related("subscription").get(pk=delivery_id)
    body = body_of(delivery)
    timestamp = int(timezone.now().timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Lencana-Event": delivery.event_type,
        "X-Lencana-Delivery": str(delivery.event_id),
        signing.HEADER: signing.sign(secret=delivery.subscription.secret, body=body, timestamp=timestamp),
    }
    status_code, error = _post(url=delivery.subscription.url, body=body, headers=headers)
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.last_status_code, delivery.last_error = now, status_code, error
    if status_code is not None and 200 <= status_code < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
            WebhookDelivery.Status.DELIVERED,
            now,
            None,
        )
    elif now + _backoff(delivery.attempts) > delivery.created_at + GIVE_UP_AFTER and not by_hand:
        delivery.status, delivery.next_attempt_at = WebhookDelivery.Status.FAILED, None
        logger.warning("webhook %s failed for a day; given up", delivery.pk)
    else:
        delivery.status = WebhookDelivery.Status.PENDING
        delivery.next_attempt_at = now + _backoff(delivery.attempts)
    delivery.save()
    return delivery


def deliveries_retry_due(*, now: datetime | None = None, limit: int = 200) -> int:
    """The periodic pass: send every pending delivery whose time has come."""
    now = now or timezone.now()
    due = WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
    ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    for pk in ids:
        delivery_attempt(delivery_id=pk, now=now)
    return len(ids)


def delivery_redeliver(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Send again by hand, whatever its status (the receiver was fixed, or lost it)."""
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=WebhookDelivery.Status.PENDING)
    return delivery_attempt(delivery_id=delivery.pk, by_hand=True)
