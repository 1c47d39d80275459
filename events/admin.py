from django.contrib import admin

from events.models import Delivery, Event


class DeliveryInline(admin.TabularInline):
    model = Delivery
    extra = 0
    readonly_fields = ["handler", "delivered_at"]
    can_delete = False


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    list_display = ["id", "type", "created_at", "done_at", "relays"]
    list_filter = ["type"]
    readonly_fields = ["type", "data", "created_at", "done_at", "relay_after", "relays"]
    inlines = [DeliveryInline]
