from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules


class EventsConfig(AppConfig):
    name = "events"

    def ready(self) -> None:
        # Every process (web, worker, beat) knows every handler before the first event.
        autodiscover_modules("handlers")
