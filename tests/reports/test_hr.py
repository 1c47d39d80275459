"""HR's reports: filters, CSV, compliance per unit, transcript."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone

from certificates.models import Certificate
from people.models import Unit
from people.services import unit_get_or_create
from quizzes import services as quiz_services
from quizzes.models import Quiz
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(course):
    polda, polres, polsek = factories.unit_chain()
    depok = unit_get_or_create(name="Polres Metro Depok", level=Unit.Level.POLRES, parent=polda)
    now = timezone.now()
    certified = factories.person(unit=polsek)
    expired = factories.person(unit=polsek, function="spkt")
    started = factories.person(unit=polres)
    idle = factories.person(unit=depok)
    factories.person(unit=depok, function="reskrim")  # the course is not required for Reskrim
    factories.certificate(
        holder=certified, course=course, issued_at=now, expires_at=now + timedelta(days=300)
    )
    factories.certificate(
        holder=expired,
        course=course,
        issued_at=now - timedelta(days=400),
        expires_at=now - timedelta(days=35),
    )
    quiz = Quiz.objects.filter(module__course=course)[0]
    quiz_services.attempt_start(quiz=quiz, person=started)
    return {
        "polda": polda,
        "polres": polres,
        "polsek": polsek,
        "depok": depok,
        "certified": certified,
        "expired": expired,
        "started": started,
        "idle": idle,
    }


def test_certificate_filters(org, course, hr):
    client = client_for(hr)

    def nrps(query: str) -> set[str]:
        return {c["holder"]["nrp"] for c in client.get(f"/api/v1/hr/certificates/?{query}").json()["results"]}

    assert nrps(f"course={course.pk}") == {org["certified"].nrp, org["expired"].nrp}
    assert nrps("status=valid") == {org["certified"].nrp}
    assert nrps("status=expired") == {org["expired"].nrp}
    assert nrps(f"unit={org['polres'].pk}") == {org["certified"].nrp, org["expired"].nrp}  # subtree
    assert nrps(f"unit={org['depok'].pk}") == set()
    soon = (timezone.now() + timedelta(days=365)).isoformat().replace("+", "%2B")
    assert nrps(f"status=valid&expires_before={soon}") == {org["certified"].nrp}
    assert client.get("/api/v1/hr/certificates/?status=bogus").status_code == 400
    assert client.get("/api/v1/hr/certificates/?issued_after=yesterday").status_code == 400


def test_certificate_csv(org, hr):
    response = client_for(hr).get("/api/v1/hr/certificates/?format=csv&status=valid")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert response["Content-Disposition"].startswith("attachment")
    assert [(r["nrp"], r["status"], r["unit"]) for r in rows] == [
        (org["certified"].nrp, "valid", "Polsek Kebayoran Baru")
    ]


def test_certificate_list_query_count_does_not_grow(org, hr, course, django_assert_max_num_queries):
    for _ in range(10):
        factories.certificate(holder=factories.person(), course=course, issued_at=timezone.now())
    with django_assert_max_num_queries(6):
        assert client_for(hr).get("/api/v1/hr/certificates/").json()["count"] == 12


def test_compliance_per_unit(org, course, hr):
    course.due_date = timezone.localdate() - timedelta(days=1)
    course.save()
    rows = client_for(hr).get(f"/api/v1/hr/compliance/?course={course.pk}").json()["results"]
    by_unit = {r["unit_name"]: r for r in rows}
    polsek = by_unit["Polsek Kebayoran Baru"]
    assert (polsek["assigned"], polsek["certified"], polsek["overdue"], polsek["percent_certified"]) == (
        2,
        1,
        1,
        50.0,
    )
    polres = by_unit["Polres Metro Jakarta Selatan"]
    assert (polres["assigned"], polres["certified"], polres["in_progress"], polres["overdue"]) == (1, 0, 1, 1)
    depok = by_unit["Polres Metro Depok"]
    assert (depok["assigned"], depok["certified"], depok["in_progress"]) == (1, 0, 0)


def test_compliance_for_a_unit_covers_its_subtree_only(org, course, hr):
    rows = (
        client_for(hr)
        .get(f"/api/v1/hr/compliance/?course={course.pk}&unit={org['polres'].pk}")
        .json()["results"]
    )
    assert {r["unit_name"] for r in rows} == {"Polsek Kebayoran Baru", "Polres Metro Jakarta Selatan"}
    assert client_for(hr).get("/api/v1/hr/compliance/?unit=abc").status_code == 400
    assert client_for(hr).get("/api/v1/hr/compliance/?unit=99999").status_code == 404


def test_transcript(org, hr):
    body = client_for(hr).get(f"/api/v1/hr/personnel/{org['started'].nrp}/transcript/").json()
    assert body["person"]["nrp"] == org["started"].nrp
    assert len(body["attempts"]) == 1 and body["attempts"][0]["status"] == "in_progress"
    assert client_for(hr).get("/api/v1/hr/personnel/00000000/transcript/").status_code == 404


def test_staff_revoke_shows_on_public_verification(org, staff, api):
    certificate = Certificate.objects.get(holder=org["certified"])
    url = f"/api/v1/certificates/{certificate.pk}/revoke/"
    assert client_for(staff).post(url, {}, format="json").status_code == 400
    response = client_for(staff).post(url, {"reason": "Data NRP keliru"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert api.get(f"/api/v1/verify/{certificate.code}/").json()["status"] == "revoked"
    assert b"DICABUT" in api.get(f"/verify/{certificate.code}/").content
