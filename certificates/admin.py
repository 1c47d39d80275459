from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from certificates import services
from certificates.models import Certificate, IssuerKey, StatusList


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Read-only but for revocation, which goes through the service: it reopens the holder's
    cycle and records `certificate.revoked`, as the API does."""

    list_display = ["code", "holder", "course", "issued_at", "expires_at", "status"]
    list_filter = ["status", "course"]
    search_fields = ["code", "holder__nrp", "holder__name"]
    readonly_fields = fields = (
        "code", "holder", "course", "enrolment", "issued_at", "expires_at", "status", "revoked_at",
        "revocation_reason", "revocation_category", "rendered_at", "status_list", "status_index",
    )  # fmt: skip
    actions = ["revoke"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Certificate | None = None) -> bool:
        return False

    @admin.action(description="Revoke (reason: 'Revoked by staff in the admin')")
    def revoke(self, request: HttpRequest, queryset: QuerySet[Certificate]) -> None:
        for certificate in queryset:
            services.certificate_revoke(certificate=certificate, reason="Revoked by staff in the admin")
        self.message_user(request, f"{queryset.count()} revoked.", messages.SUCCESS)


@admin.register(StatusList)
class StatusListAdmin(admin.ModelAdmin):
    """Read-only: bits change only through revocation (certificates.services)."""

    list_display = ["pk", "purpose", "allocated", "version", "signed_version", "signed_at"]
    readonly_fields = fields = (
        "purpose",
        "allocated",
        "version",
        "changed_at",
        "signed_version",
        "signed_at",
    )

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(IssuerKey)
class IssuerKeyAdmin(admin.ModelAdmin):
    """Read-only, never the secret: keys are added by `manage.py signing_key_rotate`."""

    list_display = ["kid", "active_from", "public_key_multibase", "created_at"]
    readonly_fields = fields = ("kid", "active_from", "public_key_multibase", "created_at")

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # an old key must stay published
