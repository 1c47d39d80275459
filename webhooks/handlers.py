"""Webhooks are fed by the outbox: each event a subscriber may want makes its delivery rows and
is sent at once; the periodic pass retries what failed. Not atomic: the POST is a network call
outside any transaction, and running twice sends nothing twice (a row per subscription and
event, claimed with a lease)."""

from events import types
from events.models import Event
from events.registry import handler
from webhooks import services


def _deliver(event: Event) -> None:
    for delivery_id in services.deliveries_record(event=event):
        services.delivery_attempt(delivery_id=delivery_id)


@handler(types.CERTIFICATE_ISSUED, atomic=False)
def webhooks_certificate_issued(event: Event) -> None:
    _deliver(event)


@handler(types.CERTIFICATE_REVOKED, atomic=False)
def webhooks_certificate_revoked(event: Event) -> None:
    _deliver(event)


@handler(types.CERTIFICATE_EXPIRING, atomic=False)
def webhooks_certificate_expiring(event: Event) -> None:
    _deliver(event)


@handler(types.ATTEMPT_GRADED, atomic=False)
def webhooks_attempt_graded(event: Event) -> None:
    _deliver(event)
