from django.contrib import admin

from people.models import Person, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "parent", "path"]
    search_fields = ["name"]


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ["nrp", "name", "rank", "unit", "function"]
    list_filter = ["function", "rank"]
    search_fields = ["nrp", "name"]
    raw_id_fields = ["user", "unit"]
