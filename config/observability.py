"""Seeing it run: a request id in every log line (carried into the tasks a request queues, as a
Celery header), JSON logs, readiness, Prometheus metrics, and 503 instead of a traceback when the
database or Redis is away."""

import logging
import re
import time
import uuid
from collections.abc import Callable

from celery import current_app
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse

from config.request_id import request_id
from config.views import error_response
from events import selectors as event_selectors

logger = logging.getLogger(__name__)

_VALID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
RETRY_AFTER_SECONDS = 5


def _is_unavailable(exc: BaseException) -> bool:
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    # Redis (the cache, the broker) away: its own ConnectionError/TimeoutError.
    return (type(exc).__module__.startswith(("redis", "kombu")) and "Connection" in type(exc).__name__) or (
        type(exc).__module__.startswith("redis") and "Timeout" in type(exc).__name__
    )


class RequestIdMiddleware:
    """Names each request (the client's X-Request-ID when it is a plain token, else a new one),
    answers with it, and turns a database or Redis outage into 503 with Retry-After."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        token = request_id.set(given if _VALID.match(given) else uuid.uuid4().hex)
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id.get()
            return response
        finally:
            request_id.reset(token)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not _is_unavailable(exception):
            return None
        logger.warning("unavailable: %s: %s", type(exception).__name__, exception)
        if isinstance(exception, DatabaseError):
            connection.close_if_unusable_or_obsolete()
        response = error_response(
            request,
            status=503,
            code="unavailable",
            detail="The service is unavailable for a moment; try again.",
        )
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response


def readyz(request: HttpRequest) -> JsonResponse:
    """Ready when the database answers and the broker takes a connection; 503 otherwise."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = type(exc).__name__
    try:
        with current_app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=2)
        checks["broker"] = "ok"
    except Exception as exc:
        checks["broker"] = type(exc).__name__
    ok = all(v == "ok" for v in checks.values())
    response = JsonResponse({"status": "ok" if ok else "unavailable", **checks}, status=200 if ok else 503)
    if not ok:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _queue_depths() -> dict[str, int]:
    url = settings.CELERY_BROKER_URL
    if not url.startswith(("redis://", "rediss://")):
        return {}
    import redis

    from config.celery_routes import QUEUES

    client = redis.Redis.from_url(url, socket_timeout=2)
    try:
        return {q: int(client.llen(q)) for q in QUEUES} | {"unacked": int(client.hlen("unacked"))}
    finally:
        client.close()


def metrics(request: HttpRequest) -> HttpResponse:
    """Prometheus text: queue depth per Celery queue, and the outbox's lag (undelivered events,
    the age of the oldest one: how far the workers are behind). Loopback only unless
    LENCANA_METRICS_TOKEN is set and given as a Bearer token."""
    token = getattr(settings, "LENCANA_METRICS_TOKEN", "")
    given = request.headers.get("Authorization", "")
    if not (given == f"Bearer {token}" if token else request.META.get("REMOTE_ADDR") in {"127.0.0.1", "::1"}):
        return error_response(request, status=403, code="forbidden", detail="Metrics are not public.")
    lines = []
    try:
        depths = _queue_depths()
    except Exception:
        depths = {}
        lines += ["# broker unreachable", "lencana_broker_up 0"]
    else:
        lines.append("lencana_broker_up 1")
    lines += [
        "# HELP lencana_queue_depth Messages waiting in a Celery queue.",
        "# TYPE lencana_queue_depth gauge",
    ]
    lines += [f'lencana_queue_depth{{queue="{q}"}} {n}' for q, n in depths.items()]
    lag = event_selectors.outbox_lag(now_ts=time.time())
    lines += [
        "# HELP lencana_outbox_undelivered Events not yet delivered to every handler.",
        "# TYPE lencana_outbox_undelivered gauge",
        f"lencana_outbox_undelivered {lag.undelivered}",
        "# HELP lencana_outbox_failed Events the relay gave up on (replay them from the admin).",
        "# TYPE lencana_outbox_failed gauge",
        f"lencana_outbox_failed {lag.failed}",
        "# HELP lencana_task_lag_seconds Age of the oldest undelivered event.",
        "# TYPE lencana_task_lag_seconds gauge",
        f"lencana_task_lag_seconds {lag.oldest_seconds:.3f}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; version=0.0.4")
