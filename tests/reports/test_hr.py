"""HR's reports: filters, CSV, compliance per unit, transcript."""

import csv
import io
import json
from datetime import UTC, timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers

from certificates.api import CertificateOutputSerializer, PersonSummarySerializer
from certificates.models import Certificate
from certificates.selectors import certificates_of_person
from people.models import Unit
from people.services import unit_get_or_create
from quizzes import services as quiz_services
from quizzes.models import Attempt, Quiz
from quizzes.selectors import attempts_of_person, quiz_results_of_person
from reports import services as report_services
from reports.api import TranscriptResultSerializer
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
        assert len(client_for(hr).get("/api/v1/hr/certificates/").json()["results"]) == 12


def test_certificate_list_pages_by_cursor_newest_first(org, hr, course):
    """Cursor pagination, like HR's other lists: no count, `next` until the end and `previous` back,
    every certificate once, newest first, even with several issued in the same instant."""
    same_instant = timezone.now() - timedelta(days=1)
    for _ in range(7):
        factories.certificate(holder=factories.person(), course=course, issued_at=same_instant)
    client = client_for(hr)
    url, seen = "/api/v1/hr/certificates/?page_size=3", []
    while url:
        body = client.get(url).json()
        assert "count" not in body and len(body["results"]) <= 3
        seen += [c["id"] for c in body["results"]]
        url = body["next"]
    assert len(seen) == 9 and seen == sorted(seen, reverse=True)
    previous = client.get(client.get("/api/v1/hr/certificates/?page_size=3").json()["next"]).json()[
        "previous"
    ]
    assert [c["id"] for c in client.get(previous).json()["results"]] == seen[:3]


def rows_by_unit(client, query: str) -> dict:
    response = client.get(f"/api/v1/hr/compliance/?{query}")
    assert response.status_code == 200, response.content
    return {(r["unit"]["code"] if r["unit"] else None): r for r in response.json()["results"]}


def counts(row: dict) -> tuple:
    return (row["assigned"], row["certified"], row["in_progress"], row["overdue"], row["percent_certified"])


def test_compliance_rolls_each_child_unit_up_over_its_subtree(org, course, hr):
    course.due_date = timezone.localdate() - timedelta(days=1)
    course.save()
    report_services.compliance_refresh()
    client = client_for(hr)

    force = rows_by_unit(client, f"course={course.pk}")
    assert set(force) == {None, org["polda"].code}
    assert counts(force[None]) == counts(force[org["polda"].code]) == (4, 1, 1, 3, 25.0)

    polda = rows_by_unit(client, f"course={course.pk}&unit={org['polda'].pk}")
    assert set(polda) == {org["polda"].code, org["polres"].code, org["depok"].code}
    assert counts(polda[org["polres"].code]) == (3, 1, 1, 2, 33.33)
    assert counts(polda[org["depok"].code]) == (1, 0, 0, 1, 0.0)

    polres = rows_by_unit(client, f"course={course.pk}&unit={org['polres'].code}")  # a code works too
    assert counts(polres[org["polsek"].code]) == (2, 1, 0, 1, 50.0)


def test_compliance_counts_certificates_expiring_within_n_days(org, course, hr):
    report_services.compliance_refresh()
    client = client_for(hr)
    assert rows_by_unit(client, f"course={course.pk}")[None]["expiring"] == 0
    assert rows_by_unit(client, f"course={course.pk}&expiring_days=365")[None]["expiring"] == 1


def test_compliance_query_count_does_not_grow_with_people(org, course, hr, django_assert_max_num_queries):
    for _ in range(10):
        factories.person(unit=org["depok"])
    report_services.compliance_refresh()
    client = client_for(hr)
    with django_assert_max_num_queries(1 + 1):  # the role check; the roll-up with names and expiry
        assert rows_by_unit(client, f"course={course.pk}")[None]["assigned"] == 14
    for unit in (org["depok"].code, str(org["depok"].pk)):  # by code or id: one query finds the unit
        with django_assert_max_num_queries(1 + 1):  # the unit; the roll-up (the role is read once)
            assert (
                rows_by_unit(client, f"course={course.pk}&unit={unit}")[org["depok"].code]["assigned"] == 11
            )  # and idle


def test_compliance_bad_parameters(org, hr):
    assert client_for(hr).get("/api/v1/hr/compliance/?course=abc").status_code == 400
    assert client_for(hr).get("/api/v1/hr/compliance/?unit=99999").status_code == 404


def test_compliance_csv(org, course, hr):
    report_services.compliance_refresh()
    response = client_for(hr).get(f"/api/v1/hr/compliance/?course={course.pk}&format=csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["unit_code"], r["assigned"]) for r in rows] == [("", "4"), (org["polda"].code, "4")]


def test_transcript(org, hr):
    body = client_for(hr).get(f"/api/v1/hr/personnel/{org['started'].nrp}/transcript/").json()
    assert body["person"]["nrp"] == org["started"].nrp
    assert len(body["attempts"]) == 1 and body["attempts"][0]["status"] == "in_progress"
    assert client_for(hr).get("/api/v1/hr/personnel/00000000/transcript/").status_code == 404


class ModelAttemptSerializer(serializers.ModelSerializer):
    """The transcript's attempt as the model serializer said it before rows were built directly."""

    course = serializers.IntegerField(source="quiz.module.course_id")
    quiz_title = serializers.CharField(source="quiz.title")

    class Meta:
        model = Attempt
        fields = [
            "id", "course", "quiz", "quiz_title", "number", "status", "started_at", "submitted_at",
            "score", "max_score", "percent", "passed",
        ]  # fmt: skip


def test_transcript_rows_built_directly_equal_the_model_serializers(org, hr, course):
    """The transcript reads values and builds its JSON by hand (for speed); it says exactly what
    the model serializers say of the same person: attempts graded and open, certificates valid,
    expired (past its date) and revoked."""
    person = org["certified"]
    quiz = Quiz.objects.filter(module__course=course).order_by("pk")[0]
    attempt = quiz_services.attempt_start(quiz=quiz, person=person)
    quiz_services.attempt_submit(attempt=attempt)
    factories.deliver_events()
    quiz_services.attempt_start(quiz=quiz, person=person)  # another, still open
    other = factories.course(slug="lain")
    factories.certificate(
        holder=person, course=other, issued_at=timezone.now() - timedelta(days=9),
        expires_at=timezone.now() - timedelta(days=1),
    )  # fmt: skip
    revoked = factories.certificate(
        holder=person, course=factories.course(slug="dicabut"), issued_at=timezone.now()
    )
    Certificate.objects.filter(pk=revoked.pk).update(status=Certificate.Status.REVOKED)

    attempts = list(attempts_of_person(person=person).order_by("started_at", "pk"))
    expected = {
        "person": PersonSummarySerializer(person).data,
        "courses": list(
            {
                a.quiz.module.course_id: {"id": c.pk, "title": c.title}
                for a in attempts
                if (c := a.quiz.module.course)
            }.values()
        ),
        "attempts": ModelAttemptSerializer(attempts, many=True).data,
        "results": TranscriptResultSerializer(quiz_results_of_person(person_id=person.pk), many=True).data,
        "certificates": CertificateOutputSerializer(
            certificates_of_person(person=person).order_by("-issued_at", "-pk"), many=True
        ).data,
    }
    body = client_for(hr).get(f"/api/v1/hr/personnel/{person.nrp}/transcript/").json()
    assert len(body["attempts"]) == 2 and len(body["certificates"]) == 3 and len(body["results"]) == 1
    assert {c["status"] for c in body["certificates"]} == {"valid", "expired", "revoked"}
    assert body == json.loads(json.dumps(expected))


def test_certificate_list_rows_built_directly_equal_the_model_serializer(org, hr, course):
    """HR's certificate list reads values and builds its JSON by hand (for speed); it says
    exactly what CertificateOutputSerializer says of the same certificates: valid, expired (past
    its date) and revoked, newest first."""
    person = org["certified"]
    factories.certificate(
        holder=person, course=factories.course(slug="lain"), issued_at=timezone.now() - timedelta(days=9),
        expires_at=timezone.now() - timedelta(days=1),
    )  # fmt: skip
    revoked = factories.certificate(
        holder=person, course=factories.course(slug="dicabut"), issued_at=timezone.now()
    )
    Certificate.objects.filter(pk=revoked.pk).update(status=Certificate.Status.REVOKED)
    expected = CertificateOutputSerializer(Certificate.objects.order_by("-pk"), many=True).data
    body = client_for(hr).get("/api/v1/hr/certificates/").json()
    assert {c["status"] for c in body["results"]} == {"valid", "expired", "revoked"}
    assert body["results"] == json.loads(json.dumps(expected))


def test_certificate_list_takes_a_fixed_number_of_queries(org, hr, course, django_assert_num_queries):
    for _ in range(5):
        factories.certificate(holder=factories.person(), course=course, issued_at=timezone.now())
    client = client_for(hr)
    with django_assert_num_queries(3):  # the role check, the course of the filter, the page
        body = client.get(f"/api/v1/hr/certificates/?course={course.pk}").json()
    assert len(body["results"]) >= 5


def test_transcript_takes_two_queries_of_its_own(org, hr, django_assert_max_num_queries):
    client = client_for(hr)
    with django_assert_max_num_queries(1 + 2):  # the role check; the person with certificates, attempts
        assert client.get(f"/api/v1/hr/personnel/{org['started'].nrp}/transcript/").status_code == 200


def test_staff_revoke_shows_on_public_verification(org, staff, api):
    certificate = Certificate.objects.get(holder=org["certified"])
    url = f"/api/v1/certificates/{certificate.pk}/revoke/"
    assert client_for(staff).post(url, {}, format="json").status_code == 400
    response = client_for(staff).post(url, {"reason": "Data NRP keliru"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "revoked"
    assert api.get(f"/api/v1/verify/{certificate.code}/").json()["status"] == "revoked"
    assert b"DICABUT" in api.get(f"/verify/{certificate.code}/").content


def test_compliance_rows_carry_their_units_whole(org, course):
    """The report reads only the units' ids, codes and names; any other field is still the unit's."""
    from reports import selectors as report_selectors

    report_services.compliance_refresh()
    rows = report_selectors.compliance(unit=org["polda"], course_ids=[course.pk])
    child = next(r.unit for r in rows if r.unit is not None and r.unit.pk == org["depok"].pk)
    assert (child.code, child.level, child.path) == (org["depok"].code, "polres", org["depok"].path)


@pytest.mark.parametrize("zone", ["Asia/Jakarta", "UTC"])
def test_the_fast_datetime_writes_what_drf_writes(zone):
    """reports.api._datetime (the hand-built rows' times) equals DRF's DateTimeField, in the
    service's zone and in UTC (where DRF writes "Z"), with and without microseconds."""
    from datetime import datetime as dt
    from zoneinfo import ZoneInfo

    from reports.api import _datetime

    drf = serializers.DateTimeField()
    values = [
        dt(2026, 12, 2, 3, 4, 5, tzinfo=UTC),
        dt(2026, 12, 2, 3, 4, 5, 123456, tzinfo=UTC),
        dt(2026, 6, 30, 23, 59, 59, 1, tzinfo=ZoneInfo("Asia/Jakarta")),
        dt(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/Berlin")),
    ]
    with timezone.override(zone):
        for value in values:
            assert _datetime(value) == drf.to_representation(value)
    assert _datetime(None) is None


def test_a_filter_form_class_is_made_once_and_each_request_validates_its_own_input(hr, course):
    """core.api.FilterSet keeps its form class per FilterSet class; the form, and so what a
    request asked, is still each request's own."""
    from reports.api import CompliancePeopleFilter
    from reports.models import ComplianceStatus

    none = ComplianceStatus.objects.none()
    first = CompliancePeopleFilter(data={"course": course.pk}, queryset=none)
    second = CompliancePeopleFilter(data={"course": "abc"}, queryset=none)
    assert first.get_form_class() is second.get_form_class()
    assert first.form is not second.form
    assert first.is_valid() and not second.is_valid()
    client = client_for(hr)
    assert client.get(f"/api/v1/hr/compliance/people/?course={course.pk}").status_code == 200
    assert client.get("/api/v1/hr/compliance/people/?course=abc").status_code == 400
    assert client.get(f"/api/v1/hr/compliance/people/?course={course.pk}").status_code == 200
