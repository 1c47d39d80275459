"""Writes of certificates: issue (exactly once per cycle), render, revoke."""

import logging
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.formats import date_format

from certificates import credentials, keys, selectors, status_lists
from certificates.models import Certificate, ExpiryReminder, IssuerKey, RevocationCategory, StatusList
from certificates.pdf import CertificateDocument, render_certificate_pdf
from core import bulk
from core.errors import ServiceError
from courses import services as course_services
from events import outbox, types
from quizzes import selectors as quiz_selectors

logger = logging.getLogger(__name__)


def verify_url(code: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/verify/{code}/"


def status_list_url(list_id: int) -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/v1/status-lists/{list_id}/"


def _status_entries_allocate(count: int) -> list[tuple[StatusList, int]]:
    """The next `count` free entries of the open revocation list, going on in new lists as
    each fills. Call inside the issuing transaction: the row lock serialises allocation, and
    the counter only grows, so an index is handed out once and never again, whatever is rolled
    back later."""
    entries: list[tuple[StatusList, int]] = []
    while len(entries) < count:
        status_list = (
            StatusList.objects.select_for_update()
            .filter(purpose=status_lists.PURPOSE_REVOCATION, allocated__lt=StatusList.SIZE)
            .order_by("pk")
            .defer("bits", "credential")
            .first()
        )
        if status_list is None:
            status_list = StatusList.objects.create(purpose=status_lists.PURPOSE_REVOCATION)
        taken = min(count - len(entries), StatusList.SIZE - status_list.allocated)
        entries += [
            (status_list, status_lists.index_for(counter, offset=status_list.offset))
            for counter in range(status_list.allocated, status_list.allocated + taken)
        ]
        StatusList.objects.filter(pk=status_list.pk).update(allocated=status_list.allocated + taken)
    return entries


def certificate_issue(*, enrolment_id: int) -> Certificate | None:
    """Issue the certificate of a person's cycle of a course once every quiz is passed in that
    cycle, recording the passes as its evidence and `certificate.issued` in the same
    transaction.

    Safe to call any number of times: a cycle has at most one certificate (a database
    constraint), and once it exists it is returned as it is, revoked or expired included, so
    revocation sticks and old passes never earn a second one."""
    return certificates_issue(enrolment_ids=[enrolment_id]).certificates.get(enrolment_id)


class Issued(NamedTuple):
    # By enrolment id, new or already there; none for a cycle not yet complete or an
    # enrolment that does not exist.
    certificates: dict[int, Certificate]
    # The `certificate.issued` events of the new ones.
    event_ids: list[int]


def certificates_issue(*, enrolment_ids: Iterable[int]) -> Issued:
    """`certificate_issue` of many enrolments in one transaction. The new rows, their evidence,
    status entries and events each go in one insert, so a flood of passes costs a few queries
    per hundred certificates."""
    now = timezone.now()
    with transaction.atomic():
        enrolments = course_services.enrolments_lock(enrolment_ids=enrolment_ids)
        certificates = {
            c.enrolment_id: c for c in Certificate.objects.filter(enrolment__in=enrolments).defer("pdf")
        }
        waiting = [e for e in enrolments if e.pk not in certificates]
        evidence = quiz_selectors.enrolments_evidence(enrolments=waiting)
        complete = [e for e in waiting if evidence[e.pk] is not None]
        if not complete:
            return Issued(certificates, [])
        entries = _status_entries_allocate(len(complete))
        new = Certificate.objects.bulk_create(
            [
                Certificate(
                    status_list=status_list,
                    status_index=status_index,
                    holder_id=enrolment.person_id,
                    course=enrolment.course,
                    enrolment=enrolment,
                    issued_at=now,
                    expires_at=course_services.certificate_expiry(course=enrolment.course, issued_at=now),
                )
                for enrolment, (status_list, status_index) in zip(complete, entries, strict=True)
            ]
        )
        Certificate.evidence.through.objects.bulk_create(
            [
                Certificate.evidence.through(certificate_id=certificate.pk, attempt_id=attempt_id)
                for certificate in new
                for attempt_id in evidence[certificate.enrolment_id] or ()
            ]
        )
        # The next cycle opens with the recertification window, before this one expires: the
        # person may retake the course then, and the new certificate starts a cycle of its own
        # while this one runs to its own date.
        course_services.enrolments_complete(
            next_cycle_at={
                c.enrolment_id: course_services.recertification_opens(
                    course=c.course, issued_at=now, expires_at=c.expires_at
                )
                for c in new
            },
            at=now,
        )
        event_ids = outbox.record_many(
            types.CERTIFICATE_ISSUED,
            [{"certificate_id": c.pk, "person_id": c.holder_id, "course_id": c.course_id} for c in new],
        )
    for certificate in new:
        logger.info("issued certificate %s (enrolment %s)", certificate.code, certificate.enrolment_id)
        certificates[certificate.enrolment_id] = certificate
    return Issued(certificates, event_ids)


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


def _status_entry(certificate: Certificate) -> dict | None:
    if certificate.status_list_id is None or certificate.status_index is None:
        return None  # issued before status lists
    return status_lists.entry(
        list_url=status_list_url(certificate.status_list_id), index=certificate.status_index
    )


def _credential(certificate: Certificate, signer: tuple[str, Ed25519PrivateKey] | None = None) -> dict:
    course = certificate.course
    unsigned = credentials.build_open_badge_credential(
        credential_id=verify_url(certificate.code),
        issuer_id=keys.issuer_id(),
        issuer_name=settings.LENCANA_ISSUER_NAME,
        issuer_url=settings.PUBLIC_BASE_URL,
        holder_name=certificate.holder.name,
        holder_identifier=certificate.holder.nrp,
        holder_identifier_salt=certificate.identity_salt,
        achievement_id=f"{settings.PUBLIC_BASE_URL}/api/v1/courses/{course.pk}/",
        achievement_name=course.title,
        achievement_description=course.description or course.title,
        criteria_narrative="Lulus semua kuis kursus ini / Passed every quiz of this course.",
        issued_at=certificate.issued_at,
        expires_at=certificate.expires_at,
        credential_status=_status_entry(certificate),
    )
    kid, private_key = signer or keys.key_at(certificate.issued_at)
    return credentials.sign_credential(
        unsigned,
        private_key=private_key,
        verification_method=keys.verification_method_id(kid),
        created=certificate.issued_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        cryptosuite=settings.LENCANA_CREDENTIAL_CRYPTOSUITE,
    )


def certificate_render(*, certificate_id: int) -> Certificate:
    """Render the PDF and sign the credential, outside any transaction; done once."""
    rendered = certificates_render(certificate_ids=[certificate_id])
    if not rendered:
        raise Certificate.DoesNotExist(f"no certificate {certificate_id}")
    return rendered[0]


RENDER_UPDATE_BATCH = 25


def certificates_render(*, certificate_ids: Iterable[int]) -> list[Certificate]:
    """Render the PDFs and sign the credentials of those not rendered yet (those that exist,
    in id order), then write them in a few updates; each is written once, the first render to
    commit wins. Best outside a transaction: the rows are locked only by the updates."""
    certificates = selectors.certificates_to_render(certificate_ids=certificate_ids)
    todo = [c for c in certificates if not c.rendered_at]
    signers: dict[datetime, tuple[str, Ed25519PrivateKey]] = {}  # a batch was issued at one moment
    for start in range(0, len(todo), RENDER_UPDATE_BATCH):  # written as it goes: a cut-short pass
        chunk = todo[start : start + RENDER_UPDATE_BATCH]  # keeps what it did
        for certificate in chunk:
            if certificate.issued_at not in signers:
                signers[certificate.issued_at] = keys.key_at(certificate.issued_at)
            certificate.pdf = render_certificate_pdf(_document(certificate))
            certificate.credential = _credential(certificate, signers[certificate.issued_at])
            certificate.rendered_at = timezone.now()
        bulk.update_each(Certificate, chunk, ["pdf", "credential", "rendered_at"], unless_set="rendered_at")
    return certificates


@transaction.atomic
def certificate_revoke(
    *, certificate: Certificate, reason: str, category: str = RevocationCategory.OTHER
) -> Certificate:
    """Revoke with a reason and its category; the certificate's bit in its status list is set
    in the same transaction, so whoever reads the list after commit sees it revoked. The holder
    may then take the course again in a new cycle, whose passes alone can earn a new
    certificate. Revoking twice changes nothing."""
    certificate = Certificate.objects.select_for_update().select_related("enrolment").get(pk=certificate.pk)
    if certificate.status == Certificate.Status.REVOKED:
        return certificate
    if not reason.strip():
        raise ServiceError("A revocation needs a reason.", code="reason_required")
    if category not in RevocationCategory.values:
        raise ServiceError(f"Unknown revocation category {category!r}.", code="bad_category")
    now = timezone.now()
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = now
    certificate.revocation_reason = reason.strip()
    certificate.revocation_category = category
    certificate.save(update_fields=["status", "revoked_at", "revocation_reason", "revocation_category"])
    if certificate.status_list_id is not None and certificate.status_index is not None:
        _status_bit_set(list_id=certificate.status_list_id, index=certificate.status_index, at=now)
    course_services.enrolment_reopen(enrolment=certificate.enrolment, at=now)
    outbox.record(
        types.CERTIFICATE_REVOKED,
        certificate_id=certificate.pk,
        person_id=certificate.holder_id,
        course_id=certificate.course_id,
    )
    return certificate


def _status_bit_set(*, list_id: int, index: int, at: datetime) -> None:
    status_list = StatusList.objects.select_for_update().get(pk=list_id)
    if status_lists.bit(bytes(status_list.bits), index):
        return
    status_list.bits = status_lists.with_bit(bytes(status_list.bits), index)
    status_list.version += 1
    status_list.changed_at = at
    status_list.save(update_fields=["bits", "version", "changed_at"])


def status_list_signed(*, list_id: int) -> StatusList:
    """The list with its signed credential up to date: signed again only when a bit changed
    since the last signature (under the row lock, so once per change however many ask)."""
    status_list = StatusList.objects.defer("bits").get(pk=list_id)
    if status_list.signed_version == status_list.version and status_list.credential:
        return status_list
    with transaction.atomic():
        status_list = StatusList.objects.select_for_update().get(pk=list_id)
        if status_list.signed_version == status_list.version and status_list.credential:
            return status_list
        now = timezone.now().replace(microsecond=0)
        unsigned = status_lists.list_credential(
            list_url=status_list_url(status_list.pk),
            issuer_id=keys.issuer_id(),
            bits=bytes(status_list.bits),
            valid_from=now,
            purpose=status_list.purpose,
            ttl_ms=settings.LENCANA_STATUS_LIST_TTL_SECONDS * 1000,
        )
        kid, private_key = keys.key_at(now)
        status_list.credential = credentials.sign_credential(
            unsigned,
            private_key=private_key,
            verification_method=keys.verification_method_id(kid),
            created=now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            cryptosuite=settings.LENCANA_CREDENTIAL_CRYPTOSUITE,
        )
        status_list.signed_version = status_list.version
        status_list.signed_at = now
        status_list.save(update_fields=["credential", "signed_version", "signed_at"])
    logger.info("signed status list %s (version %s)", status_list.pk, status_list.version)
    return status_list


def issuer_key_rotate(*, active_from: datetime | None = None) -> IssuerKey:
    """A new signing key that signs what is dated from `active_from` (default: now) on. The
    keys before it stay published, so what they signed still verifies. A rotation may not
    start before the newest key already does."""
    active_from = active_from or timezone.now()
    if timezone.is_naive(active_from):
        raise ServiceError("The start of a key must have a time zone.", code="naive_datetime")
    with transaction.atomic():
        latest = IssuerKey.objects.select_for_update().order_by("-active_from").first()
        if latest is not None and active_from < latest.active_from:
            raise ServiceError(
                f"The newest key ({latest.kid}) signs from {latest.active_from.isoformat()}; "
                "a new one must start then or later.",
                code="key_out_of_order",
            )
        private_key = Ed25519PrivateKey.generate()
        key = IssuerKey.objects.create(
            kid=f"key-{IssuerKey.objects.count() + 2}",  # key-1 is the bootstrap key
            public_key_multibase=credentials.public_key_multibase(private_key.public_key()),
            private_key_sealed=keys.seal(private_key),
            active_from=active_from,
        )
    logger.info("issuer key %s signs from %s", key.kid, key.active_from.isoformat())
    return key


# --- expiry -------------------------------------------------------------------------------------

EXPIRY_BATCH = 200


def certificates_expire(*, now: datetime | None = None) -> int:
    """Mark valid certificates past their date as expired, each with `certificate.expired`, in
    short transactions (rows others hold are left for the next pass). Safe to repeat."""
    now = now or timezone.now()
    count = 0
    while True:
        with transaction.atomic():
            due = list(
                Certificate.objects.select_for_update(skip_locked=True)
                .filter(status=Certificate.Status.VALID, expires_at__lte=now)
                .order_by("expires_at", "pk")
                .only("pk", "holder_id", "course_id")[:EXPIRY_BATCH]
            )
            Certificate.objects.filter(pk__in=[c.pk for c in due]).update(status=Certificate.Status.EXPIRED)
            for certificate in due:
                outbox.record(
                    types.CERTIFICATE_EXPIRED,
                    certificate_id=certificate.pk,
                    person_id=certificate.holder_id,
                    course_id=certificate.course_id,
                )
        count += len(due)
        if len(due) < EXPIRY_BATCH:
            return count


def certificates_remind_expiring(*, now: datetime | None = None) -> int:
    """Record `certificate.expiring` for valid certificates within a reminder threshold
    (LENCANA_EXPIRY_REMINDER_DAYS, e.g. 60/30/7 days before), once per threshold: a certificate
    that enters several thresholds at once (the pass did not run, or it was issued short) gets
    one reminder, of the nearest. Certificates already renewed (a newer valid one for the same
    person and course) get none. Returns how many reminders were recorded."""
    now = now or timezone.now()
    thresholds = sorted(set(settings.LENCANA_EXPIRY_REMINDER_DAYS))
    if not thresholds:
        return 0
    renewed = Certificate.objects.filter(
        holder=OuterRef("holder"),
        course=OuterRef("course"),
        status=Certificate.Status.VALID,
        issued_at__gt=OuterRef("issued_at"),
    )
    candidates = (
        Certificate.objects.filter(
            status=Certificate.Status.VALID,
            expires_at__gt=now,
            expires_at__lte=now + timedelta(days=thresholds[-1]),
        )
        .exclude(Exists(renewed))
        .exclude(expiry_reminders__days=thresholds[0])  # the nearest one sent: nothing left
        .order_by("expires_at", "pk")
        .values_list("pk", flat=True)
    )
    sent = 0
    for certificate_id in candidates.iterator(chunk_size=500):
        if _remind(certificate_id=certificate_id, now=now, thresholds=thresholds):
            sent += 1
    return sent


def _remind(*, certificate_id: int, now: datetime, thresholds: list[int]) -> bool:
    with transaction.atomic():
        certificate = (
            Certificate.objects.select_for_update()
            .only("pk", "holder_id", "course_id", "expires_at", "status")
            .get(pk=certificate_id)
        )
        if certificate.status != Certificate.Status.VALID or certificate.expires_at is None:
            return False
        left = certificate.expires_at - now
        due = [d for d in thresholds if left <= timedelta(days=d)]
        if not due:
            return False
        done = set(certificate.expiry_reminders.values_list("days", flat=True))
        nearest = due[0]
        if nearest in done:
            return False
        ExpiryReminder.objects.bulk_create(
            [ExpiryReminder(certificate=certificate, days=d, sent_at=now) for d in due if d not in done]
        )
        outbox.record(
            types.CERTIFICATE_EXPIRING,
            certificate_id=certificate.pk,
            person_id=certificate.holder_id,
            course_id=certificate.course_id,
            days=nearest,
            expires_at=certificate.expires_at.isoformat(),
        )
    return True


def certificate_expiring_notify(*, certificate_id: int, days: int) -> bool:
    """Email the holder that the certificate expires in about `days` days (through Django's mail
    backend). Returns whether a mail went out (a holder without an address gets none)."""
    certificate = Certificate.objects.select_related("holder__user", "course").get(pk=certificate_id)
    user = certificate.holder.user  # a registry person may have no account yet
    address = user.email if user is not None else ""
    if not address or certificate.expires_at is None:
        return False
    until = date_format(timezone.localtime(certificate.expires_at), "j F Y")
    course = certificate.course
    subject = f"Sertifikat Anda berakhir dalam {days} hari / Your certificate expires in {days} days"
    body = (
        f"Yth. {certificate.holder.name},\n\n"
        f'Sertifikat {certificate.code} untuk kursus "{course.title}" berlaku hingga {until}. '
        "Anda dapat mengikuti kursus ini lagi sekarang untuk memperpanjangnya.\n\n"
        f'Your certificate {certificate.code} for "{course.title_en or course.title}" is valid until '
        f"{until}. You may take the course again now to renew it.\n\n"
        f"{verify_url(certificate.code)}\n"
    )
    send_mail(subject, body, None, [address])
    return True
