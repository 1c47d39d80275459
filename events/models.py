from django.db import models
from django.db.models import Q


class Event(models.Model):
    """A piece of news, written in the same transaction as the change it reports."""

    type = models.CharField(max_length=64)
    data = models.JSONField()
    created_at = models.DateTimeField()
    # Set once every handler registered for the type has its delivery.
    done_at = models.DateTimeField(null=True, blank=True)
    # When the periodic relay pass may queue the missing deliveries again (backs off per pass).
    relay_after = models.DateTimeField()
    relays = models.PositiveIntegerField(default=0)
    # Set when the relay gives up (LENCANA_RELAY_MAX_TRIES passes without every delivery): the
    # event waits for a person to look at it and replay it from the admin; never pruned.
    failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["relay_after"],
                condition=Q(done_at__isnull=True, failed_at__isnull=True),
                name="event_undelivered",
            ),
            models.Index(fields=["done_at"], condition=Q(done_at__isnull=False), name="event_done"),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class Delivery(models.Model):
    """One handler has had one event; the unique pair makes every delivery happen once."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="deliveries")
    handler = models.CharField(max_length=200)
    delivered_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["event", "handler"], name="one_delivery_per_handler")]

    def __str__(self) -> str:
        return f"{self.handler} <- {self.event_id}"
