from django.db.models import QuerySet

from audit.models import AuditEntry


def audit_entries(*, target_type: str | None = None, target_id: object = None) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if target_type:
        entries = entries.filter(target_type=target_type)
    if target_id is not None:
        entries = entries.filter(target_id=str(target_id))
    return entries
