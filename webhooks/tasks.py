from celery import shared_task
from django.db import InterfaceError, OperationalError

from webhooks import services

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def retry_webhooks_task() -> None:
    services.deliveries_retry_due()
