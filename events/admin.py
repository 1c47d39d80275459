from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from events.models import Delivery, Event
from events.services import event_replay


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    readonly_fields = ["handler", "delivered_at"]
    can_delete = False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "created_at", "done_at", "relays", "failed_at"]
    list_filter = ["type", ("done_at", admin.EmptyFieldListFilter), ("failed_at", admin.EmptyFieldListFilter)]
    readonly_fields = ["type", "data", "created_at", "done_at", "relay_after", "relays", "failed_at"]
    inlines = [DeliveryInline]
    actions = ["replay"]

    @admin.action(description="Replay: let the relay send the missing deliveries again")
    def replay(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        for event in queryset:
            event_replay(event=event)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
