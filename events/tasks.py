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
def deliver_event_task(event_id: int, handler_name: str, also: list[int] | None = None) -> None:
    """Deliver the event to the handler, then those in `also` (events recorded together): a
    retry after a transient error delivers again only what is still undelivered; an event whose
    handler fails is logged and left to the relay, and the others go on."""
    for pk in [event_id, *(also or [])]:
        try:
            services.event_deliver(event_id=pk, handler_name=handler_name)
        except ObjectDoesNotExist:
            logger.warning("event %s no longer exists (pruned); nothing to deliver", pk)
        except TRANSIENT:
            raise
        except Exception:
            if not also:
                raise
            logger.exception("event %s failed in %s; the relay will retry it", pk, handler_name)


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
