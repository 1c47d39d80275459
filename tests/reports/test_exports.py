"""HR's bulk export: a ZIP of PDFs and a CSV manifest, built as a job with progress."""

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from certificates import services as certificate_services
from reports import services
from reports.models import Export
from tests import factories
from tests.certificates.test_issue import issue, pass_every_quiz
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def rendered(course, **person):
    holder = factories.person(**person)
    pass_every_quiz(holder, course)
    certificate = issue(holder, course)
    certificate_services.certificate_render(certificate_id=certificate.pk)
    return certificate


def test_hr_exports_a_unit_as_a_zip_of_pdfs_with_a_manifest(course, hr):
    polda, polres, polsek = factories.unit_chain()
    inside = [rendered(course, unit=polsek), rendered(course, unit=polsek)]
    outside = rendered(course, unit=polda)
    client = client_for(hr)

    created = client.post("/api/v1/hr/exports/", {"unit": polres.pk, "course": course.pk}, format="json")
    assert created.status_code == 202, created.content
    body = created.json()
    assert body["status"] == "queued" and body["progress"] == 0
    assert client.get(f"/api/v1/hr/exports/{body['id']}/download/").status_code == 409

    factories.deliver_events()  # the worker builds it

    status = client.get(f"/api/v1/hr/exports/{body['id']}/").json()
    assert status["status"] == "done" and status["progress"] == 100 and status["total"] == 2
    response = client.get(status["download_url"])
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    names = set(archive.namelist())
    assert names == {f"{c.code}.pdf" for c in inside} | {"manifest.csv"}
    assert f"{outside.code}.pdf" not in names
    for certificate in inside:
        assert archive.read(f"{certificate.code}.pdf") == bytes(
            type(certificate).objects.get(pk=certificate.pk).pdf
        )
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    assert {r["code"] for r in rows} == {c.code for c in inside}
    assert all(r["file"] == f"{r['code']}.pdf" and r["status"] == "valid" for r in rows)


def test_the_export_filters_by_issue_date_and_reports_progress_in_chunks(course, hr, monkeypatch):
    certificates = [rendered(course) for _ in range(5)]
    monkeypatch.setattr(services, "CHUNK", 2)
    seen: list[int] = []
    real = services.certificate_pdfs

    def spy(*, certificate_ids):
        seen.append(len(certificate_ids))
        return real(certificate_ids=certificate_ids)

    monkeypatch.setattr(services, "certificate_pdfs", spy)
    export = services.export_request(user=hr.user, issued_after=timezone.now() - timedelta(hours=1))
    export = services.export_build(export_id=export.pk)
    assert export.status == Export.Status.DONE and export.done == export.total == 5
    assert seen == [2, 2, 1]  # never more than a chunk of PDFs in memory
    later = services.export_build(
        export_id=services.export_request(user=hr.user, issued_after=timezone.now() + timedelta(hours=1)).pk
    )
    assert later.total == 0 and zipfile.ZipFile(later.file.open("rb")).namelist() == ["manifest.csv"]
    assert len(certificates) == 5


def test_an_export_is_seen_only_by_who_asked_for_it_and_staff(course, hr, staff):
    export = services.export_request(user=hr.user)
    other_hr = factories.person(roles=("hr",))
    assert client_for(other_hr).get(f"/api/v1/hr/exports/{export.pk}/").status_code == 404
    assert client_for(staff).get(f"/api/v1/hr/exports/{export.pk}/").status_code == 200
    learner = factories.person()
    assert client_for(learner).post("/api/v1/hr/exports/", {}, format="json").status_code == 403


def test_bad_filters_are_a_400(hr):
    response = client_for(hr).post("/api/v1/hr/exports/", {"course": 9999}, format="json")
    assert response.status_code == 400
