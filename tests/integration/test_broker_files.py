"""The filesystem broker keeps every file under var/, none in the folder it runs from."""

from pathlib import Path

import pytest
from django.conf import settings

from config.celery import app
from tests.integration.conftest import ROOT, wait_for

pytestmark = [pytest.mark.integration]


def snapshot(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir()} if folder.is_dir() else {}


@pytest.mark.skipif(
    not settings.CELERY_BROKER_URL.startswith("filesystem://"), reason="filesystem broker only"
)
def test_a_worker_and_a_broadcast_write_no_control_folder_at_the_repository_root(start_worker):
    before = snapshot(ROOT / "control")

    start_worker()
    replies = wait_for(lambda: app.control.ping(timeout=1), timeout=30, what="a ping reply")

    assert replies
    assert snapshot(ROOT / "control") == before
    control = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["control_folder"])
    assert control.is_relative_to(settings.VAR_DIR)
    assert (control / "celery.pidbox.exchange").is_file()
