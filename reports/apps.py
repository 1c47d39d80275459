from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"

    def ready(self) -> None:
        from reports import course_cache  # noqa: F401 (its receivers drop cached course pages)
