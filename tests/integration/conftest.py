"""A real Celery worker process against the real broker and the test database."""

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection

from config.celery_routes import QUEUES
from tests.faults.servers import terminate

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    s = connection.settings_dict
    if s["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"


def worker_command(module: str = "celery", loglevel: str = "INFO") -> list[str]:
    """A one-process Celery worker; `module` may wrap Celery (see slow_worker)."""
    return [
        sys.executable, "-m", module, "-A", "config", "worker", "--pool", "solo", "--loglevel", loglevel,
        "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"w{time.time_ns()}@%h",
        "-Q", ",".join(QUEUES),  # every queue (config/celery_routes.py)
    ]  # fmt: skip


class Worker:
    def __init__(self, log: Path, marker_dir: Path, slow: bool):
        self.log = log
        env = {**os.environ, "DATABASE_URL": test_database_url(), "LENCANA_TEST_MARKERS": str(marker_dir)}
        module = "tests.integration.slow_worker" if slow else "celery"
        self.process = subprocess.Popen(
            worker_command(module),
            cwd=ROOT,
            env=env,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if b" ready." in self.log.read_bytes():
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"worker exited: {self.log.read_text()[-3000:]}")
            time.sleep(0.1)
        raise TimeoutError(f"worker not ready: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        terminate(self.process)


@pytest.fixture
def start_worker(transactional_db, tmp_path) -> Iterator[Callable[..., Worker]]:
    workers: list[Worker] = []

    def start(*, slow: bool = False) -> Worker:
        # Each worker waits for the previous ones' log lines to not confuse readiness.
        worker = Worker(tmp_path / f"worker-{len(workers)}.log", tmp_path, slow)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def wait_for(predicate: Callable[[], object], *, timeout: float = 60, what: str = "condition") -> object:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise TimeoutError(f"timed out waiting for {what}")
