import logging

from celery import shared_task
from celery.signals import worker_init, worker_process_init
from django.core.exceptions import ObjectDoesNotExist
from django.db import InterfaceError, OperationalError

from events import services

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)


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


@shared_task(acks_late=True)
def deliver_events_task(event_ids: list[int], handler_name: str) -> None:
    # Each event once (a repeated message finds them delivered); failures are left to the relay.
    services.events_deliver_many(event_ids=event_ids, handler_name=handler_name)


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
