from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from people import services
from people.models import Person, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent", "path"]
    search_fields = ["name", "code"]
    readonly_fields = ["path"]

    def save_model(self, request: HttpRequest, obj: Unit, form: Any, change: bool) -> None:
        # Through the services, which keep the paths of the unit and its subtree right.
        if change:
            unit = services.unit_update(
                unit_id=obj.pk, name=obj.name, level=obj.level, parent=obj.parent, code=obj.code or None
            )
        else:
            unit = services.unit_create(
                name=obj.name, level=obj.level, parent=obj.parent, code=obj.code or None
            )
        obj.pk = unit.pk
        obj.refresh_from_db()


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["nrp", "name", "rank", "unit", "function", "active"]
    list_filter = ["function", "rank", "active"]
    search_fields = ["nrp", "name"]
    raw_id_fields = ["user", "unit"]
