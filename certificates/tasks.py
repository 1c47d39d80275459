"""Thin periodic tasks: each calls one service, safe to repeat."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from certificates import services

TRANSIENT = (OperationalError, InterfaceError)


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def expire_certificates_task() -> None:
    services.certificates_expire()


@shared_task(acks_late=True, autoretry_for=TRANSIENT, retry_backoff=True, max_retries=3)
def remind_expiring_certificates_task() -> None:
    services.certificates_remind_expiring()
