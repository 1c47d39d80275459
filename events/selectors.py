"""Reads of the outbox."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Min, Q

from events.models import Event


@dataclass(frozen=True)
class OutboxLag:
    undelivered: int
    failed: int
    oldest_seconds: float


def outbox_lag(*, now_ts: float) -> OutboxLag:
    """One query on the partial index of undelivered events."""
    row = Event.objects.filter(done_at__isnull=True).aggregate(
        undelivered=Count("id", filter=Q(failed_at__isnull=True)),
        failed=Count("id", filter=Q(failed_at__isnull=False)),
        oldest=Min("created_at", filter=Q(failed_at__isnull=True)),
    )
    oldest = row["oldest"]
    age = max(0.0, now_ts - oldest.timestamp()) if isinstance(oldest, datetime) else 0.0
    return OutboxLag(undelivered=row["undelivered"], failed=row["failed"], oldest_seconds=age)
