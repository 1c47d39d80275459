"""The fault tests' own servers (tests/faults/servers.py) and the service running on them.

Session: one PostgreSQL cluster and one Redis of their own, and a template database migrated and
seeded once (FLOOD learners with an attempt each, answers saved). Each test gets a copy of the
template, an empty Redis, gunicorn and beat; it starts (and kills) its workers itself. Whatever
happens, every process is stopped and the folders removed."""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import Any

import psycopg
import pytest
import redis
import requests

from tests.faults.servers import (
    ROOT,
    PostgresCluster,
    RedisServer,
    Service,
    beat_command,
    free_port,
    gunicorn_command,
    postgres_bin_dir,
    python,
    redis_server_binary,
    tail,
    wait_until,
    worker_command,
)

FLOOD = int(os.environ.get("LENCANA_FAULTS_FLOOD", "1000"))
# The outage tests' floods: a third submitted before the outage, a third during, a third after.
OUTAGE_FLOOD = min(FLOOD, int(os.environ.get("LENCANA_FAULTS_OUTAGE_FLOOD", "150")))
TEMPLATE = "lencana_faults_template"
_databases = count(1)

# Production settings (debug off: JSON logs, JSON 500s), the relay's production delay (an event
# not done 60 s after it was recorded is queued again; a shorter one floods the queues with copies
# while a backlog drains) with a pass every 5 s, JCS-signed credentials so 1,000 certificates fit.
SETTINGS = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "faults-only-not-a-secret-0123456789abcdefghijklmnopqrstuvwxyz",
    "LENCANA_SIGNING_KEY": "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "JWT_ACCESS_MINUTES": "240",
    "LOG_FORMAT": "json",
    "LENCANA_RELAY_AFTER_SECONDS": "60",
    "LENCANA_SWEEP_INTERVAL_SECONDS": "5",
    "LENCANA_CREDENTIAL_CRYPTOSUITE": "eddsa-jcs-2022",
    "CONN_MAX_AGE": "60",
}
# What the suite's own run may have set, which must not leak into the service under test.
NOT_INHERITED = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "REPLICA_DATABASE_URL", "PORT")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "faults: kills workers, restarts its own Redis and PostgreSQL (tests/faults)"
    )
    config.addinivalue_line("markers", "slow: takes a minute or more")


def service_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    return {**env, **SETTINGS, **extra}


@dataclass
class Servers:
    folder: Path
    postgres: PostgresCluster
    redis: RedisServer
    learners: list[dict[str, Any]]


@pytest.fixture(scope="session")
def fault_servers() -> Iterator[Servers]:
    if not redis_server_binary():
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    if not postgres_bin_dir():
        pytest.skip("PostgreSQL's initdb is not installed (apt-get install postgresql)")
    # Under /tmp, not pytest's 0700 folder: the postgres OS user must reach it.
    folder = Path(tempfile.mkdtemp(prefix="lencana-faults-"))
    # A CI run's end or a Ctrl-C elsewhere sends SIGTERM: as an interrupt, so pytest tears the
    # fixtures down and no server of ours outlives the run.
    previous = signal.signal(signal.SIGTERM, _interrupted)
    postgres = PostgresCluster(folder)
    own_redis = RedisServer(folder)
    try:
        postgres.init()
        postgres.start()
        own_redis.start()
        postgres.psql(f"CREATE DATABASE {TEMPLATE}")
        seeded = folder / "seed.json"
        started = time.monotonic()
        env = service_env(
            DATABASE_URL=postgres.url(TEMPLATE),
            CELERY_BROKER_URL="memory://",
            LENCANA_VAR_DIR=str(folder / "var"),
        )
        result = subprocess.run(
            python("-m", "tests.faults.seed", str(seeded), str(FLOOD)),
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
        )  # fmt: skip
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        print(f"\nfaults: template of {FLOOD} learners made in {time.monotonic() - started:.1f} s")
        yield Servers(folder, postgres, own_redis, json.loads(seeded.read_text())["learners"])
    finally:
        own_redis.stop()
        try:
            postgres.stop(mode="immediate")
        finally:
            shutil.rmtree(folder, ignore_errors=True)
            signal.signal(signal.SIGTERM, previous)


def _interrupted(signum: int, frame: object) -> None:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: let the teardown finish
    raise KeyboardInterrupt(f"signal {signum}")


@dataclass
class Stack:
    """The service on the fault servers: one database copied from the template, gunicorn and
    beat; workers are started (and killed) by the test."""

    servers: Servers
    database: str
    folder: Path
    env: dict[str, str]
    web_port: int
    services: list[Service] = field(default_factory=list)
    _workers: count = field(default_factory=lambda: count(1))

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def start(self, name: str, command: list[str]) -> Service:
        service = Service(name, command, self.env, self.folder)
        self.services.append(service)
        return service

    def start_worker(self) -> Service:
        worker = self.start(f"worker-{next(self._workers)}", worker_command(f"faults{time.time_ns()}"))
        worker.wait_for_log(b" ready.")
        return worker

    def query(self, sql: str, *params: Any) -> list[tuple]:
        with psycopg.connect(self.servers.postgres.url(self.database), connect_timeout=5) as conn:
            return conn.execute(sql, params).fetchall()  # type: ignore[arg-type]

    def scalar(self, sql: str, *params: Any) -> Any:
        return self.query(sql, *params)[0][0]

    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.servers.redis.url, socket_timeout=5)

    # --- what the tests count --------------------------------------------------------------
    def graded(self) -> int:
        return int(self.scalar("SELECT count(*) FROM quizzes_attempt WHERE status = 'graded'"))

    def rendered(self) -> int:
        return int(self.scalar("SELECT count(*) FROM certificates_certificate WHERE rendered_at IS NOT NULL"))

    def exactly_once(self) -> dict[str, int]:
        """What a lost or doubled piece of work would leave behind."""
        q = self.scalar
        return {
            "submitted, not graded": q("SELECT count(*) FROM quizzes_attempt WHERE status = 'submitted'"),
            "graded twice": q(
                "SELECT count(*) FROM (SELECT data->>'attempt_id' FROM events_event"
                " WHERE type = 'attempt.graded' GROUP BY 1 HAVING count(*) > 1) d"
            ),
            "duplicate certificates": q(
                "SELECT count(*) FROM (SELECT holder_id FROM certificates_certificate"
                " GROUP BY holder_id, course_id HAVING count(*) > 1) d"
            ),
            "certificates issued twice": q(
                "SELECT count(*) FROM (SELECT data->>'certificate_id' FROM events_event"
                " WHERE type = 'certificate.issued' GROUP BY 1 HAVING count(*) > 1) d"
            ),
            "passes without a certificate": q(
                "SELECT count(*) FROM quizzes_attempt a WHERE a.passed AND NOT EXISTS"
                " (SELECT 1 FROM certificates_certificate c WHERE c.holder_id = a.person_id)"
            ),
            "certificates not rendered": q(
                "SELECT count(*) FROM certificates_certificate WHERE rendered_at IS NULL"
            ),
        }

    # --- HTTP --------------------------------------------------------------------------------
    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return requests.request(method, f"{self.base}{path}", timeout=60, **kwargs)

    def submit(self, learner: dict[str, Any]) -> requests.Response:
        return requests.post(
            f"{self.base}/api/v1/attempts/{learner['attempt']}/submit/",
            headers={"Authorization": f"Bearer {learner['token']}"},
            json={},
            timeout=60,
        )

    def submit_all(self, learners: list[dict[str, Any]], threads: int = 8) -> list[requests.Response]:
        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(self.submit, learners))


@pytest.fixture
def stack(fault_servers: Servers) -> Iterator[Stack]:
    servers = fault_servers
    database = f"lencana_faults_{next(_databases)}"
    folder = servers.folder / database
    folder.mkdir()
    if servers.postgres.data.joinpath("postmaster.pid").exists() is False:
        servers.postgres.start()
    servers.postgres.psql(f"CREATE DATABASE {database} TEMPLATE {TEMPLATE}")
    if servers.redis.process is None:
        servers.redis.start()
    redis.Redis.from_url(servers.redis.url).flushall()
    web_port = free_port()
    env = service_env(
        DATABASE_URL=servers.postgres.url(database),
        REDIS_URL=servers.redis.url,
        LENCANA_VAR_DIR=str(folder / "var"),
        PUBLIC_BASE_URL=f"http://127.0.0.1:{web_port}",
    )
    the_stack = Stack(servers, database, folder, env, web_port)
    try:
        web = the_stack.start("web", gunicorn_command(web_port))
        wait_until(
            lambda: _answers(f"{the_stack.base}/healthz/"), timeout=90, what=f"gunicorn: {tail(web.log)}"
        )
        the_stack.start("beat", beat_command(folder))
        yield the_stack
    finally:
        for service in the_stack.services:
            service.stop()
        if servers.redis.process is None:
            servers.redis.start()
        if not servers.postgres.data.joinpath("postmaster.pid").exists():
            servers.postgres.start()
        servers.postgres.psql(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False
