"""Who listens to which event. Handlers register at import (each app's `handlers.py`, loaded by
EventsConfig.ready), so every process knows the same handlers."""

from collections.abc import Callable
from dataclasses import dataclass

from events import types
from events.models import Event

HandlerFn = Callable[[Event], None]
BatchFn = Callable[[list[Event]], None]


@dataclass(frozen=True)
class Handler:
    name: str
    event_type: str
    fn: HandlerFn
    # True: the handler runs in the transaction that records its delivery, so its writes and
    # the delivery commit together. False: it does work outside any transaction (rendering,
    # a network call) and must be idempotent; the delivery is recorded after it returns.
    atomic: bool
    # Set for a handler that takes many events at once (`batch_handler`): a delivery then takes
    # the other events of its type still waiting for it too, all in one transaction.
    batch: BatchFn | None = None
    # False for a sweep: nothing is queued for it when the event is recorded, because the work
    # is usually done another way (which then records the delivery); the relay's periodic pass
    # delivers it to the handler when still missing after `relay_after`.
    queued: bool = True


_by_type: dict[str, list[Handler]] = {}
_by_name: dict[str, Handler] = {}


def handler(event_type: str, *, atomic: bool = True, queued: bool = True) -> Callable[[HandlerFn], HandlerFn]:
    if event_type not in types.ALL:
        raise ValueError(f"unknown event type {event_type!r}")

    def register(fn: HandlerFn) -> HandlerFn:
        name = f"{fn.__module__}.{fn.__qualname__}"
        if name not in _by_name:
            entry = Handler(name=name, event_type=event_type, fn=fn, atomic=atomic, queued=queued)
            _by_name[name] = entry
            _by_type.setdefault(event_type, []).append(entry)
        return fn

    return register


def batch_handler(
    event_type: str, *, atomic: bool = True, queued: bool = True
) -> Callable[[BatchFn], BatchFn]:
    """A handler of many events at once (a list, in the order they were recorded); `atomic` and
    `queued` as for `handler` (not atomic: idempotent, it may see an event again)."""
    if event_type not in types.ALL:
        raise ValueError(f"unknown event type {event_type!r}")

    def register(fn: BatchFn) -> BatchFn:
        name = f"{fn.__module__}.{fn.__qualname__}"
        if name not in _by_name:
            entry = Handler(
                name=name,
                event_type=event_type,
                fn=lambda e: fn([e]),
                atomic=atomic,
                batch=fn,
                queued=queued,
            )
            _by_name[name] = entry
            _by_type.setdefault(event_type, []).append(entry)
        return fn

    return register


def handlers_for(event_type: str) -> list[Handler]:
    return list(_by_type.get(event_type, []))


def get(name: str) -> Handler | None:
    return _by_name.get(name)
