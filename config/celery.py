import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import config.request_id  # noqa: F401  (request ids in tasks, logging)

app = Celery("lencana")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
