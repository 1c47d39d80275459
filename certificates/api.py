"""Thin views: certificates for holders, public verification, HR reports."""

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import http_date, parse_http_date_safe
from drf_spectacular.utils import extend_schema
from rest_framework import renderers, serializers
from rest_framework.exceptions import APIException, NotFound
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audit.api import Audited
from certificates import keys, selectors, services
from certificates.models import Certificate, RevocationCategory, StatusList
from people.models import Person
from people.permissions import IsHR, is_hr_or_staff
from people.selectors import person_for_user


class PersonSummarySerializer(serializers.ModelSerializer):
    unit = serializers.CharField(source="unit.name")

    class Meta:
        model = Person
        fields = ["nrp", "name", "rank", "unit", "function"]


class CertificateOutputSerializer(serializers.ModelSerializer):
    course = serializers.SerializerMethodField()
    holder = PersonSummarySerializer()
    status = serializers.CharField(source="current_status")
    verify_url = serializers.SerializerMethodField()

    class Meta:
        model = Certificate
        fields = ["id", "code", "course", "holder", "issued_at", "expires_at", "status", "verify_url"]

    def get_course(self, c: Certificate) -> dict[str, Any]:
        return {"id": c.course_id, "title": c.course.title, "title_en": c.course.title_en}

    def get_verify_url(self, c: Certificate) -> str:
        return services.verify_url(c.code)


def _certificate_for(request: Request, certificate_id: int, *fields: str) -> Certificate:
    """The holder, HR and staff may see a certificate; to anyone else it does not exist."""
    certificate = selectors.certificate_for_download(certificate_id=certificate_id, fields=fields)
    if certificate is None or not (
        (certificate.holder.user_id is not None and certificate.holder.user_id == request.user.pk)
        or is_hr_or_staff(request.user)
    ):
        raise NotFound("No such certificate.")
    return certificate


class CertificateDetailApi(APIView):
    @extend_schema(responses=CertificateOutputSerializer)
    def get(self, request: Request, certificate_id: int) -> Response:
        return Response(CertificateOutputSerializer(_certificate_for(request, certificate_id)).data)


class _NotReady(APIException):
    status_code = 409
    default_detail = "The certificate is still being prepared; try again in a moment."
    default_code = "not_ready"


class PdfRenderer(renderers.BaseRenderer):
    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> bytes:
        return bytes(data)


class CertificatePdfApi(APIView):
    # The only representation is the PDF, so `*/*` and a browser's Accept get it too.
    renderer_classes = [PdfRenderer]
    error_statuses = (409,)  # not rendered yet (the OpenAPI document)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    def get(self, request: Request, certificate_id: int) -> Response:
        certificate = _certificate_for(request, certificate_id, "pdf")
        if not certificate.pdf:
            raise _NotReady()
        return Response(
            bytes(certificate.pdf),
            headers={"Content-Disposition": f'inline; filename="{certificate.code}.pdf"'},
        )

    def finalize_response(self, request: Request, response: Response, *args: Any, **kwargs: Any) -> Response:
        if getattr(response, "exception", False):
            # An error has no PDF to show: its body is JSON, whatever the client accepts.
            request.accepted_renderer = renderers.JSONRenderer()
            request.accepted_media_type = renderers.JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)


class CertificateCredentialApi(APIView):
    error_statuses = (409,)

    @extend_schema(responses={200: dict})
    def get(self, request: Request, certificate_id: int) -> Response:
        certificate = _certificate_for(request, certificate_id, "credential")
        if not certificate.credential:
            raise _NotReady()
        return Response(certificate.credential)


class CertificateRevokeApi(Audited, APIView):
    """Staff and HR revoke a certificate (e.g. issued on wrong data); its status bit flips in the
    same transaction, and verification then says revoked with the reason's category."""

    audit_target, audit_action = "certificate", "revoke"

    permission_classes = [IsHR]

    class RevokeInputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500)
        category = serializers.ChoiceField(
            choices=RevocationCategory.choices, default=RevocationCategory.OTHER
        )

    @extend_schema(request=RevokeInputSerializer, responses=CertificateOutputSerializer)
    def post(self, request: Request, certificate_id: int) -> Response:
        serializer = self.RevokeInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        certificate = _certificate_for(request, certificate_id)
        services.certificate_revoke(
            certificate=certificate,
            reason=serializer.validated_data["reason"],
            category=serializer.validated_data["category"],
        )
        return Response(CertificateOutputSerializer(_certificate_for(request, certificate_id)).data)


class MyCertificatesApi(ListAPIView):
    serializer_class = CertificateOutputSerializer

    def get_queryset(self):  # type: ignore[no-untyped-def]
        return selectors.certificates_of_person(person=person_for_user(self.request.user))


class VerifyOutputSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.CharField()
    holder = serializers.DictField()
    course = serializers.DictField()
    issued_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField(allow_null=True)
    revocation = serializers.DictField(allow_null=True)


def _public_view(row: Mapping[str, Any]) -> dict[str, Any]:
    """What anyone holding the code may learn (`selectors.certificate_public`): no NRP, no unit,
    and of a revocation only its category and date (the reason's words stay inside)."""
    revocation = None
    if row["status"] == Certificate.Status.REVOKED:
        category = row["revocation_category"] or RevocationCategory.OTHER
        revocation = {
            "category": category,
            "category_label": RevocationCategory(category).label,
            "revoked_at": row["revoked_at"],
        }
    return {
        "revocation": revocation,
        "code": row["code"],
        "status": Certificate.status_as_of(row["status"], row["expires_at"], timezone.now()),
        "holder": {"name": row["holder_name"], "rank": row["holder_rank"]},
        "course": {"id": row["course_id"], "title": row["course_title"], "title_en": row["course_title_en"]},
        "issued_at": row["issued_at"],
        "expires_at": row["expires_at"],
    }


class _Public(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list = []
    throttle_scope = "verify"


class VerifyApi(_Public):
    @extend_schema(responses=VerifyOutputSerializer)
    def get(self, request: Request, code: str) -> Response:
        certificate = selectors.certificate_public(code=code)
        if certificate is None:
            raise NotFound("No certificate has this code.")
        return Response(VerifyOutputSerializer(_public_view(certificate)).data)


class IssuerApi(_Public):
    """The issuer profile with the public key that verifies its credentials."""

    @extend_schema(responses={200: dict})
    def get(self, request: Request) -> Response:
        return Response(keys.issuer_profile())


class DidDocumentApi(_Public):
    """The issuer's did:web document: every key it signs or signed with, as Multikey."""

    throttle_classes: list = []

    @extend_schema(responses={(200, "application/did+json"): dict})
    def get(self, request: Request) -> Response:
        return Response(keys.did_document(), content_type="application/did+json")


class StatusListApi(_Public):
    """A signed Bitstring Status List credential. Signed once per change of a bit, served with
    an ETag and Last-Modified so verifiers and proxies revalidate cheaply."""

    throttle_classes: list = []  # every verifier of every credential fetches it; it is cached

    @extend_schema(responses={200: dict, 304: None})
    def get(self, request: Request, list_id: int) -> Response | HttpResponse:
        try:
            status_list = services.status_list_signed(list_id=list_id)
        except StatusList.DoesNotExist as exc:
            raise NotFound("No such status list.") from exc
        etag = f'"sl{status_list.pk}v{status_list.signed_version}"'
        assert status_list.signed_at is not None
        last_modified = http_date(status_list.signed_at.timestamp())
        headers = {
            "ETag": etag,
            "Last-Modified": last_modified,
            "Cache-Control": f"public, max-age={settings.LENCANA_STATUS_LIST_TTL_SECONDS}",
        }
        if _not_modified(request, etag=etag, modified=status_list.signed_at):
            response = HttpResponse(status=304)
            for name, value in headers.items():
                response[name] = value
            return response
        return Response(status_list.credential, headers=headers, content_type="application/vc+ld+json")


def _not_modified(request: Request, *, etag: str, modified: datetime) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return etag in {tag.strip() for tag in if_none_match.split(",")} or if_none_match.strip() == "*"
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    return since is not None and int(modified.timestamp()) <= since


def verify_page(request: Any, code: str) -> HttpResponse:
    certificate = selectors.certificate_public(code=code)
    context = {"certificate": _public_view(certificate) if certificate else None, "code": code}
    return render(request, "certificates/verify.html", context, status=200 if certificate else 404)
