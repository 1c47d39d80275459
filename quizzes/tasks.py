from celery import shared_task
from django.db import OperationalError

from quizzes import services


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=8)
def grade_attempt_task(attempt_id: int) -> None:
    services.attempt_grade(attempt_id=attempt_id)  # safe to run twice: guarded by status


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def sweep_attempts_task() -> None:
    services.attempts_sweep()
