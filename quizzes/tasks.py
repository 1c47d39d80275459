import logging

from celery import shared_task
from django.core.exceptions import ObjectDoesNotExist
from django.db import OperationalError

from quizzes import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=8)
def grade_attempt_task(attempt_id: int) -> None:
    try:
        services.attempt_grade(attempt_id=attempt_id)  # safe to run twice: guarded by status
    except ObjectDoesNotExist:
        logger.warning("attempt %s no longer exists; nothing to grade", attempt_id)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def sweep_attempts_task() -> None:
    services.attempts_sweep()
