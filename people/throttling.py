"""Throttles of the API, counted in the cache (Redis in production).

One class for every scope: a view names its `throttle_scope` (settings' DEFAULT_THROTTLE_RATES
give the rate), and the count is per user, or per client address when signed out. The client
address is REMOTE_ADDR unless NUM_PROXIES says how many proxies of our own append to
X-Forwarded-For, so a client cannot name a new address per request."""

import logging
from typing import Any

from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.throttling import ScopedRateThrottle

logger = logging.getLogger(__name__)


class ThrottleUnavailable(APIException):
    status_code = 503
    default_detail = "Signing in is unavailable for a moment; try again shortly."
    default_code = "throttle_unavailable"
    wait = 5  # DRF's exception handler turns it into Retry-After


class ScopedThrottle(ScopedRateThrottle):
    """When the cache cannot be reached, a throttle lets the request through (a saved answer or
    a submit must not fail because a counter is away), except for the scopes in `FAIL_CLOSED`:
    the sign-in throttle is all that stands between a guesser and the passwords, so without its
    counter sign-in answers 503 for the moment."""

    FAIL_CLOSED = frozenset({"auth"})

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            return super().allow_request(request, view)
        except Exception:  # the cache backend's own errors (redis.ConnectionError, timeouts...)
            scope = getattr(view, "throttle_scope", None)
            logger.exception("throttle %s: the cache cannot be reached", scope)
            if scope in self.FAIL_CLOSED:
                raise ThrottleUnavailable() from None
            return True
