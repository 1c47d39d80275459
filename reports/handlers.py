"""What the reports app does with news of lower apps (and of its own)."""

from events import registry, types
from events.models import Event
from reports import services


@registry.handler(types.EXPORT_REQUESTED, atomic=False)
def build_requested_export(event: Event) -> None:
    # Outside any transaction: it reads many rows and writes a file; building again is harmless.
    services.export_build(export_id=event.data["export_id"])
