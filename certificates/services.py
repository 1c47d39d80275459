"""Writes of certificates: issue (exactly once per cycle), render, revoke."""

import logging
from datetime import UTC, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from certificates import credentials, keys
from certificates.models import Certificate
from certificates.pdf import CertificateDocument, render_certificate_pdf
from core.errors import ServiceError
from courses import services as course_services
from events import outbox, types
from quizzes import selectors as quiz_selectors

logger = logging.getLogger(__name__)


def verify_url(code: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/verify/{code}/"


def certificate_issue(*, enrolment_id: int) -> Certificate | None:
    """Issue the certificate of a person's cycle of a course once every quiz is passed in that
    cycle, recording the passes as its evidence and `certificate.issued` in the same
    transaction.

    Safe to call any number of times: a cycle has at most one certificate (a database
    constraint), and once it exists it is returned as it is, revoked or expired included, so
    revocation sticks and old passes never earn a second one."""
    now = timezone.now()
    with transaction.atomic():
        enrolment = course_services.enrolment_lock(enrolment_id=enrolment_id)
        existing = Certificate.objects.filter(enrolment=enrolment).first()
        if existing is not None:
            return existing
        evidence = quiz_selectors.enrolment_evidence(enrolment=enrolment)
        if evidence is None:
            return None
        validity = enrolment.course.certificate_validity_days
        certificate = Certificate.objects.create(
            holder_id=enrolment.person_id,
            course=enrolment.course,
            enrolment=enrolment,
            issued_at=now,
            expires_at=now + timedelta(days=validity) if validity else None,
        )
        certificate.evidence.set(evidence)
        course_services.enrolment_complete(enrolment=enrolment, at=now, next_cycle_at=certificate.expires_at)
        outbox.record(
            types.CERTIFICATE_ISSUED,
            certificate_id=certificate.pk,
            person_id=enrolment.person_id,
            course_id=enrolment.course_id,
        )
    logger.info("issued certificate %s (enrolment %s)", certificate.code, enrolment.pk)
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
    """Revoke with a reason; the holder may then take the course again in a new cycle, whose
    passes alone can earn a new certificate. Revoking twice changes nothing."""
    certificate = Certificate.objects.select_for_update().select_related("enrolment").get(pk=certificate.pk)
    if certificate.status == Certificate.Status.REVOKED:
        return certificate
    if not reason.strip():
        raise ServiceError("A revocation needs a reason.", code="reason_required")
    now = timezone.now()
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = now
    certificate.revocation_reason = reason.strip()
    certificate.save(update_fields=["status", "revoked_at", "revocation_reason"])
    course_services.enrolment_reopen(enrolment=certificate.enrolment, at=now)
    outbox.record(
        types.CERTIFICATE_REVOKED,
        certificate_id=certificate.pk,
        person_id=certificate.holder_id,
        course_id=certificate.course_id,
    )
    return certificate
