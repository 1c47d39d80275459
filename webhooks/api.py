"""Thin views: HR's webhook subscriptions, their delivery log, redelivery by hand."""

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.api import Audited
from core.api import BodyChecked
from people.permissions import IsHR
from webhooks import selectors, services
from webhooks.models import Subscription, WebhookDelivery


class SubscriptionInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    events = serializers.ListField(child=serializers.ChoiceField(services.WEBHOOK_EVENTS), min_length=1)


class SubscriptionPatchSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, required=False)
    events = serializers.ListField(
        child=serializers.ChoiceField(services.WEBHOOK_EVENTS), min_length=1, required=False
    )
    active = serializers.BooleanField(required=False)


class SubscriptionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Subscription
        fields = ["id", "url", "events", "active", "created_at"]


class SubscriptionCreatedSerializer(SubscriptionOutputSerializer):
    secret = serializers.CharField(help_text="Shown this once: keep it to check the signatures.")

    class Meta(SubscriptionOutputSerializer.Meta):
        fields = [*SubscriptionOutputSerializer.Meta.fields, "secret"]


class DeliveryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id", "event_id", "event_type", "status", "attempts", "next_attempt_at", "last_attempt_at",
            "last_status_code", "last_error", "delivered_at", "created_at", "payload",
        ]  # fmt: skip


def _subscription(subscription_id: int) -> Subscription:
    subscription = selectors.subscriptions().filter(pk=subscription_id).first()
    if subscription is None:
        raise NotFound("No such webhook.")
    return subscription


class WebhooksApi(Audited, BodyChecked, ListAPIView):
    """The subscriptions, paginated as API.md's lists are (`count`, `next`, `previous`,
    `results`); POST adds one and answers its secret, once."""

    audit_target = "webhook"

    permission_classes = [IsHR]
    serializer_class = SubscriptionOutputSerializer
    filter_backends: list = []

    def get_queryset(self) -> Any:
        return selectors.subscriptions()

    @extend_schema(request=SubscriptionInputSerializer, responses={201: SubscriptionCreatedSerializer})
    def post(self, request: Request) -> Response:
        data = SubscriptionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = services.subscription_create(created_by=request.user, **data.validated_data)  # type: ignore[arg-type]
        return Response(SubscriptionCreatedSerializer(subscription).data, status=201)


class WebhookDetailApi(Audited, BodyChecked, APIView):
    permission_classes = [IsHR]
    audit_target, audit_id_kwarg = "webhook", "subscription_id"

    @extend_schema(responses=SubscriptionOutputSerializer)
    def get(self, request: Request, subscription_id: int) -> Response:
        return Response(SubscriptionOutputSerializer(_subscription(subscription_id)).data)

    @extend_schema(request=SubscriptionPatchSerializer, responses=SubscriptionOutputSerializer)
    def patch(self, request: Request, subscription_id: int) -> Response:
        data = SubscriptionPatchSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        subscription = services.subscription_update(
            subscription=_subscription(subscription_id), **data.validated_data
        )
        return Response(SubscriptionOutputSerializer(subscription).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, subscription_id: int) -> Response:
        services.subscription_delete(subscription=_subscription(subscription_id))
        return Response(status=204)


class DeliveryCursor(CursorPagination):
    ordering = "-id"
    page_size = 50


class WebhookDeliveriesApi(ListAPIView):
    """The delivery log of one webhook, newest first."""

    permission_classes = [IsHR]
    serializer_class = DeliveryOutputSerializer
    pagination_class = DeliveryCursor

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI document's look at the view
            return WebhookDelivery.objects.none()
        return selectors.deliveries_of(subscription=_subscription(self.kwargs["subscription_id"]))


class WebhookRedeliverApi(BodyChecked, APIView):
    permission_classes = [IsHR]

    @extend_schema(request=None, responses=DeliveryOutputSerializer)
    def post(self, request: Request, subscription_id: int, delivery_id: int) -> Response:
        delivery = (
            selectors.deliveries_of(subscription=_subscription(subscription_id))
            .filter(pk=delivery_id)
            .first()
        )
        if delivery is None:
            raise NotFound("No such delivery.")
        return Response(DeliveryOutputSerializer(services.delivery_redeliver(delivery=delivery)).data)
