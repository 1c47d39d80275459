from pathlib import Path

from django.conf import settings


def test_every_filesystem_broker_folder_is_under_var():
    options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
    for name in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        assert Path(options[name]).is_relative_to(settings.VAR_DIR), name
