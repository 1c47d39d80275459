"""Recording news: a row in the same transaction as the change, handed to the relay on commit."""

import logging
from datetime import timedelta
from typing import Any

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core import bulk
from events import registry, types
from events.models import Event

logger = logging.getLogger(__name__)

DELIVER_TASK = "events.tasks.deliver_event_task"
# Many events and/or many handlers of one queue in one message (events.tasks.deliver_events_task).
DELIVER_MANY_TASK = "events.tasks.deliver_events_task"
# At most this many events in one message: a bulk change (a regrade's thousands of events) goes
# out as a few hundred messages, which workers share, not as one that a single worker holds.
EVENTS_PER_MESSAGE = 500


def record(event_type: str, **data: Any) -> Event:
    """Write an event in the current transaction; after it commits, queue its deliveries (one
    message per queue of its handlers). Must be called inside the transaction of the change it reports."""
    [event_id], same = _record(event_type, [data], per_message=EVENTS_PER_MESSAGE)
    return Event(pk=event_id, data=data, **same)


def record_many(
    event_type: str, items: list[dict[str, Any]], *, per_message: int = EVENTS_PER_MESSAGE
) -> list[int]:
    """`record` for many events of one type, in one insert; returns their ids. They go out
    `per_message` to a message per queue."""
    return _record(event_type, items, per_message=per_message)[0]


def _record(
    event_type: str, items: list[dict[str, Any]], *, per_message: int
) -> tuple[list[int], dict[str, Any]]:
    if event_type not in types.ALL:
        raise ValueError(f"unknown event type {event_type!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events.record needs the transaction of the change it reports")
    now = timezone.now()
    handlers = registry.handlers_for(event_type)
    # A handler that is not `queued` (a sweep) gets no message: the relay delivers it late.
    queued = [h.name for h in handlers if h.queued]
    same = {
        "type": event_type,
        "created_at": now,
        "done_at": None if handlers else now,
        "relay_after": now + timedelta(seconds=settings.LENCANA_RELAY_AFTER_SECONDS),
        "relays": 0,
    }
    ids = bulk.insert_rows(Event, [{"data": data} for data in items], ["data"], same=same, returning=True)
    if queued and ids:
        transaction.on_commit(lambda: send_deliveries_many(ids, queued, per_message=per_message))
    return ids, same


def _queue_of(handler_name: str) -> Any:
    """The queue the configured router sends this handler's deliveries to (None: the default)."""
    route = current_app.amqp.router.route({}, DELIVER_TASK, args=(0, handler_name))
    queue = route.get("queue")
    return getattr(queue, "name", queue)


def send_deliveries_many(
    event_ids: list[int],
    handler_names: list[str],
    *,
    expires: float | None = None,
    per_message: int = EVENTS_PER_MESSAGE,
) -> bool:
    """Queue the deliveries of many events (or of one event to many handlers) with as few
    messages as the queues allow: per queue, messages of up to `per_message` events naming
    every handler of that queue, all through one producer (one broker connection). Returns
    whether the broker took them all; what it did not take, the relay sends again (the outbox
    row is the truth)."""
    if len(event_ids) == 1 and len(handler_names) == 1:
        return send_deliveries(event_ids[0], handler_names, expires=expires)
    by_queue: dict[Any, list[str]] = {}
    try:
        for name in handler_names:
            by_queue.setdefault(_queue_of(name), []).append(name)
        with current_app.producer_or_acquire() as producer:
            for names in by_queue.values():
                for i in range(0, len(event_ids), per_message):
                    chunk = event_ids[i : i + per_message]
                    current_app.send_task(
                        DELIVER_MANY_TASK, args=[chunk, names], expires=expires, producer=producer
                    )
    except Exception:  # any broker failure; the outbox rows are the source of truth
        logger.warning("could not queue %s events; the relay will retry", len(event_ids))
        return False
    return True


def send_deliveries(event_id: int, handler_names: list[str], *, expires: float | None = None) -> bool:
    """Queue deliveries; returns whether the broker took them all. A broker that cannot be
    reached loses nothing: the event stays undelivered in the outbox and the periodic relay
    pass queues it again. `expires` (seconds) lets a worker drop a stale copy unread. Several
    handlers of one event go out as one message per queue (`send_deliveries_many`)."""
    if len(handler_names) > 1:
        return send_deliveries_many([event_id], handler_names, expires=expires)
    try:
        current_app.send_task(DELIVER_TASK, args=[event_id, handler_names[0]], expires=expires)
    except Exception:  # any broker failure; the outbox row is the source of truth
        logger.warning("could not queue event %s for %s; the relay will retry", event_id, handler_names[0])
        return False
    return True
