import logging

from celery import shared_task
from django.core.exceptions import ObjectDoesNotExist
from django.db import OperationalError

from certificates import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=8)
def issue_certificate_task(person_id: int, course_id: int) -> None:
    try:
        certificate = services.certificate_issue(person_id=person_id, course_id=course_id)
        if certificate is not None:
            services.certificate_render(certificate_id=certificate.pk)
    except ObjectDoesNotExist:
        logger.warning("person %s or course %s no longer exists; nothing to issue", person_id, course_id)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=8)
def render_certificate_task(certificate_id: int) -> None:
    try:
        services.certificate_render(certificate_id=certificate_id)
    except ObjectDoesNotExist:
        logger.warning("certificate %s no longer exists; nothing to render", certificate_id)


@shared_task(acks_late=True, autoretry_for=(OperationalError,), retry_backoff=True, max_retries=3)
def sweep_certificates_task() -> None:
    services.certificates_sweep()
