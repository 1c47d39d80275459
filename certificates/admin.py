from django.contrib import admin

from certificates.models import Certificate, IssuerKey, StatusList


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["code", "holder", "course", "issued_at", "expires_at", "status"]
    list_filter = ["status", "course"]
    search_fields = ["code", "holder__nrp", "holder__name"]
    raw_id_fields = ["holder", "course"]
    readonly_fields = [
        "code",
        "issued_at",
        "rendered_at",
        "status_list",
        "status_index",
        "revocation_category",
    ]


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
