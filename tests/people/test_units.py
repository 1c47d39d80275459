import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client
from django.urls import reverse

from people.models import Unit
from people.selectors import units_subtree
from people.services import unit_create, unit_update
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser(username="root", password="root-pass-2026"))
    return client


def post_unit(client: Client, url: str, *, name: str, level: str, parent: Unit | None):
    data = {"name": name, "level": level, "parent": parent.pk if parent else "", "_save": "Save"}
    return client.post(url, data)


def test_a_unit_added_in_the_admin_gets_its_path(admin_client):
    _, polres, _ = factories.unit_chain()

    response = post_unit(
        admin_client, reverse("admin:people_unit_add"), name="Polsek Setiabudi", level="polsek", parent=polres
    )

    assert response.status_code == 302, response.content
    unit = Unit.objects.get(name="Polsek Setiabudi")
    assert unit.path == f"{polres.path}{unit.pk}/"
    assert set(units_subtree(unit=unit)) == {unit}


def test_a_root_unit_added_in_the_admin_gets_its_path(admin_client):
    response = post_unit(
        admin_client, reverse("admin:people_unit_add"), name="Polda Jawa Barat", level="polda", parent=None
    )

    assert response.status_code == 302, response.content
    unit = Unit.objects.get(name="Polda Jawa Barat")
    assert unit.path == f"{unit.pk}/"


def test_moving_a_unit_in_the_admin_rewrites_its_subtree(admin_client):
    polda, polres, polsek = factories.unit_chain()
    jabar = unit_create(name="Polda Jawa Barat", level=Unit.Level.POLDA)
    url = reverse("admin:people_unit_change", args=[polres.pk])

    response = post_unit(admin_client, url, name=polres.name, level=polres.level, parent=jabar)

    assert response.status_code == 302, response.content
    polres.refresh_from_db()
    polsek.refresh_from_db()
    assert polres.path == f"{jabar.path}{polres.pk}/"
    assert polsek.path == f"{polres.path}{polsek.pk}/"
    assert set(units_subtree(unit=jabar)) == {jabar, polres, polsek}
    assert set(units_subtree(unit=polda)) == {polda}


def test_moving_a_unit_rewrites_the_paths_of_its_whole_subtree():
    polda, polres, polsek = factories.unit_chain()
    pos = unit_create(name="Pos Lantas Blok M", level=Unit.Level.POLSEK, parent=polsek)
    jabar = unit_create(name="Polda Jawa Barat", level=Unit.Level.POLDA)

    unit_update(unit_id=polres.pk, name=polres.name, level=polres.level, parent=jabar)

    paths = dict(Unit.objects.values_list("pk", "path"))
    assert paths[polres.pk] == f"{jabar.pk}/{polres.pk}/"
    assert paths[polsek.pk] == f"{jabar.pk}/{polres.pk}/{polsek.pk}/"
    assert paths[pos.pk] == f"{jabar.pk}/{polres.pk}/{polsek.pk}/{pos.pk}/"
    assert paths[polda.pk] == f"{polda.pk}/"


def test_a_unit_cannot_move_under_itself_or_its_own_subtree(admin_client):
    polda, _, polsek = factories.unit_chain()
    url = reverse("admin:people_unit_change", args=[polda.pk])

    for parent in (polda, polsek):
        response = post_unit(admin_client, url, name=polda.name, level=polda.level, parent=parent)
        assert response.status_code == 200 and response.context["adminform"].form.errors["parent"]

    polda.refresh_from_db()
    assert polda.parent is None and polda.path == f"{polda.pk}/"


def test_the_service_refuses_to_move_a_unit_under_its_own_subtree():
    polda, _, polsek = factories.unit_chain()

    with pytest.raises(ValidationError):
        unit_update(unit_id=polda.pk, name=polda.name, level=polda.level, parent=polsek)

    assert dict(Unit.objects.values_list("pk", "path"))[polda.pk] == f"{polda.pk}/"


def test_the_database_rejects_an_empty_unit_path():
    with pytest.raises(IntegrityError):
        Unit.objects.create(name="Polsek Tanpa Jalur", level=Unit.Level.POLSEK, path="")


def test_the_migration_gives_units_written_with_an_empty_path_their_path(transactional_db):
    executor = MigrationExecutor(connection)
    before, latest = [("people", "0001_initial")], executor.loader.graph.leaf_nodes("people")
    executor.migrate(before)
    OldUnit = executor.loader.project_state(before).apps.get_model("people", "Unit")
    try:
        root = OldUnit.objects.create(name="Polda Bali", level="polda", path="")
        child = OldUnit.objects.create(name="Polres Badung", level="polres", parent=root, path="")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)

    paths = dict(Unit.objects.values_list("pk", "path"))
    assert paths == {root.pk: f"{root.pk}/", child.pk: f"{root.pk}/{child.pk}/"}


def test_a_subtree_by_path_range_is_the_units_under_the_path_and_no_sibling_sharing_its_digits():
    """`path__within` (the subtree as a byte range the path index reads, given a path or a
    subquery of one) and unit_subtree_ids: "1/4/" holds "1/4/7/" but not "1/45/"."""
    from django.db.models import Subquery

    from people.selectors import unit_subtree_ids

    paths = {"A": "91/", "B": "91/4/", "C": "91/4/7/", "D": "91/45/", "E": "914/"}
    units = {}
    for code, path in paths.items():
        unit = unit_create(name=f"Unit {code}", level=Unit.Level.SATUAN, code=f"WITHIN-{code}")
        Unit.objects.filter(pk=unit.pk).update(path=path)
        units[code] = unit

    def codes(**lookup) -> set[str]:
        return {
            c.removeprefix("WITHIN-") for c in Unit.objects.filter(**lookup).values_list("code", flat=True)
        }

    assert codes(path__within="91/4/") == {"B", "C"}
    assert codes(path__within="91/") == {"A", "B", "C", "D"}
    top = Unit.objects.filter(code="WITHIN-B").values("path")
    assert codes(path__within=Subquery(top)) == {"B", "C"}
    assert set(unit_subtree_ids(key="WITHIN-B")) == {units["B"].pk, units["C"].pk}
    assert set(unit_subtree_ids(key=str(units["A"].pk))) == {units[c].pk for c in "ABCD"}
    assert unit_subtree_ids(key="WITHIN-none") == []
