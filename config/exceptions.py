"""One place where domain errors become HTTP answers."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import ProtectedError, RestrictedError
from rest_framework import exceptions, status
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
        return Response({"detail": exc.message, "code": exc.code}, status=status_of(exc))
    if isinstance(exc, ProtectedError | RestrictedError):
        return Response(
            {
                "detail": "This is still referred to (attempts or certificates) and cannot be deleted.",
                "code": "in_use",
            },
            status=status.HTTP_409_CONFLICT,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            detail=exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    return drf_exception_handler(exc, context)
