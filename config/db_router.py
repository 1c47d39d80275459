"""A read replica for HR's reports (REPLICA_DATABASE_URL).

Reads go to the replica only where a request says so: `ReplicaReadsMiddleware` marks the GET
requests of HR's reports (`REPLICA_READ_PATHS`), including the streaming of their CSV, and the
router sends that request's reads to the `replica` alias. Writes, migrations and every other
read stay on `default`, so a learner never reads an answer older than their own write, and
without REPLICA_DATABASE_URL nothing changes."""

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from core.db import reading_from_replica, replica_reads

REPLICA = "replica"
# HR's read-only reports; not /hr/assignments/, which HR reads right after writing.
REPLICA_READ_PATHS = (
    "/api/v1/hr/compliance/",
    "/api/v1/hr/certificates/",
    "/api/v1/hr/personnel/",
)


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    def db_for_read(self, model: Any, **hints: Any) -> str | None:
        if reading_from_replica.get() and replica_configured():
            return REPLICA
        return None  # default

    def db_for_write(self, model: Any, **hints: Any) -> str | None:
        return None

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        return True  # the replica holds the same rows as default

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        return db != REPLICA  # the replica follows default by replication


def _streamed_from_replica(content: Iterable[bytes]) -> Iterator[bytes]:
    with replica_reads():
        yield from content


class ReplicaReadsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD") or not request.path.startswith(REPLICA_READ_PATHS):
            return self.get_response(request)
        with replica_reads():
            response = self.get_response(request)
        if response.streaming:  # a CSV of any size is read while it is sent
            response.streaming_content = _streamed_from_replica(response.streaming_content)  # type: ignore[attr-defined]
        return response
