"""Thin views: sign-in (JWT), token refresh, sign-out, password change, and the HR registry's sync."""

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenBlacklistView, TokenObtainPairView, TokenRefreshView

from people import services, sync
from people.models import RegistrySync
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


class SyncJobSerializer(serializers.ModelSerializer):
    """A big sync, run by the worker: `result` once done, `errors` (and `detail`) once rejected."""

    progress = serializers.IntegerField(help_text="0 until it has run (all or nothing), then 100")
    result = SyncResultSerializer(allow_null=True)
    errors = RowErrorSerializer(many=True)  # type: ignore[assignment]

    class Meta:
        model = RegistrySync
        fields = [
            "id", "kind", "status", "progress", "total", "result", "errors", "detail",
            "created_at", "started_at", "finished_at",
        ]  # fmt: skip


def _job_answer(job: RegistrySync) -> Response:
    url = reverse("registry-sync-detail", kwargs={"sync_id": job.pk})
    return Response(SyncJobSerializer(job).data, status=status.HTTP_202_ACCEPTED, headers={"Location": url})


class _SyncApi(APIView):
    permission_classes = [IsHR]
    parser_classes = [JSONParser, CSVParser]
    key: str
    kind: str

    def post(self, request: Request) -> Response:
        data = request.data
        rows = data.get("rows", data.get(self.key)) if isinstance(data, dict) else None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ParseError(f'Send {{"{self.key}": [{{...}}, ...]}} or text/csv with a header row.')
        if len(rows) > sync.INLINE_MAX_ROWS:  # a long job (API.md): 202, followed at its URL
            return _job_answer(sync.registry_sync_request(kind=self.kind, rows=rows, user=request.user))
        try:
            result = self.sync(rows=rows)
        except sync.SyncRejected as exc:
            body = {"detail": exc.message, "code": exc.code, "errors": [asdict(e) for e in exc.errors]}
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(result.as_dict())

    def sync(self, *, rows: list[dict]) -> sync.SyncResult:
        return sync.SYNC_OF_KIND[RegistrySync.Kind(self.kind)](rows=rows)


_SYNC_DOC = (
    "Idempotent upsert, all or nothing (up to 100,000 rows): JSON or text/csv with the columns {}. "
    f"Up to {sync.INLINE_MAX_ROWS:,} rows: 200 with the counts, or 400 with one error per wrong row "
    "and nothing applied. More: a long job, 202 with `{{id, status, progress}}` and its URL in "
    "Location (GET /api/v1/registry/syncs/{{id}}/), which the worker runs: `done` with `result`, or "
    "`rejected` with `errors` and nothing applied."
)
_SYNC_RESPONSES = {200: SyncResultSerializer, 202: SyncJobSerializer, 400: SyncErrorSerializer}


class UnitSyncApi(_SyncApi):
    key = "units"
    kind = RegistrySync.Kind.UNITS

    @extend_schema(
        description=_SYNC_DOC.format(", ".join(sync.UNIT_COLUMNS)),
        request={"application/json": dict, "text/csv": str},
        responses=_SYNC_RESPONSES,
    )
    def post(self, request: Request) -> Response:
        return super().post(request)


class PersonnelSyncApi(_SyncApi):
    key = "personnel"
    kind = RegistrySync.Kind.PERSONNEL

    @extend_schema(
        description=_SYNC_DOC.format(", ".join(sync.PERSONNEL_COLUMNS))
        + " A transfer is kept as history; active=false deactivates (never deletes).",
        request={"application/json": dict, "text/csv": str},
        responses=_SYNC_RESPONSES,
    )
    def post(self, request: Request) -> Response:
        return super().post(request)


class RegistrySyncDetailApi(APIView):
    """A big sync's state; HR see the syncs they sent, staff see all."""

    permission_classes = [IsHR]

    @extend_schema(responses=SyncJobSerializer)
    def get(self, request: Request, sync_id: int) -> Response:
        job = RegistrySync.objects.filter(pk=sync_id).first()
        if job is None or not (job.requested_by_id == request.user.pk or request.user.is_staff):
            raise NotFound("No such sync.")
        return Response(SyncJobSerializer(job).data)
