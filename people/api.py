"""Thin views: sign-in (JWT), token refresh, sign-out and password change."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenBlacklistView, TokenObtainPairView, TokenRefreshView

from people import services
from people.tokens import tokens_for


class _AuthThrottled:
    """Sign-in endpoints are throttled per client, against password guessing."""

    throttle_scope = "auth"


class TokenApi(_AuthThrottled, TokenObtainPairView):
    pass


class TokenRefreshApi(_AuthThrottled, TokenRefreshView):
    """A new access token and a new refresh token; the refresh token given is used up."""


class SignOutApi(_AuthThrottled, TokenBlacklistView):
    """Ends the session of a refresh token: it can no longer be refreshed (its access token
    ends with its short lifetime)."""

    @extend_schema(responses={204: None})
    def post(self, request: Request, *args: object, **kwargs: object) -> Response:
        super().post(request, *args, **kwargs)  # blacklists it, or raises (401 for a bad token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeApi(_AuthThrottled, APIView):
    """Every token issued before is refused from now on; the answer is a new pair."""

    permission_classes = [IsAuthenticated]

    class PasswordChangeInputSerializer(serializers.Serializer):
        old_password = serializers.CharField(max_length=200)
        new_password = serializers.CharField(max_length=200)

    class TokenPairOutputSerializer(serializers.Serializer):
        access = serializers.CharField()
        refresh = serializers.CharField()

    @extend_schema(request=PasswordChangeInputSerializer, responses=TokenPairOutputSerializer)
    def post(self, request: Request) -> Response:
        serializer = self.PasswordChangeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_password_change(user=request.user, **serializer.validated_data)  # type: ignore[arg-type]
        return Response(tokens_for(user))
