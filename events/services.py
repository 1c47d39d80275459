"""The relay: delivering events to handlers (once each), the periodic pass over what is
undelivered, and pruning by retention."""

import logging
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from events import registry
from events.models import Delivery, Event
from events.outbox import send_deliveries_many

logger = logging.getLogger(__name__)

RELAY_BATCH = 500
# How many waiting events a batch handler's delivery takes at once.
DELIVERY_BATCH = 200
# Events this worker process delivered in a batch, per handler: their own messages, which
# follow, are dropped here without a query (those deliveries are committed). Bounded; a
# forgotten id costs only the query. Only in worker processes (events.tasks turns it on): a test
# database that rolls back could hand the same id to a new event.
_delivered_here: dict[str, set[int]] = {}
remember_batches = False
MAX_BACKOFF = timedelta(hours=1)
# The database errors a task retries (the connection went away; it comes back).
TRANSIENT = (OperationalError, InterfaceError)


def event_deliver(*, event_id: int, handler_name: str) -> bool:
    """Hand one event to one handler unless it already had it. Returns whether it ran.

    An atomic handler runs in the transaction that inserts its delivery row first: a second
    copy of the same delivery waits on that row's unique key and then finds it, so the
    handler's writes happen once whatever the broker repeats."""
    handler = registry.get(handler_name)
    if handler is None:
        logger.error("no handler %s (event %s); left undelivered", handler_name, event_id)
        return False
    if handler.batch is not None:
        return _deliver_batch(event_id, handler)
    if handler.atomic:
        with transaction.atomic():
            event = Event.objects.get(pk=event_id)
            try:
                with transaction.atomic():
                    Delivery.objects.create(event=event, handler=handler.name, delivered_at=timezone.now())
            except IntegrityError:
                return False
            handler.fn(event)
    else:
        event = Event.objects.get(pk=event_id)
        if Delivery.objects.filter(event=event, handler=handler.name).exists():
            return False
        handler.fn(event)  # idempotent by contract: it may run again if we die right here
        Delivery.objects.get_or_create(
            event=event, handler=handler.name, defaults={"delivered_at": timezone.now()}
        )
    _mark_done_if_complete(event)
    return True


def events_deliver(*, event_ids: list[int], handler_names: list[str], budget_seconds: float = 20) -> int:
    """Deliver many events to many handlers (one message of `outbox.send_deliveries_many`):
    each event to each handler as `event_deliver` does, once. An event that fails (or is gone)
    is logged and left to the relay; its neighbours go through. A non-atomic handler can be
    slow (a webhook's POST): past `budget_seconds` the rest goes back to the queue as a new
    message, so no task runs into its time limit. Returns how many deliveries ran."""
    started = time.monotonic()
    ran = 0
    for h, name in enumerate(handler_names):
        for i, event_id in enumerate(event_ids):
            if time.monotonic() - started > budget_seconds:
                rest = [(event_ids[i:], [name]), (event_ids, handler_names[h + 1 :])]
                for ids, names in rest:
                    if ids and names:
                        send_deliveries_many(ids, names)
                return ran
            try:
                ran += event_deliver(event_id=event_id, handler_name=name)
            except Event.DoesNotExist:
                logger.warning("event %s no longer exists (pruned); nothing to deliver", event_id)
            except TRANSIENT:
                raise  # the task retries the message; what went through is skipped then
            except Exception:
                logger.exception("event %s for %s failed; the relay will deliver it again", event_id, name)
    return ran


def _deliver_batch(event_id: int, handler: registry.Handler) -> bool:
    """Deliver this event and up to DELIVERY_BATCH - 1 others of its type still waiting for the
    handler, in one transaction: the delivery rows in one insert, then the handler once.

    Exactly once: every batch locks its events' rows, skipping those another worker holds, and
    leaves out those already delivered. A named event that another worker holds is in that
    worker's batch (which delivers it, or on failure delivers its events one by one): this
    worker does not wait for it but takes the waiting events nobody holds, so the workers of a
    flood grade side by side; every message, even one whose event is done, is a wake-up that
    takes what is waiting. Returns whether it delivered anything."""
    assert handler.batch is not None
    here = _delivered_here.setdefault(handler.name, set()) if remember_batches else set()
    if event_id in here:
        here.discard(event_id)
        return False
    if not handler.atomic:
        batch = _deliver_batch_outside(event_id, handler)
        if batch is None:
            return False
        _remember(here, batch, event_id)
        return True
    with transaction.atomic():
        event = Event.objects.select_for_update(skip_locked=True).filter(pk=event_id).first()
        if event is None and not Event.objects.filter(pk=event_id).exists():
            raise Event.DoesNotExist(f"event {event_id}")
        named = event is not None and not Delivery.objects.filter(event=event, handler=handler.name).exists()
        others = list(
            _waiting(event_id, handler).select_for_update(skip_locked=True)[: DELIVERY_BATCH - int(named)]
        )
        batch = [event, *others] if named and event is not None else others
        if not batch:
            return False
        try:
            with transaction.atomic():
                _run_batch(handler, batch)
        except Exception:
            if len(batch) == 1:
                raise
            # One bad event must not hold up its batch mates: each alone, as before.
            logger.exception(
                "batch of %s events for %s failed; delivering them one by one", len(batch), handler.name
            )
            batch = _run_one_by_one(handler, batch)
        _mark_done(batch)
    _remember(here, batch, event_id)
    return True


def _waiting(event_id: int, handler: registry.Handler) -> QuerySet[Event]:
    """The events other than `event_id` still waiting for the handler, oldest first."""
    return (
        Event.objects.filter(type=handler.event_type, done_at__isnull=True, failed_at__isnull=True)
        .exclude(pk=event_id)
        .exclude(pk__in=Delivery.objects.filter(handler=handler.name).values("event_id"))
        .order_by("id")
    )


def _remember(here: set[int], batch: list[Event], event_id: int) -> None:
    """Note the events this process delivered besides the named one: their own messages, which
    follow, are dropped without a query."""
    if len(here) > 50_000:
        here.clear()
    here.update(e.pk for e in batch if e.pk != event_id)


def _run_one_by_one(handler: registry.Handler, batch: list[Event]) -> list[Event]:
    done = []
    for event in batch:
        try:
            with transaction.atomic():
                _run_batch(handler, [event])
            done.append(event)
        except Exception:
            logger.exception(
                "event %s for %s failed; the relay will deliver it again", event.pk, handler.name
            )
    return done


def _deliver_batch_outside(event_id: int, handler: registry.Handler) -> list[Event] | None:
    """A batch for a handler that works outside any transaction (rendering, a network call):
    the handler first, then the delivery rows. Idempotent by contract: it may see an event
    again if the worker dies before the rows, or if two workers take the same waiting events."""
    assert handler.batch is not None
    event = Event.objects.get(pk=event_id)
    if Delivery.objects.filter(event=event, handler=handler.name).exists():
        return None
    batch = [event, *_waiting(event_id, handler)[: DELIVERY_BATCH - 1]]
    try:
        handler.batch(batch)
    except Exception:
        if len(batch) == 1:
            raise
        logger.exception(
            "batch of %s events for %s failed; delivering %s alone", len(batch), handler.name, event.pk
        )
        batch = [event]
        handler.batch(batch)
    now = timezone.now()
    Delivery.objects.bulk_create(
        [Delivery(event=e, handler=handler.name, delivered_at=now) for e in batch], ignore_conflicts=True
    )
    _mark_done(batch)
    return batch


def _run_batch(handler: registry.Handler, batch: list[Event]) -> None:
    assert handler.batch is not None
    now = timezone.now()
    Delivery.objects.bulk_create([Delivery(event=e, handler=handler.name, delivered_at=now) for e in batch])
    handler.batch(batch)


def deliveries_record(*, event_ids: list[int], handler_name: str) -> None:
    """Record that the handler has had these events, its work done another way (the issuing
    pass rendered what `certificate.issued` would): the relay then leaves them be. Outside the
    handler's own delivery, so a row already there is left as it is."""
    now = timezone.now()
    Delivery.objects.bulk_create(
        [Delivery(event_id=pk, handler=handler_name, delivered_at=now) for pk in event_ids],
        ignore_conflicts=True,
    )
    _mark_done(list(Event.objects.filter(pk__in=event_ids).only("pk", "type")))


def _mark_done(events: list[Event]) -> None:
    """Mark done those of `events` that every handler of their type has had."""
    delivered: dict[int, set[str]] = {}
    for event_id, name in Delivery.objects.filter(event__in=events).values_list("event_id", "handler"):
        delivered.setdefault(event_id, set()).add(name)
    done = [
        e.pk for e in events if {h.name for h in registry.handlers_for(e.type)} <= delivered.get(e.pk, set())
    ]
    if done:
        Event.objects.filter(pk__in=done, done_at__isnull=True).update(done_at=timezone.now())


def _mark_done_if_complete(event: Event) -> None:
    _mark_done([event])


def _backoff(relays: int) -> timedelta:
    return min(timedelta(seconds=settings.LENCANA_RELAY_AFTER_SECONDS) * 2**relays, MAX_BACKOFF)


@dataclass(frozen=True)
class RelayResult:
    events: int
    deliveries: int


def events_relay(*, now: datetime | None = None) -> RelayResult:
    """Queue again the missing deliveries of events not done by their `relay_after` time (a
    lost message, a broker or worker outage of any length). Each pass marks what it queued and
    backs off per event, so nothing is sent again and again while it is still on its way; an
    event still not done after LENCANA_RELAY_MAX_TRIES passes is marked failed and logged."""
    now = now or timezone.now()
    pending: list[tuple[int, list[str], float]] = []
    with transaction.atomic():
        due = list(
            Event.objects.select_for_update(skip_locked=True)
            .filter(done_at__isnull=True, failed_at__isnull=True, relay_after__lte=now)
            .order_by("relay_after")[:RELAY_BATCH]
        )
        delivered: dict[int, set[str]] = {}
        for event_id, name in Delivery.objects.filter(event__in=due).values_list("event_id", "handler"):
            delivered.setdefault(event_id, set()).add(name)
        for event in due:
            missing = [
                h.name for h in registry.handlers_for(event.type) if h.name not in delivered.get(event.pk, ())
            ]
            if not missing:
                event.done_at = now
            elif event.relays >= settings.LENCANA_RELAY_MAX_TRIES:
                event.failed_at = now
                logger.error("event %s (%s) still undelivered to %s; given up", event.pk, event.type, missing)
            else:
                backoff = _backoff(event.relays)
                event.relay_after = now + backoff
                event.relays += 1
                pending.append((event.pk, missing, backoff.total_seconds()))
        Event.objects.bulk_update(due, ["relay_after", "relays", "done_at", "failed_at"])
        transaction.on_commit(lambda: _send_all(pending, now))
    if pending:
        logger.info(
            "relay: queued %s deliveries of %s events", sum(len(n) for _, n, _ in pending), len(pending)
        )
    return RelayResult(events=len(pending), deliveries=sum(len(n) for _, n, _ in pending))


def _send_all(pending: list[tuple[int, list[str], float]], now: datetime) -> None:
    """Send what the pass marked, the events with the same handlers and backoff together (a
    backlog of thousands goes out as a few messages per queue, not one each); at the first
    broker failure, stop and give the rest back their turn without counting it, so an outage
    does not push them to the longest backoff."""
    groups: dict[tuple[tuple[str, ...], float], list[int]] = {}
    for event_id, names, expires in pending:
        groups.setdefault((tuple(names), expires), []).append(event_id)
    sent: set[int] = set()
    for (handler_names, expires), event_ids in groups.items():
        if not send_deliveries_many(event_ids, list(handler_names), expires=expires):
            unsent = [pk for pk, _, _ in pending if pk not in sent]
            Event.objects.filter(pk__in=unsent).update(
                relay_after=now + timedelta(seconds=settings.LENCANA_RELAY_AFTER_SECONDS),
                relays=F("relays") - 1,
            )
            return
        sent.update(event_ids)


def event_replay(*, event: Event) -> None:
    """Give a failed (or any undelivered) event a fresh start: the next relay pass sends it."""
    Event.objects.filter(pk=event.pk, done_at__isnull=True).update(
        failed_at=None, relays=0, relay_after=timezone.now()
    )


def events_prune(*, now: datetime | None = None) -> int:
    """Delete events delivered more than LENCANA_EVENT_RETENTION_DAYS ago (their deliveries
    go with them). Undelivered events are never pruned: they are work still to do."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.LENCANA_EVENT_RETENTION_DAYS)
    deleted, _ = Event.objects.filter(done_at__lt=cutoff).delete()
    return deleted


def events_deliver_pending(*, limit: int = 10_000) -> int:
    """Deliver every undelivered event in this process, in order, including the events those
    deliveries record; for tests and for an operator draining the outbox by hand."""
    count = 0
    while count < limit:
        batch = list(Event.objects.filter(done_at__isnull=True).order_by("id")[:100])
        progressed = False
        for event in batch:
            delivered = set(Delivery.objects.filter(event=event).values_list("handler", flat=True))
            for handler in registry.handlers_for(event.type):
                if handler.name not in delivered and event_deliver(
                    event_id=event.pk, handler_name=handler.name
                ):
                    count += 1
                    progressed = True
            _mark_done_if_complete(event)
        if not progressed:
            break
    return count
