"""Which queue each task goes to, so a flood of one kind never starves the others.

An event's delivery (`events.tasks.deliver_event_task(event_id, handler_name)`, or
`deliver_events_task(event_ids, handler_name)` for many) carries every
app's handlers: it is routed by the handler's app, so grading, issuing certificates and the
HR side (compliance counters, webhooks) each have their own queue. Everything else (the relay,
pruning, the deadline sweep) stays on the default queue `celery`."""

from typing import Any

DEFAULT_QUEUE = "celery"
QUEUE_OF_APP = {
    "quizzes": "grading",
    "certificates": "certificates",
    "reports": "reports",
    "webhooks": "reports",
}
QUEUES = (DEFAULT_QUEUE, "grading", "certificates", "reports")
DELIVER_TASK = "events.tasks.deliver_event_task"
DELIVER_MANY_TASK = "events.tasks.deliver_events_task"


def route_task(name: str, args: Any, kwargs: Any, options: Any, task: Any = None, **kw: Any) -> dict | None:
    if name == DELIVER_TASK:
        handler = (args[1] if args and len(args) > 1 else (kwargs or {}).get("handler_name")) or ""
        app = str(handler).split(".", 1)[0]
    elif name == DELIVER_MANY_TASK:  # the handlers of one message share their queue
        names = (args[1] if args and len(args) > 1 else (kwargs or {}).get("handler_names")) or [""]
        app = str(names[0]).split(".", 1)[0]
    elif name.endswith("sweep_attempts_task"):
        return None  # a periodic pass: with the relay, on the default queue
    else:
        app = name.split(".", 1)[0]
    queue = QUEUE_OF_APP.get(app)
    return {"queue": queue} if queue else None
