"""One place where domain errors become HTTP answers."""

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, renderers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import Conflict, NotAllowed, NotFoundError, ServiceError

# The most specific kind first: every kind is a ServiceError.
STATUS_OF_ERROR: list[tuple[type[ServiceError], int]] = [
    (Conflict, status.HTTP_409_CONFLICT),
    (NotAllowed, status.HTTP_403_FORBIDDEN),
    (NotFoundError, status.HTTP_404_NOT_FOUND),
    (ServiceError, status.HTTP_400_BAD_REQUEST),
]


def status_of(exc: ServiceError) -> int:
    return next(code for kind, code in STATUS_OF_ERROR if isinstance(exc, kind))


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceError):
        return Response({"detail": exc.message, "code": exc.code, **exc.extra}, status=status_of(exc))
    if isinstance(exc, ProtectedError | RestrictedError):
        return Response(
            {
                "detail": "This is still referred to (attempts or certificates) and cannot be deleted.",
                "code": "in_use",
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {"detail": "The request body is larger than this service accepts.", "code": "too_large"},
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    response = drf_exception_handler(exc, context)
    request = context.get("request")
    if (
        response is not None
        and request is not None
        and not isinstance(getattr(request, "accepted_renderer", None), renderers.JSONRenderer)
    ):
        # An error has no PDF or CSV to show: its body is JSON, whatever the client accepts.
        request.accepted_renderer = renderers.JSONRenderer()
        request.accepted_media_type = renderers.JSONRenderer.media_type
    if response is not None and isinstance(exc, exceptions.APIException):
        # DRF's own errors (401, 403, 404, 405, 429, 503...) say their code too, as ours do.
        data, code = response.data, exc.get_codes()
        if isinstance(data, dict) and set(data) == {"detail"} and isinstance(code, str):
            data["code"] = code
    return response
