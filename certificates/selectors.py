"""Reads of certificates: for holders and the public (HR's reports are in `reports`)."""

from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import F, QuerySet

from certificates.models import Certificate
from courses.models import Course
from people.models import Person, Unit


def certificates_with_relations() -> QuerySet[Certificate]:
    return Certificate.objects.select_related("holder__unit", "course").defer("pdf", "credential")


def certificate_for_download(*, certificate_id: int, fields: tuple[str, ...] = ()) -> Certificate | None:
    """One certificate; of its stored files only those named in `fields` are loaded."""
    skipped = [f for f in ("pdf", "credential") if f not in fields]
    return (
        Certificate.objects.select_related("holder__unit", "course")
        .defer(*skipped)
        .filter(pk=certificate_id)
        .first()
    )


def certificate_public(*, code: str) -> Mapping[str, Any] | None:
    """What public verification shows of the certificate with this code, as one row of values:
    its own columns that say whether it holds, the holder's name and rank, the course's titles
    (not three model rows with every column of the holder and the course)."""
    return (
        Certificate.objects.filter(code=code.strip().upper())
        .values(
            "code",
            "status",
            "issued_at",
            "expires_at",
            "revoked_at",
            "revocation_category",
            "course_id",
            holder_name=F("holder__name"),
            holder_rank=F("holder__rank"),
            course_title=F("course__title"),
            course_title_en=F("course__title_en"),
        )
        .first()
    )


def certificates_of_person(*, person: Person | None) -> QuerySet[Certificate]:
    return certificates_with_relations().filter(holder=person)


def certificate_status_list_id(*, certificate_id: int) -> int | None:
    return Certificate.objects.filter(pk=certificate_id).values_list("status_list_id", flat=True).first()


def certificate_pdfs(*, certificate_ids: list[int]) -> dict[int, bytes | None]:
    """The stored PDFs of a few certificates (callers go in small chunks: memory stays flat)."""
    rows = Certificate.objects.filter(pk__in=certificate_ids).values_list("pk", "pdf")
    return {pk: bytes(pdf) if pdf is not None else None for pk, pdf in rows}


def certificates_of_enrolment(*, enrolment_id: int) -> list[Certificate]:
    """The certificate of a person's cycle of a course (at most one), unless revoked."""
    return list(
        Certificate.objects.select_related("enrolment__course")
        .filter(enrolment_id=enrolment_id)
        .exclude(status=Certificate.Status.REVOKED)
    )


def certificates_to_render(*, certificate_ids: Iterable[int]) -> list[Certificate]:
    """The certificates (those that exist, in id order) with their holders, units and courses.
    A batch's units and courses are a few: read once each and shared, not a row built per
    certificate by a join."""
    certificates = list(
        Certificate.objects.select_related("holder")
        .filter(pk__in=sorted(set(certificate_ids)))
        .order_by("pk")
    )
    units = Unit.objects.in_bulk({c.holder.unit_id for c in certificates})
    courses = Course.objects.in_bulk({c.course_id for c in certificates})
    for certificate in certificates:
        certificate.holder.unit = units[certificate.holder.unit_id]
        certificate.course = courses[certificate.course_id]
    return certificates
