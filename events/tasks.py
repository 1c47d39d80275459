import logging

from celery import shared_task
from django.core.exceptions import ObjectDoesNotExist
from django.db import InterfaceError, OperationalError

from events import services

logger = logging.getLogger(__name__)

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=8)
def deliver_event_task(event_id: int, handler_name: str) -> None:
    try:
        services.event_deliver(event_id=event_id, handler_name=handler_name)
    except ObjectDoesNotExist:
        logger.warning("event %s no longer exists (pruned); nothing to deliver", event_id)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def relay_events_task() -> None:
    services.events_relay()


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def prune_events_task() -> None:
    services.events_prune()
