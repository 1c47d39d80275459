from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "people"
    verbose_name = "Personnel"

    def ready(self) -> None:
        # Every process (web, worker, admin commands) drops a cached token user it saves.
        from people import tokens  # noqa: F401
