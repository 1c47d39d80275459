"""Domain errors: a rule of the domain said no. They carry a stable `code` for clients and know
nothing of HTTP; `config.exceptions` maps each kind to a status."""

from typing import Any


class ServiceError(Exception):
    """Bad input for the operation (the API answers 400)."""

    def __init__(self, message: str, *, code: str, extra: dict[str, Any] | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        # More for the client beside `detail` and `code` (e.g. when to try again).
        self.extra = extra or {}


class Conflict(ServiceError):
    """The input is well formed but the state does not allow it now (409)."""


class NotAllowed(ServiceError):
    """The person may not do this (403)."""


class NotFoundError(ServiceError):
    """What was named does not exist, or is not the requester's to see (404)."""
