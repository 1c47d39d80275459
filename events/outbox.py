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
    return record_many(event_type, [data])[0]


def record_many(event_type: str, items: list[dict[str, Any]]) -> list[Event]:
    """`record` for many events of one type, in one insert."""
    if event_type not in types.ALL:
        raise ValueError(f"unknown event type {event_type!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events.record needs the transaction of the change it reports")
    if not items:
        return []
    now = timezone.now()
    handlers = registry.handlers_for(event_type)
    queued = [h.name for h in handlers if h.queued]
    relay_after = now + timedelta(seconds=settings.LENCANA_RELAY_AFTER_SECONDS)
    events = Event.objects.bulk_create(
        [
            Event(
                type=event_type,
                data=data,
                created_at=now,
                done_at=None if handlers else now,
                relay_after=relay_after,
            )
            for data in items
        ]
    )
    if queued:
        ids = [event.pk for event in events]
        transaction.on_commit(lambda: _send_each(ids, queued))
    return events


def _send_each(event_ids: list[int], handler_names: list[str]) -> None:
    """One message per handler, however many events: the first event's delivery carries the
    others (`also`), so a batch handler takes them all in one wake-up and a single handler has
    them one after the other in one task, instead of a message (a broker round trip and a
    worker wake-up each) per event."""
    if len(event_ids) == 1:
        send_deliveries(event_ids[0], handler_names)
        return
    try:
        # One producer (one connection from the pool) for all of them.
        with current_app.producer_or_acquire() as producer:
            for name in handler_names:
                current_app.send_task(
                    DELIVER_TASK, args=[event_ids[0], name], kwargs={"also": event_ids[1:]}, producer=producer
                )
    except Exception:  # the broker is away: the outbox rows stay, the relay sends them
        logger.warning("could not queue %s events; the relay will retry", len(event_ids))


def send_deliveries(
    event_id: int, handler_names: list[str], *, expires: float | None = None, producer: Any = None
) -> bool:
    """Queue deliveries; returns whether the broker took them all. A broker that cannot be
    reached loses nothing: the event stays undelivered in the outbox and the periodic relay
    pass queues it again. `expires` (seconds) lets a worker drop a stale copy unread."""
    for name in handler_names:
        try:
            extra = {"producer": producer} if producer is not None else {}
            current_app.send_task(DELIVER_TASK, args=[event_id, name], expires=expires, **extra)
        except Exception:  # any broker failure; the outbox row is the source of truth
            logger.warning("could not queue event %s for %s; the relay will retry", event_id, name)
            return False
    return True
