import logging

from celery import shared_task
from celery.signals import worker_init, worker_process_init
from django.core.exceptions import ObjectDoesNotExist

from events import services
from events.services import TRANSIENT

logger = logging.getLogger(__name__)


@worker_init.connect
@worker_process_init.connect
def _in_a_worker(**kwargs: object) -> None:
    services.remember_batches = True


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def deliver_event_task(event_id: int, handler_name: str) -> None:
    try:
        services.event_deliver(event_id=event_id, handler_name=handler_name)
    except ObjectDoesNotExist:
        logger.warning("event %s no longer exists (pruned); nothing to deliver", event_id)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def deliver_events_task(event_ids: list[int], handler_names: list[str]) -> None:
    """Many events and/or handlers of one queue in one message (events.outbox.send_deliveries_many)."""
    if not (
        isinstance(event_ids, list)
        and isinstance(handler_names, list)
        and all(isinstance(i, int) for i in event_ids)
        and all(isinstance(n, str) for n in handler_names)
    ):
        logger.error(
            "malformed delivery %r %r; dropped (the relay delivers what is due)", event_ids, handler_names
        )
        return
    services.events_deliver(event_ids=event_ids, handler_names=handler_names)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def relay_events_task() -> None:
    services.events_relay()


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def prune_events_task() -> None:
    services.events_prune()


@shared_task(acks_late=True)
def noop_task(mark: str | None = None) -> None:
    """Nothing: the floor other tasks are measured against (bench/flood.py). With a mark it
    leaves one cache key, so the sender can time the round trip through a worker."""
    if mark:
        from django.core.cache import cache

        cache.set(mark, 1, 60)
