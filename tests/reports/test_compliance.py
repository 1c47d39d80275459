"""Assignments, and the compliance roll-up kept from them and the events."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework import serializers

from certificates.services import certificate_revoke
from people.models import Person, Unit
from people.services import unit_get_or_create, unit_update
from people.sync import personnel_sync, units_sync
from reports import selectors, services
from reports.api import CompliancePersonSerializer
from reports.models import ComplianceCount, ComplianceRollup
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def org(course):
    polda, polres, polsek = factories.unit_chain()
    depok = unit_get_or_create(name="Polres Metro Depok", level=Unit.Level.POLRES, parent=polda)
    people = {
        "lantas_polsek": factories.person(unit=polsek),
        "spkt_polsek": factories.person(unit=polsek, function="spkt"),
        "lantas_depok": factories.person(unit=depok),
        "reskrim_depok": factories.person(unit=depok, function="reskrim"),
    }
    services.compliance_refresh()
    return {"polda": polda, "polres": polres, "polsek": polsek, "depok": depok, **people}


def force_row(client, course) -> dict:
    rows = client.get(f"/api/v1/hr/compliance/?course={course.pk}").json()["results"]
    return next(r for r in rows if r["unit"] is None)


def test_without_assignments_a_course_keeps_its_required_functions(org, course, hr):
    assert force_row(client_for(hr), course)["assigned"] == 3  # lantas and spkt, not reskrim


def test_an_assignment_to_a_unit_takes_its_subtree_and_replaces_the_course_rule(org, course, hr):
    client = client_for(hr)
    body = {
        "course": course.pk,
        "functions": ["reskrim", "lantas"],
        "units": [org["depok"].code],
        "due_days": 30,
    }
    response = client.post("/api/v1/hr/assignments/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["units"] == [org["depok"].code]
    listed = client.get("/api/v1/hr/assignments/").json()  # paginated as API.md's lists
    assert listed["count"] == 1 and listed["results"] == [response.json()]

    assert force_row(client, course)["assigned"] == 2  # only Depok's lantas and reskrim now

    assignment_id = response.json()["id"]
    body = {**body, "functions": [], "units": [org["polda"].code], "due_days": None, "due_date": "2020-01-01"}
    assert client.put(f"/api/v1/hr/assignments/{assignment_id}/", body, format="json").status_code == 200
    row = force_row(client, course)
    assert (row["assigned"], row["overdue"]) == (5, 5)  # every function now, HR's own person too

    assert client.delete(f"/api/v1/hr/assignments/{assignment_id}/").status_code == 204
    assert force_row(client, course)["assigned"] == 3


def test_a_due_date_relative_to_joining_makes_people_overdue_after_it(org, course, hr):
    Person.objects.filter(pk=org["lantas_polsek"].pk).update(
        joined_on=timezone.localdate() - timedelta(days=40)
    )
    client = client_for(hr)
    body = {"course": course.pk, "functions": ["lantas"], "due_days": 30}
    assert client.post("/api/v1/hr/assignments/", body, format="json").status_code == 201
    assert force_row(client, course)["overdue"] == 1


def test_wrong_assignments_are_400(org, course, hr):
    client = client_for(hr)
    both = {"course": course.pk, "due_days": 3, "due_date": "2030-01-01"}
    assert client.post("/api/v1/hr/assignments/", both, format="json").status_code == 400
    nowhere = {"course": course.pk, "units": ["NOPE"]}
    assert client.post("/api/v1/hr/assignments/", nowhere, format="json").status_code == 400


def test_the_roll_up_follows_certificates_and_the_registry_through_events(org, course, hr):
    client = client_for(hr)
    certificate = factories.certificate(holder=org["lantas_depok"], course=course, issued_at=timezone.now())
    services.compliance_refresh_for_person(person_id=org["lantas_depok"].pk, course_id=course.pk)
    assert force_row(client, course)["certified"] == 1

    certificate_revoke(certificate=certificate, reason="Data keliru")  # records certificate.revoked
    factories.deliver_events()
    assert force_row(client, course)["certified"] == 0

    def row(nrp: str, function: str, active: bool = True) -> dict:
        return {"nrp": nrp, "name": "Nama", "rank": "Briptu", "unit_code": org["polsek"].code,
                "function": function, "active": active}  # fmt: skip

    personnel_sync(
        rows=[
            row("87051111", "spkt"),  # joins
            row(org["lantas_depok"].nrp, "lantas"),  # moves in
            row(org["spkt_polsek"].nrp, "spkt", active=False),  # leaves
        ]
    )
    factories.deliver_events()
    by_unit = dict(ComplianceCount.objects.filter(course=course).values_list("unit_id", "assigned"))
    assert by_unit == {org["polsek"].pk: 3}  # one joined, one moved in, one left; Depok is empty
    assert rollups() == (rebuilt := services.compliance_rollups_rebuild() or rollups())
    assert rebuilt[org["polda"].pk] == (3, 0) and org["depok"].pk not in rebuilt


def rollups() -> dict:
    return {
        unit: (assigned, certified)
        for unit, assigned, certified in ComplianceRollup.objects.values_list(
            "unit_id", "assigned", "certified"
        )
        if assigned or certified  # the kept totals may hold a row of zeros where a rebuild has none
    }


def test_moving_a_unit_moves_its_totals_to_its_new_ancestors(org, course, hr):
    jabar = unit_get_or_create(name="Polda Jawa Barat", level=Unit.Level.POLDA)
    row = {"code": org["depok"].code, "name": org["depok"].name, "level": "polres", "parent_code": jabar.code}
    units_sync(rows=[row])
    factories.deliver_events()
    rows = client_for(hr).get(f"/api/v1/hr/compliance/?course={course.pk}").json()["results"]
    assigned = {(r["unit"] or {}).get("code"): r["assigned"] for r in rows}
    assert assigned == {None: 3, org["polda"].code: 2, jabar.code: 1}


def test_the_tick_refreshes_units_whose_certificates_ran_out(org, course, hr):
    factories.certificate(
        holder=org["lantas_depok"], course=course, issued_at=timezone.now(),
        expires_at=timezone.now() + timedelta(hours=1),
    )  # fmt: skip
    services.compliance_refresh()
    assert force_row(client_for(hr), course)["certified"] == 1

    assert services.compliance_tick(now=timezone.now() + timedelta(hours=2)) == 1
    assert force_row(client_for(hr), course)["certified"] == 0


def test_people_behind_a_row_with_cursor_pages_states_and_csv(org, course, hr):
    course.due_date = timezone.localdate() - timedelta(days=1)
    course.save()
    for _ in range(3):
        factories.person(unit=org["polsek"])
    services.compliance_refresh()
    client = client_for(hr)
    url = f"/api/v1/hr/compliance/people/?course={course.pk}&unit={org['polsek'].code}&page_size=3"

    first = client.get(url).json()
    second = client.get(first["next"]).json()
    assert len(first["results"]) == 3 and len(second["results"]) == 2 and second["next"] is None
    assert all(p["overdue"] for p in first["results"] + second["results"])
    spkt = client.get(f"{url}&function=spkt").json()["results"]
    assert [p["nrp"] for p in spkt] == [org["spkt_polsek"].nrp]
    assert client.get(f"{url}&state=certified").json()["results"] == []
    assert client.get(f"{url}&state=bogus").status_code == 400
    base = f"/api/v1/hr/compliance/people/?course={course.pk}"
    assert client.get(f"{base}&unit=NO-SUCH-UNIT").status_code == 404
    by_id = client.get(f"{base}&unit={org['polres'].pk}").json()["results"]  # an id: its subtree
    assert len(by_id) == 5 and client.get(f"{base}&unit={org['depok'].pk}").json()["results"] == [
        r for r in client.get(f"{base}&unit={org['depok'].code}").json()["results"]
    ]

    response = client.get(f"/api/v1/hr/compliance/people/?course={course.pk}&format=csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 6 and {r["overdue"] for r in rows} == {"True"}


def test_people_list_query_count_is_pinned(org, course, hr, django_assert_max_num_queries):
    for _ in range(10):
        factories.person(unit=org["polsek"])
    services.compliance_refresh()
    with django_assert_max_num_queries(1 + 1):  # the role check; the rows (a cursor page: no COUNT)
        body = client_for(hr).get(f"/api/v1/hr/compliance/people/?course={course.pk}").json()
    assert len(body["results"]) == 13
    with django_assert_max_num_queries(1 + 2):  # the role check; the subtree's units; the rows
        url = f"/api/v1/hr/compliance/people/?course={course.pk}&unit={org['polsek'].code}"
        assert len(client_for(hr).get(url).json()["results"]) == 10 + 2  # and lantas_polsek, spkt_polsek


def test_people_rows_built_directly_equal_drfs_walk_over_the_declared_fields(org, course):
    """The list builds its rows by hand (for speed): each equals what DRF's generic walk over the
    serializer's declared fields (the documented shape) gives, overdue, certified and not."""
    course.due_date = timezone.localdate() - timedelta(days=1)
    course.save()
    factories.certificate(
        holder=org["lantas_polsek"], course=course, issued_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=20),
    )  # fmt: skip
    services.compliance_refresh()
    serializer = CompliancePersonSerializer()
    rows = list(selectors.compliance_people_rows(course_id=course.pk))
    assert {(r["certified"], bool(r["certified_until"])) for r in rows} == {(True, True), (False, False)}
    for row in rows:
        generic = serializers.Serializer.to_representation(serializer, row)
        assert serializer.to_representation(row) == generic
    assert sum(serializer.to_representation(r)["overdue"] for r in rows) == 2


def test_a_unit_moved_in_the_admin_moves_its_totals_too(org, course, hr):
    jabar = unit_get_or_create(name="Polda Jawa Barat", level=Unit.Level.POLDA)
    unit_update(unit_id=org["depok"].pk, name=org["depok"].name, level="polres", parent=jabar)
    factories.deliver_events()
    rows = client_for(hr).get(f"/api/v1/hr/compliance/?course={course.pk}").json()["results"]
    assert {(r["unit"] or {}).get("code"): r["assigned"] for r in rows}[jabar.code] == 1
