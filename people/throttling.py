"""Throttles of the API, counted in the cache (Redis in production).

One class for every scope: a view names its `throttle_scope` (settings' DEFAULT_THROTTLE_RATES
give the rate), and the count is per user, or per client address when signed out. The client
address is REMOTE_ADDR unless NUM_PROXIES says how many proxies of our own append to
X-Forwarded-For, so a client cannot name a new address per request."""

import logging
import time
from typing import Any

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
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
    window_end: float | None = None

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            scope = getattr(view, "throttle_scope", None)
            backend = caches["default"]
            if isinstance(backend, RedisCache) and scope and scope not in self.FAIL_CLOSED:
                return self._counted(backend, request, view)
            return super().allow_request(request, view)
        except Exception:  # the cache backend's own errors (redis.ConnectionError, timeouts...)
            scope = getattr(view, "throttle_scope", None)
            logger.exception("throttle %s: the cache cannot be reached", scope)
            if scope in self.FAIL_CLOSED:
                raise ThrottleUnavailable() from None
            return True

    def _counted(self, backend: RedisCache, request: Request, view: Any) -> bool:
        """A counter per window of the rate's duration, in one Redis round trip (create the
        window's key if new, add one), where DRF's history list costs two (read the list,
        write it back) and grows with the rate. A window lets at most twice the rate through
        across its edge; sign-in, the scope that guards passwords, keeps DRF's sliding history."""
        self.scope = view.throttle_scope
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        ident = self.get_cache_key(request, view)
        if ident is None or self.num_requests is None or self.duration is None:
            return True
        window = int(time.time() // self.duration)
        key = backend.make_key(f"{ident}:{window}")
        pipeline = backend._cache.get_client(key, write=True).pipeline(transaction=False)
        pipeline.set(key, 0, ex=self.duration, nx=True)
        pipeline.incr(key)
        _, count = pipeline.execute()
        self.window_end = (window + 1) * self.duration
        return int(count) <= self.num_requests

    def wait(self) -> float | None:
        if self.window_end is not None:
            return max(0.0, self.window_end - time.time())
        return super().wait()
