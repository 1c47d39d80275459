from django.urls import path

from webhooks import api

urlpatterns = [
    path("hr/webhooks/", api.WebhooksApi.as_view(), name="hr-webhooks"),
    path("hr/webhooks/<int:subscription_id>/", api.WebhookDetailApi.as_view(), name="hr-webhook"),
    path(
        "hr/webhooks/<int:subscription_id>/deliveries/",
        api.WebhookDeliveriesApi.as_view(),
        name="hr-webhook-deliveries",
    ),
    path(
        "hr/webhooks/<int:subscription_id>/deliveries/<int:delivery_id>/redeliver/",
        api.WebhookRedeliverApi.as_view(),
        name="hr-webhook-redeliver",
    ),
]
