from celery import shared_task
from django.db import InterfaceError, OperationalError

from quizzes import services


@shared_task(
    acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=True, max_retries=3
)
def sweep_attempts_task() -> None:
    services.attempts_sweep()
