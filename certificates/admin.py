from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from certificates import services
from certificates.models import Certificate


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Read-only but for revocation, which goes through the service: it reopens the holder's
    cycle and records `certificate.revoked`, as the API does."""

    list_display = ["code", "holder", "course", "issued_at", "expires_at", "status"]
    list_filter = ["status", "course"]
    search_fields = ["code", "holder__nrp", "holder__name"]
    readonly_fields = fields = (
        "code", "holder", "course", "enrolment", "issued_at", "expires_at", "status", "revoked_at",
        "revocation_reason", "rendered_at",
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
