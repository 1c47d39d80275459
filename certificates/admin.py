from django.contrib import admin

from certificates.models import Certificate


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["code", "holder", "course", "issued_at", "expires_at", "status"]
    list_filter = ["status", "course"]
    search_fields = ["code", "holder__nrp", "holder__name"]
    raw_id_fields = ["holder", "course"]
    readonly_fields = ["code", "issued_at", "rendered_at"]
