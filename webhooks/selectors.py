from django.db.models import QuerySet

from webhooks.models import Subscription, WebhookDelivery


def subscriptions() -> QuerySet[Subscription]:
    return Subscription.objects.order_by("id")


def deliveries_of(*, subscription: Subscription) -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.filter(subscription=subscription).order_by("-id")
