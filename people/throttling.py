"""Throttles of the API, counted in the cache (Redis in production).

One class for every scope: a view names its `throttle_scope` (settings' DEFAULT_THROTTLE_RATES
give the rate), and the count is per user, or per client address when signed out. The client
address is REMOTE_ADDR unless NUM_PROXIES says how many proxies of our own append to
X-Forwarded-For, so a client cannot name a new address per request."""

import functools
import hashlib
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, cast

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.utils.html import escape
from django.utils.translation import gettext
from rest_framework.exceptions import APIException
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle

if TYPE_CHECKING:
    from rest_framework.views import APIView

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


SIGN_IN_SCOPE = "auth"


def _sign_in_username(request: Request) -> str:
    try:
        data = request.data
    except Exception:  # an unreadable body: the view refuses it; there is no username to count
        return ""
    value = data.get("username") if isinstance(data, Mapping) else None
    return value.strip().lower() if isinstance(value, str) else ""


class UsernameThrottle(ScopedThrottle):
    """The sign-in scope counted per username as well as per client address: a guesser who
    spreads over many addresses still meets one account's limit. Requests naming no username
    (a refresh, a sign-out) are not counted here."""

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        username = _sign_in_username(request)
        if not username:
            return None
        ident = hashlib.sha256(username.encode()).hexdigest()[:32]
        return self.cache_format % {"scope": f"{self.scope}-username", "ident": ident}


SIGN_IN_THROTTLES: Sequence[type[BaseThrottle]] = (ScopedThrottle, UsernameThrottle)


def sign_in_throttled(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A Django sign-in form's view (the admin's, the pages') under the API sign-in's throttles
    and rates: a POST over the limit per client address or per username answers 429 with
    Retry-After, and 503 while the throttle's counter is away (as the API does)."""

    @functools.wraps(view)
    def throttled(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method == "POST":
            drf_request = Request(request, parsers=[FormParser(), MultiPartParser()])
            # What the throttles read of a view: its scope (an APIView here would import DRF's
            # views, which import this module through the settings).
            form = cast("APIView", SimpleNamespace(throttle_scope=SIGN_IN_SCOPE))
            try:
                waits = [
                    throttle.wait() or 0
                    for throttle in (cls() for cls in SIGN_IN_THROTTLES)
                    if not throttle.allow_request(drf_request, form)
                ]
            except ThrottleUnavailable as exc:
                return _refused(str(exc.detail), status=exc.status_code, wait=exc.wait)
            if waits:
                return _refused(
                    gettext("Too many sign-in attempts. Try again in %(seconds)s seconds.")
                    % {"seconds": math.ceil(max(waits))},
                    status=429,
                    wait=max(waits),
                )
        return view(request, *args, **kwargs)

    return throttled


def _refused(message: str, *, status: int, wait: float) -> HttpResponse:
    response = HttpResponse(f"<!doctype html><title>{status}</title><p>{escape(message)}</p>", status=status)
    response["Retry-After"] = str(math.ceil(wait))
    return response
