"""Thin views: sign-in (JWT), token refresh, sign-out, password change, and the HR registry's sync."""

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenBlacklistView, TokenObtainPairView, TokenRefreshView

from people import services, sync
from people.permissions import IsHR
from people.throttling import SIGN_IN_SCOPE, SIGN_IN_THROTTLES
from people.tokens import tokens_for


class _AuthThrottled:
    """Sign-in endpoints are throttled per client address and per username, against password
    guessing (the admin's and the pages' sign-in forms count the same way)."""

    throttle_scope = SIGN_IN_SCOPE
    throttle_classes: Sequence[type[BaseThrottle]] = SIGN_IN_THROTTLES


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


# --- The HR registry's sync -----------------------------------------------------------------


class CSVParser(BaseParser):
    """`text/csv` with a header row naming the columns; each line becomes one row (a dict)."""

    media_type = "text/csv"

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        try:
            text = io.StringIO(stream.read().decode("utf-8-sig"), newline="")
            return {"rows": list(csv.DictReader(text))}
        except (csv.Error, UnicodeDecodeError) as exc:
            raise ParseError(f"Not CSV: {exc}") from exc


class SyncResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    message = serializers.CharField()


SyncErrorSerializer = inline_serializer(
    "SyncErrors",
    fields={
        "detail": serializers.CharField(),
        "code": serializers.CharField(required=False),
        # One per wrong row; a body of the wrong shape gets `{detail, code}` alone.
        "errors": RowErrorSerializer(many=True, required=False),
    },
)


class _SyncApi(APIView):
    permission_classes = [IsHR]
    parser_classes = [JSONParser, CSVParser]
    key: str

    def post(self, request: Request) -> Response:
        data = request.data
        rows = data.get("rows", data.get(self.key)) if isinstance(data, dict) else None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ParseError(f'Send {{"{self.key}": [{{...}}, ...]}} or text/csv with a header row.')
        try:
            result = self.sync(rows=rows)
        except sync.SyncRejected as exc:
            body = {"detail": exc.message, "code": exc.code, "errors": [asdict(e) for e in exc.errors]}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(result.as_dict())

    def sync(self, *, rows: list[dict]) -> sync.SyncResult:
        raise NotImplementedError


_SYNC_DOC = (
    "Idempotent upsert, all or nothing (up to 100,000 rows): JSON or text/csv with the columns {}. "
    "400 with one error per wrong row and nothing applied."
)


class UnitSyncApi(_SyncApi):
    key = "units"

    @extend_schema(
        description=_SYNC_DOC.format(", ".join(sync.UNIT_COLUMNS)),
        request={"application/json": dict, "text/csv": str},
        responses={200: SyncResultSerializer, 400: SyncErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        return super().post(request)

    def sync(self, *, rows: list[dict]) -> sync.SyncResult:
        return sync.units_sync(rows=rows)


class PersonnelSyncApi(_SyncApi):
    key = "personnel"

    @extend_schema(
        description=_SYNC_DOC.format(", ".join(sync.PERSONNEL_COLUMNS))
        + " A transfer is kept as history; active=false deactivates (never deletes).",
        request={"application/json": dict, "text/csv": str},
        responses={200: SyncResultSerializer, 400: SyncErrorSerializer},
    )
    def post(self, request: Request) -> Response:
        return super().post(request)

    def sync(self, *, rows: list[dict]) -> sync.SyncResult:
        return sync.personnel_sync(rows=rows)
