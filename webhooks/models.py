"""HR systems' subscriptions to Lencana's news, and the log of every delivery."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class Subscription(models.Model):
    url = models.URLField(max_length=500)
    events = models.JSONField(default=list)  # event types (webhooks.services.WEBHOOK_EVENTS)
    # The HMAC-SHA256 key of the signatures: shown once, when the subscription is made.
    secret = models.CharField(max_length=100, editable=False)
    active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.url} ({', '.join(self.events)})"


class WebhookDelivery(models.Model):
    """One event for one subscription. The body is fixed when the row is made, so a retry or a
    redelivery by hand sends the same bytes (signed anew with the time of sending)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        DELIVERED = "delivered", "Delivered"
        FAILED = "failed", "Failed"

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="deliveries")
    # Not a foreign key: events are pruned after their retention, the log is kept.
    event_id = models.BigIntegerField()
    event_type = models.CharField(max_length=64)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event_id"], name="one_webhook_delivery_per_event"
            )
        ]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="webhook_due"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} #{self.event_id} -> {self.subscription_id} ({self.status})"
