"""Rebuild every unit's materialised path from the parent links, so units written with an
empty path (the admin wrote them so) get theirs before 0003 forbids an empty path."""

from collections import defaultdict

from django.db import migrations


def rebuild_paths(apps, schema_editor):
    Unit = apps.get_model("people", "Unit")
    children = defaultdict(list)
    for pk, parent_id in Unit.objects.values_list("pk", "parent_id"):
        children[parent_id].append(pk)
    reached = set()
    stack = [(pk, f"{pk}/") for pk in children[None]]
    while stack:
        pk, path = stack.pop()
        Unit.objects.filter(pk=pk).update(path=path)
        reached.add(pk)
        stack.extend((child, f"{path}{child}/") for child in children[pk])
    if unreached := sorted(pk for pks in children.values() for pk in pks if pk not in reached):
        raise RuntimeError(f"Units {unreached} are their own ancestors; give them a valid parent first.")


class Migration(migrations.Migration):

    dependencies = [
        ("people", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(rebuild_paths, migrations.RunPython.noop),
    ]
