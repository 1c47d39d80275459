from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from people.permissions import IsHR


class BareApi(APIView):
    """The framework's floor: DRF's request, a JSON response, and nothing else."""

    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = ()

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class BareHrApi(APIView):
    """The floor of HR's reports: the same authentication (a JWT) and role check, no query of
    its own, a small JSON response."""

    permission_classes = (IsHR,)

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


urlpatterns = [
    path("bench/bare/", BareApi.as_view()),
    path("bench/bare-hr/", BareHrApi.as_view()),
    path("", include("config.urls")),
]
