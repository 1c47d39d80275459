"""Recording news: a row in the same transaction as the change, handed to the relay on commit."""

import logging
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from events import registry, types
from events.models import Event

logger = logging.getLogger(__name__)

DELIVER_TASK = "events.tasks.deliver_event_task"


def record(event_type: str, **data: Any) -> Event:
    """Write an event in the current transaction; after it commits, queue one delivery per
    handler. Must be called inside the transaction of the change it reports."""
    if event_type not in types.ALL:
        raise ValueError(f"unknown event type {event_type!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events.record needs the transaction of the change it reports")
    now = timezone.now()
    handlers = [h.name for h in registry.handlers_for(event_type)]
    event = Event.objects.create(
        type=event_type,
        data=data,
        created_at=now,
        done_at=None if handlers else now,
        relay_after=now + timedelta(seconds=settings.LENCANA_RELAY_AFTER_SECONDS),
    )
    if handlers:
        transaction.on_commit(lambda: send_deliveries(event.pk, handlers))
    return event


def record_many(event_type: str, rows: list[dict[str, Any]]) -> list[Event]:
    """`record` for many events of one type at once (a batch of a bulk job): one INSERT, and
    after commit their deliveries are queued as `record` queues them."""
    if event_type not in types.ALL:
        raise ValueError(f"unknown event type {event_type!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events.record_many needs the transaction of the change it reports")
    if not rows:
        return []
    now = timezone.now()
    handlers = [h.name for h in registry.handlers_for(event_type)]
    relay_after = now + timedelta(seconds=settings.LENCANA_RELAY_AFTER_SECONDS)
    events = Event.objects.bulk_create(
        Event(
            type=event_type,
            data=data,
            created_at=now,
            done_at=None if handlers else now,
            relay_after=relay_after,
        )
        for data in rows
    )
    if handlers:
        ids = [e.pk for e in events]
        transaction.on_commit(lambda: [send_deliveries(event_id, handlers) for event_id in ids])
    return events


def send_deliveries(event_id: int, handler_names: list[str], *, expires: float | None = None) -> bool:
    """Queue deliveries; returns whether the broker took them all. A broker that cannot be
    reached loses nothing: the event stays undelivered in the outbox and the periodic relay
    pass queues it again. `expires` (seconds) lets a worker drop a stale copy unread."""
    for name in handler_names:
        try:
            current_app.send_task(DELIVER_TASK, args=[event_id, name], expires=expires)
        except Exception:  # any broker failure; the outbox row is the source of truth
            logger.warning("could not queue event %s for %s; the relay will retry", event_id, name)
            return False
    return True
