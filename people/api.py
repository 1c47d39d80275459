"""Thin views: sign-in (JWT)."""

from collections.abc import Sequence

from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView


class _AuthThrottled:
    """Sign-in endpoints are throttled per client, against password guessing."""

    throttle_classes: Sequence[type[BaseThrottle]] = [ScopedRateThrottle]
    throttle_scope = "auth"


class TokenApi(_AuthThrottled, TokenObtainPairView):
    pass


class TokenRefreshApi(_AuthThrottled, TokenRefreshView):
    pass
