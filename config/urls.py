"""The composition root: each app's own urls.py, under /api/v1/ for the API."""

from django.contrib import admin
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from certificates.urls import page_urlpatterns as certificate_pages
from config.observability import metrics, readyz
from pages.urls import account_urlpatterns as account_pages
from people.throttling import sign_in_throttled

handler400 = "config.views.bad_request"
handler404 = "config.views.page_not_found"
handler500 = "config.views.server_error"


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


api_v1 = [
    path("", include("people.urls")),
    path("", include("courses.urls")),
    path("", include("quizzes.urls")),
    path("", include("certificates.urls")),
    path("", include("reports.urls")),
    path("", include("webhooks.urls")),
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("", include(certificate_pages)),
    path("healthz/", healthz, name="healthz"),
    path("readyz/", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    # The admin's sign-in under the API sign-in's throttles (per address and per username).
    path("admin/login/", sign_in_throttled(admin.site.login)),
    path("admin/", admin.site.urls),
    # Pages: session sign-in (Django's auth views), the language switch (set_language), the pages.
    path("accounts/", include(account_pages)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("pages.urls")),
]
