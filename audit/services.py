"""Writing the audit log. Call it in the transaction of the change it records, so the change
and its entry commit together or not at all."""

import json
from typing import Any

from django.db import transaction
from django.utils import timezone

from audit.models import AuditEntry

MAX_DATA_CHARS = 4000


def _bounded(data: dict[str, Any]) -> dict[str, Any]:
    """What was asked, as sent; a large body (question text, a long import) is kept as the list of
    its fields only, so the log stays small."""
    text = json.dumps(data, default=str)
    return data if len(text) <= MAX_DATA_CHARS else {"fields": sorted(data)}


def audit_record(
    *, actor: Any, action: str, target_type: str, target_id: Any = "", data: Any = None
) -> AuditEntry:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit_record needs the transaction of the change it records")
    is_user = getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        at=timezone.now(),
        actor=actor if is_user else None,
        actor_username=actor.get_username() if is_user else "",
        action=action,
        target_type=target_type,
        target_id="" if target_id is None else str(target_id),
        data=_bounded(dict(data)) if isinstance(data, dict) else {},
    )
