from celery import shared_task
from django.db import InterfaceError, OperationalError

from reports import services

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def compliance_tick_task() -> None:
    services.compliance_tick()
