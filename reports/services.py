"""Writes of reports: HR's bulk exports of certificates."""

import csv
import itertools
import logging
import tempfile
import zipfile
from datetime import datetime
from typing import Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone

from certificates.selectors import certificate_pdfs
from events import outbox, types
from people.models import Unit
from reports import selectors
from reports.models import Export

logger = logging.getLogger(__name__)

CHUNK = 100  # PDFs read at a time: the memory an export needs, however many it holds
MANIFEST_COLUMNS = [
    "file", "code", "nrp", "name", "rank", "unit", "course", "issued_at", "expires_at", "status",
]  # fmt: skip


@transaction.atomic
def export_request(
    *,
    user: Any,
    course: int | None = None,
    unit: int | None = None,
    issued_after: datetime | None = None,
    issued_before: datetime | None = None,
) -> Export:
    """Queue an export; the worker builds it after commit (`export.requested`)."""
    filters = {
        "course": course,
        "unit": unit,
        "issued_after": issued_after.isoformat() if issued_after else None,
        "issued_before": issued_before.isoformat() if issued_before else None,
    }
    export = Export.objects.create(requested_by=user, filters={k: v for k, v in filters.items() if v})
    outbox.record(types.EXPORT_REQUESTED, export_id=export.pk)
    return export


def _certificates(filters: dict[str, Any]) -> Any:
    unit = Unit.objects.filter(pk=filters["unit"]).first() if filters.get("unit") else None
    return selectors.certificates_filtered(
        course=filters.get("course"),
        unit=unit,
        issued_after=datetime.fromisoformat(filters["issued_after"]) if filters.get("issued_after") else None,
        issued_before=datetime.fromisoformat(filters["issued_before"])
        if filters.get("issued_before")
        else None,
    ).order_by("pk")


def export_build(*, export_id: int) -> Export:
    """Build the ZIP: one PDF per certificate (read CHUNK at a time) and `manifest.csv`,
    written to a temporary file and then to storage, with progress as it goes. Outside any
    long transaction; building again (a redelivery) makes the same file, and a done export is
    left as it is."""
    export = Export.objects.get(pk=export_id)
    if export.status == Export.Status.DONE:
        return export
    certificates = _certificates(export.filters)
    total = certificates.count()
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.RUNNING, total=total, done=0, started_at=timezone.now(), error=""
    )
    try:
        with tempfile.TemporaryFile() as archive_file:
            _write_zip(archive_file, certificates, export_id=export.pk)
            archive_file.seek(0)
            export.refresh_from_db()
            export.file.save(f"lencana-certificates-{export.pk}.zip", File(archive_file), save=False)
            size = export.file.size
    except Exception as exc:
        logger.exception("export %s failed", export.pk)
        Export.objects.filter(pk=export.pk).update(
            status=Export.Status.FAILED, error=str(exc)[:500], finished_at=timezone.now()
        )
        raise
    Export.objects.filter(pk=export.pk).update(
        status=Export.Status.DONE, file=export.file.name, size=size, done=total, finished_at=timezone.now()
    )
    export.refresh_from_db()
    return export


def _write_zip(target: Any, certificates: Any, *, export_id: int) -> None:
    # The manifest goes to a file of its own as the PDFs go in, and into the ZIP last.
    with tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as manifest:
        writer = csv.writer(manifest)
        writer.writerow(MANIFEST_COLUMNS)
        # The PDFs are stored compressed already: no second compression.
        with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED) as archive:
            _write_pdfs(archive, writer, certificates, export_id=export_id)
            manifest.seek(0)
            with archive.open(zipfile.ZipInfo("manifest.csv"), "w") as entry:
                while block := manifest.read(64 * 1024):
                    entry.write(block.encode("utf-8"))


def _write_pdfs(archive: zipfile.ZipFile, writer: Any, certificates: Any, *, export_id: int) -> None:
    done = 0
    rows = certificates.iterator(chunk_size=CHUNK)
    while True:
        chunk = list(itertools.islice(rows, CHUNK))
        if not chunk:
            break
        pdfs = certificate_pdfs(certificate_ids=[c.pk for c in chunk])
        for certificate in chunk:
            pdf = pdfs.get(certificate.pk)
            name = f"{certificate.code}.pdf" if pdf else ""
            if pdf:
                archive.writestr(name, pdf)
            holder = certificate.holder
            writer.writerow(
                [
                    name,
                    certificate.code,
                    holder.nrp,
                    holder.name,
                    holder.rank,
                    holder.unit.name,
                    certificate.course.title,
                    certificate.issued_at.isoformat(),
                    certificate.expires_at.isoformat() if certificate.expires_at else "",
                    certificate.current_status,
                ]
            )
        done += len(chunk)
        Export.objects.filter(pk=export_id).update(done=done)
