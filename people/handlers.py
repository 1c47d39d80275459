"""What the people app does with news: the big registry syncs sent to the worker."""

from events import registry, types
from events.models import Event
from people import sync


@registry.handler(types.REGISTRY_SYNC_REQUESTED, atomic=False)
def run_requested_sync(event: Event) -> None:
    # Outside an outer transaction: the sync is its own (all or nothing), then its result is kept.
    sync.registry_sync_run(sync_id=event.data["sync_id"])
