"""Writes of certificates: issue (exactly once), render, revoke, sweep."""

import logging
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from certificates import credentials, keys
from certificates.models import Certificate
from certificates.pdf import CertificateDocument, render_certificate_pdf
from core.errors import ServiceError
from courses.models import Course
from people.models import Person
from quizzes import selectors as quiz_selectors

logger = logging.getLogger(__name__)


def verify_url(code: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/verify/{code}/"


def certificate_issue(*, person_id: int, course_id: int) -> Certificate | None:
    """Issue the course certificate if the person has passed every quiz and holds no valid one.

    Safe to call any number of times: a person holds at most one valid certificate per course
    (a database constraint), and a current one is returned as it is."""
    now = timezone.now()
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person_id)
        course = Course.objects.get(pk=course_id)
        current = Certificate.objects.filter(
            holder=person, course=course, status=Certificate.Status.VALID
        ).first()
        if current and current.current_status == Certificate.Status.VALID:
            return current
        if not quiz_selectors.course_completed(person=person, course=course):
            return None
        if current:  # past its expiry date: mark it so, and issue the new cycle
            current.status = Certificate.Status.EXPIRED
            current.save(update_fields=["status"])
        validity = course.certificate_validity_days
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    holder=person,
                    course=course,
                    issued_at=now,
                    expires_at=now + timedelta(days=validity) if validity else None,
                )
        except IntegrityError:
            # A concurrent issuer won the race: theirs is the one.
            return Certificate.objects.get(holder=person, course=course, status=Certificate.Status.VALID)
    logger.info("issued certificate %s to %s for %s", certificate.code, person.nrp, course.slug)
    return certificate


def _document(certificate: Certificate) -> CertificateDocument:
    holder = certificate.holder
    return CertificateDocument(
        holder_name=holder.name,
        nrp=holder.nrp,
        rank=holder.get_rank_display(),
        unit=holder.unit.name,
        course_title=certificate.course.title,
        course_title_en=certificate.course.title_en,
        issued_at=certificate.issued_at,
        expires_at=certificate.expires_at,
        code=certificate.code,
        verify_url=verify_url(certificate.code),
    )


def _credential(certificate: Certificate) -> dict:
    course = certificate.course
    unsigned = credentials.build_open_badge_credential(
        credential_id=verify_url(certificate.code),
        issuer_id=keys.issuer_id(),
        issuer_name=settings.LENCANA_ISSUER_NAME,
        issuer_url=settings.PUBLIC_BASE_URL,
        holder_name=certificate.holder.name,
        holder_identifier=f"NRP {certificate.holder.nrp}",
        achievement_id=f"{settings.PUBLIC_BASE_URL}/api/v1/courses/{course.pk}/",
        achievement_name=course.title,
        achievement_description=course.description or course.title,
        criteria_narrative="Lulus semua kuis kursus ini / Passed every quiz of this course.",
        issued_at=certificate.issued_at,
        expires_at=certificate.expires_at,
    )
    return credentials.sign_credential(
        unsigned,
        private_key=keys.signing_key(),
        verification_method=keys.verification_method_id(),
        created=certificate.issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )


def certificate_render(*, certificate_id: int) -> Certificate:
    """Render the PDF and sign the credential, outside any transaction; done once."""
    certificate = Certificate.objects.select_related("holder__unit", "course").get(pk=certificate_id)
    if certificate.rendered_at:
        return certificate
    certificate.pdf = render_certificate_pdf(_document(certificate))
    certificate.credential = _credential(certificate)
    certificate.rendered_at = timezone.now()
    Certificate.objects.filter(pk=certificate.pk, rendered_at__isnull=True).update(
        pdf=certificate.pdf, credential=certificate.credential, rendered_at=certificate.rendered_at
    )
    return certificate


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str) -> Certificate:
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status == Certificate.Status.REVOKED:
        return certificate
    if not reason.strip():
        raise ServiceError("A revocation needs a reason.", code="reason_required")
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revocation_reason = reason.strip()
    certificate.save(update_fields=["status", "revoked_at", "revocation_reason"])
    return certificate


def certificates_sweep(*, now: datetime | None = None) -> list[tuple[int, int]]:
    """Queue issuance again for recent passes with no certificate yet (a lost message or a
    worker that died), and rendering for certificates never rendered. Returns what it queued."""
    from certificates.selectors import pending_issuance, pending_render
    from certificates.tasks import issue_certificate_task, render_certificate_task

    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.LENCANA_REQUEUE_AFTER_SECONDS)
    pending = pending_issuance(graded_before=cutoff, graded_after=now - timedelta(days=2))
    for person_id, course_id in pending:
        issue_certificate_task.delay(person_id, course_id)
    for certificate_id in pending_render(issued_before=cutoff):
        render_certificate_task.delay(certificate_id)
    return pending
