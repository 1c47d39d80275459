"""The request id: set by the web for each request (config.observability), put in the headers of
every task the request queues, and set again in the worker while that task runs; every log line
carries it. No Django models here: the Celery app imports this before Django is set up."""

import contextvars
import json
import logging
from typing import Any

from celery.signals import before_task_publish, setup_logging, task_postrun, task_prerun

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
HEADER = "request_id"


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id.get()
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, request id (and the traceback)."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", "-"),
        }
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


@before_task_publish.connect
def _carry_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is not None and HEADER not in headers:
        headers[HEADER] = request_id.get()


_task_tokens: dict[str, contextvars.Token[str]] = {}


@task_prerun.connect
def _task_request_id(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
    rid = getattr(getattr(task, "request", None), HEADER, None) or f"task-{task_id}"
    _task_tokens[task_id] = request_id.set(str(rid))


@task_postrun.connect
def _task_done(task_id: str = "", **kwargs: Any) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        request_id.reset(token)


@setup_logging.connect
def _django_logging(**kwargs: Any) -> None:
    """Workers log as the web does (Django's LOGGING: JSON with the request id)."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)
