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
DELIVER_MANY_TASK = "events.tasks.deliver_events_task"


def record(event_type: str, **data: Any) -> Event:
    """Write an event in the current transaction; after it commits, queue one delivery per
    handler. Must be called inside the transaction of the change it reports."""
    [event_id], same = _record(event_type, [data], per_message=1)
    return Event(pk=event_id, data=data, **same)


def record_many(event_type: str, items: list[dict[str, Any]], *, per_message: int = 1) -> list[int]:
    """`record` for many events of one type, in one insert; returns their ids. `per_message` > 1
    queues that many events in one message per handler (a bulk change, such as a regrade's
    thousands of events: a few hundred messages, not one each; a worker then delivers them one
    after another)."""
    return _record(event_type, items, per_message=per_message)[0]


def _record(
    event_type: str, items: list[dict[str, Any]], *, per_message: int
) -> tuple[list[int], dict[str, Any]]:
    if event_type not in types.ALL:
        raise ValueError(f"unknown event type {event_type!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events.record needs the transaction of the change it reports")
    now = timezone.now()
    handlers = [h.name for h in registry.handlers_for(event_type)]
    same = {
        "type": event_type,
        "created_at": now,
        "done_at": None if handlers else now,
        "relay_after": now + timedelta(seconds=settings.LENCANA_RELAY_AFTER_SECONDS),
        "relays": 0,
    }
    ids = bulk.insert_rows(Event, [{"data": data} for data in items], ["data"], same=same, returning=True)
    if handlers and ids:
        transaction.on_commit(lambda: _send_each(ids, handlers, per_message))
    return ids, same


def _send_each(event_ids: list[int], handler_names: list[str], per_message: int = 1) -> None:
    if len(event_ids) == 1:
        send_deliveries(event_ids[0], handler_names)
        return
    try:
        # One producer (one connection from the pool) for all of them.
        with current_app.producer_or_acquire() as producer:
            if per_message > 1:
                for i in range(0, len(event_ids), per_message):
                    if not _send_many(event_ids[i : i + per_message], handler_names, producer):
                        return
                return
            for event_id in event_ids:
                if not send_deliveries(event_id, handler_names, producer=producer):
                    return  # the broker is away: the relay sends the rest
    except Exception:
        logger.warning("could not queue %s events; the relay will retry", len(event_ids))


def _send_many(event_ids: list[int], handler_names: list[str], producer: Any) -> bool:
    for name in handler_names:
        try:
            current_app.send_task(DELIVER_MANY_TASK, args=[event_ids, name], producer=producer)
        except Exception:  # the broker is away: the relay sends them
            logger.warning("could not queue %s events for %s; the relay will retry", len(event_ids), name)
            return False
    return True


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
