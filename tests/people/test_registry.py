"""The HR registry: units and personnel synced in bulk over the API, JSON and CSV."""

import pytest

from events.models import Event
from people.models import Person, RegistrySync, Transfer, Unit
from people.selectors import person_for_user
from people.services import person_account_attach, user_create
from tests import factories
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

UNITS = [
    {"code": "MABES", "name": "Mabes Polri", "level": "mabes", "parent_code": ""},
    # Children before their parents: the sync orders them.
    {"code": "PMJ-JS", "name": "Polres Metro Jakarta Selatan", "level": "polres", "parent_code": "PMJ"},
    {"code": "PMJ", "name": "Polda Metro Jaya", "level": "polda", "parent_code": "MABES"},
    {"code": "PMJ-JS-LANTAS", "name": "Sat Lantas", "level": "satuan", "parent_code": "PMJ-JS"},
    {"code": "PMJ-JS-KEBA", "name": "Polsek Kebayoran Baru", "level": "polsek", "parent_code": "PMJ-JS"},
    {"code": "PMJ-JT", "name": "Polres Metro Jakarta Timur", "level": "polres", "parent_code": "PMJ"},
    # Every Polres has its Sat Lantas: names are unique among siblings only.
    {"code": "PMJ-JT-LANTAS", "name": "Sat Lantas", "level": "satuan", "parent_code": "PMJ-JT"},
]


def person_row(nrp: str, unit_code: str = "PMJ-JS-KEBA", **extra) -> dict:
    row = {
        "nrp": nrp,
        "name": f"Personel {nrp}",
        "rank": "Briptu",
        "unit_code": unit_code,
        "function": "lantas",
    }
    return {**row, "active": True, **extra}


@pytest.fixture
def client(hr):
    return client_for(hr)


@pytest.fixture
def units(client):
    assert client.post("/api/v1/registry/units/sync/", {"units": UNITS}, format="json").status_code == 200
    return {u.code: u for u in Unit.objects.all()}


def test_units_sync_builds_the_tree_and_is_idempotent(client):
    first = client.post("/api/v1/registry/units/sync/", {"units": UNITS}, format="json")
    again = client.post("/api/v1/registry/units/sync/", {"units": UNITS}, format="json")

    assert first.json() == {"created": 7, "updated": 0, "unchanged": 0}
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 7}
    by_code = {u.code: u for u in Unit.objects.all()}
    lantas = by_code["PMJ-JS-LANTAS"]
    assert lantas.path == f"{by_code['MABES'].pk}/{by_code['PMJ'].pk}/{by_code['PMJ-JS'].pk}/{lantas.pk}/"
    assert Event.objects.filter(type="registry.changed").count() == 1


def test_moving_a_unit_by_sync_moves_its_subtree(client, units):
    moved = [{**UNITS[1], "parent_code": "MABES", "name": "Polres Pindahan"}]
    assert client.post("/api/v1/registry/units/sync/", {"units": moved}, format="json").json()["updated"] == 1
    keba = Unit.objects.get(code="PMJ-JS-KEBA")
    assert keba.path == f"{units['MABES'].pk}/{units['PMJ-JS'].pk}/{keba.pk}/"


def test_wrong_unit_rows_are_reported_and_nothing_is_applied(client, units):
    rows = [
        {"code": "NEW-1", "name": "Polsek Baru", "level": "polsek", "parent_code": "PMJ-JS"},
        {"code": "X", "name": "Sat Lantas", "level": "satuan", "parent_code": "PMJ-JS"},  # sibling name
        {"code": "Y", "name": "Y", "level": "kodam", "parent_code": "NOWHERE"},
        {"code": "PMJ", "name": "Polda Metro Jaya", "level": "polda", "parent_code": "PMJ-JS"},  # cycle
    ]
    response = client.post("/api/v1/registry/units/sync/", {"units": rows}, format="json")

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {e["row"] for e in errors} == {2, 3, 4}
    assert not Unit.objects.filter(code="NEW-1").exists()


def test_personnel_sync_upserts_transfers_and_deactivates(client, units):
    rows = [person_row("87050001"), person_row("87050002", function="spkt")]
    assert client.post("/api/v1/registry/personnel/sync/", {"personnel": rows}, format="json").json() == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    assert Person.objects.get(nrp="87050001").user is None  # no account needed to exist

    rows = [person_row("87050001", unit_code="PMJ-JT-LANTAS"), person_row("87050002", active=False)]
    body = client.post("/api/v1/registry/personnel/sync/", {"personnel": rows}, format="json").json()

    assert body == {"created": 0, "updated": 2, "unchanged": 0}
    moved = Person.objects.get(nrp="87050001")
    assert moved.unit.code == "PMJ-JT-LANTAS"
    history = list(Transfer.objects.filter(person=moved).values_list("from_unit__code", "to_unit__code"))
    assert history == [(None, "PMJ-JS-KEBA"), ("PMJ-JS-KEBA", "PMJ-JT-LANTAS")]
    leaver = Person.objects.get(nrp="87050002")
    assert leaver.active is False and leaver.left_at is not None


def test_personnel_sync_takes_csv(client, units):
    csv_body = (
        "nrp,name,rank,unit_code,function,active\n"
        "87050011,Rina,Briptu,PMJ-JS-KEBA,lantas,true\n"
        "87050012,Agus,AKP,PMJ-JS-LANTAS,spkt,1\n"
    )
    response = client.post("/api/v1/registry/personnel/sync/", csv_body, content_type="text/csv")
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 2
    again = client.post("/api/v1/registry/personnel/sync/", csv_body, content_type="text/csv")
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 2}


def test_wrong_personnel_rows_are_reported_per_row_and_nothing_is_applied(client, units):
    rows = [
        person_row("87050021"),
        person_row("1234"),
        person_row("87050023", unit_code="NOPE"),
        person_row("87050024", rank="General"),
        person_row("87050021"),
    ]
    response = client.post("/api/v1/registry/personnel/sync/", {"personnel": rows}, format="json")

    assert response.status_code == 400
    assert [e["row"] for e in response.json()["errors"]] == [2, 3, 4, 5]
    assert not Person.objects.filter(nrp="87050021").exists()


def test_only_hr_and_staff_may_sync(learner, units):
    response = client_for(learner).post("/api/v1/registry/units/sync/", {"units": UNITS}, format="json")
    assert response.status_code == 403


def test_a_registry_person_gets_an_account_on_first_use(client, units):
    client.post("/api/v1/registry/personnel/sync/", {"personnel": [person_row("87050031")]}, format="json")
    person = Person.objects.get(nrp="87050031")
    user = user_create(username="rina", password="x-pass-2026", roles=["learner"])
    assert person_for_user(user) is None

    person_account_attach(person=person, user=user)

    assert person_for_user(user) == person


# --- Big syncs: a long job (API.md: 202 with {id, status, progress}, followed at its own URL) ---


@pytest.fixture
def small_inline(monkeypatch):
    """Calls of more than 3 rows are big (the service's bound is thousands)."""
    from people import sync

    monkeypatch.setattr(sync, "INLINE_MAX_ROWS", 3)


def test_a_big_personnel_sync_answers_202_and_the_worker_runs_it(client, units, small_inline):
    rows = [person_row(f"8706000{i}") for i in range(5)]
    response = client.post("/api/v1/registry/personnel/sync/", {"personnel": rows}, format="json")

    assert response.status_code == 202, response.content
    job = response.json()
    assert (job["status"], job["progress"], job["total"], job["result"]) == ("queued", 0, 5, None)
    assert response["Location"] == f"/api/v1/registry/syncs/{job['id']}/"
    assert not Person.objects.filter(nrp__startswith="8706000").exists()  # not before the worker

    factories.deliver_events()
    done = client.get(response["Location"]).json()
    assert (done["status"], done["progress"], done["errors"]) == ("done", 100, [])
    assert done["result"] == {"created": 5, "updated": 0, "unchanged": 0}
    assert Person.objects.filter(nrp__startswith="8706000").count() == 5
    assert RegistrySync.objects.get(pk=job["id"]).rows == []  # the rows sent are not kept

    factories.deliver_events()  # the event again: a finished sync is left as it is
    assert client.get(response["Location"]).json() == done


def test_a_big_sync_with_wrong_rows_is_rejected_by_the_worker_and_nothing_is_applied(
    client, units, small_inline
):
    csv_body = "nrp,name,rank,unit_code,function,active\n" + "".join(
        f"8706010{i},Personel {i},Briptu,{'NOPE' if i == 2 else 'PMJ-JS-KEBA'},lantas,true\n"
        for i in range(4)
    )
    response = client.post("/api/v1/registry/personnel/sync/", csv_body, content_type="text/csv")
    assert response.status_code == 202, response.content

    factories.deliver_events()
    job = client.get(response["Location"]).json()
    assert (job["status"], job["progress"], job["result"]) == ("rejected", 100, None)
    assert [e["row"] for e in job["errors"]] == [3] and job["detail"]
    assert not Person.objects.filter(nrp__startswith="8706010").exists()


def test_a_big_unit_sync_is_a_job_too(client, small_inline):
    response = client.post("/api/v1/registry/units/sync/", {"units": UNITS}, format="json")
    assert response.status_code == 202 and response.json()["kind"] == "units"
    factories.deliver_events()
    assert client.get(response["Location"]).json()["result"]["created"] == len(UNITS)
    assert Unit.objects.get(code="PMJ-JS-KEBA").parent.code == "PMJ-JS"


def test_a_sync_job_is_seen_by_who_sent_it_and_staff(client, units, hr, staff, small_inline):
    rows = [person_row(f"8706020{i}") for i in range(4)]
    url = client.post("/api/v1/registry/personnel/sync/", {"personnel": rows}, format="json")["Location"]
    other_hr = factories.person(roles=("hr",), function="other")
    assert client_for(other_hr).get(url).status_code == 404
    assert client_for(staff).get(url).status_code == 200
    assert client.get("/api/v1/registry/syncs/999999/").status_code == 404


def test_too_many_rows_are_refused_at_once_and_nothing_is_queued(client, units, small_inline, monkeypatch):
    from people import sync

    monkeypatch.setattr(sync, "MAX_ROWS", 4)
    rows = [person_row(f"8706030{i}") for i in range(5)]
    response = client.post("/api/v1/registry/personnel/sync/", {"personnel": rows}, format="json")
    assert response.status_code == 400 and response.json()["code"] == "too_many_rows"
    assert not RegistrySync.objects.exists()
