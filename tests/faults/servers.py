"""Servers of the fault tests' own: a Redis and a PostgreSQL cluster on free ports in temporary
folders, that the tests may stop and start again without touching the shared servers, and the
processes of the service (gunicorn as the Procfile, Celery workers, beat) pointed at them."""

import contextlib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from glob import glob
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
QUEUES = "celery,grading,certificates,reports"  # config/celery_routes.py QUEUES


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


def wait_until(predicate: Callable[[], object], *, timeout: float, what: str, step: float = 0.1) -> object:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")


def tail(path: Path, chars: int = 3000) -> str:
    return path.read_text(errors="replace")[-chars:] if path.exists() else "(no log)"


def terminate(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM, then SIGKILL if it has not stopped within `timeout` seconds."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def redis_server_binary() -> str | None:
    return shutil.which("redis-server")


def postgres_bin_dir() -> Path | None:
    """The newest PostgreSQL server programs: Debian keeps them under /usr/lib/postgresql/N/bin."""
    found = sorted(glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).resolve().parent if initdb else None


class RedisServer:
    """`redis-server` on a free port, nothing saved: a restart comes back empty, as a broker
    that lost every message it held."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.port = free_port()
        self.log = folder / "redis.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        binary = redis_server_binary()
        assert binary, "redis-server not found"
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.folder)],
            stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(lambda: port_open(self.port), timeout=30, what=f"redis on {self.port}: {tail(self.log)}")

    def stop(self) -> None:
        if self.process:
            terminate(self.process)
        self.process = None


def _as_postgres() -> list[str]:
    """initdb and postgres refuse to run as root: run them as the `postgres` OS user."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser")
    assert runuser, "running as root needs runuser to start PostgreSQL as the postgres user"
    return [runuser, "-u", "postgres", "--"]


class PostgresCluster:
    """A PostgreSQL cluster of its own (initdb into a temporary folder, trust on the loopback),
    on a free port, stopped and started with pg_ctl."""

    def __init__(self, folder: Path):
        bin_dir = postgres_bin_dir()
        assert bin_dir, "initdb not found"
        self.bin = bin_dir
        self.folder = folder
        self.data = folder / "data"
        self.log = folder / "postgres.log"
        self.port = free_port()
        if os.geteuid() == 0:
            user = pwd.getpwnam("postgres")
            os.chown(folder, user.pw_uid, user.pw_gid)
            self.log.touch()
            os.chown(self.log, user.pw_uid, user.pw_gid)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, timeout: float = 120) -> None:
        subprocess.run(
            [*_as_postgres(), *args], check=True, timeout=timeout, capture_output=True, cwd=self.folder
        )

    def init(self) -> None:
        self._run(str(self.bin / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                  "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        with (self.data / "postgresql.conf").open("a") as conf:
            # A test cluster: nothing here has to survive a crash of the machine.
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = ''\n"
                "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n"
            )

    def start(self) -> None:
        self._run(
            str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._run(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def psql(self, sql: str, database: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(sql)  # type: ignore[arg-type]


class Service:
    """One process of the service (gunicorn, a worker, beat) in its own process group, so a
    SIGKILL takes it whole, as an out-of-memory kill or a lost container would."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], folder: Path):
        self.name = name
        self.log = folder / f"{name}.log"
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip

    def alive(self) -> bool:
        return self.process.poll() is None

    def wait_for_log(self, text: bytes, timeout: float = 90) -> None:
        def seen() -> bool:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {tail(self.log)}")
            return text in self.log.read_bytes()

        wait_until(seen, timeout=timeout, what=f"{self.name}: {text!r}")

    def kill(self) -> None:
        """SIGKILL to the whole group: the main process and its children, at once."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)  # children it may have left


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def gunicorn_command(port: int) -> list[str]:
    """As the Procfile's web: 2 workers of 4 threads."""
    return python("-m", "gunicorn", "config.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "2",
                  "--threads", "4", "--timeout", "60", "--access-logfile", "-")  # fmt: skip


def worker_command(name: str) -> list[str]:
    """A prefork worker of two processes on every queue, acks late (the settings)."""
    return python("-m", "celery", "-A", "config", "worker", "--pool", "prefork", "--concurrency", "2",
                  "--loglevel", "INFO", "-Q", QUEUES, "-n", f"{name}@%h",
                  "--without-gossip", "--without-mingle", "--without-heartbeat")  # fmt: skip


def beat_command(folder: Path) -> list[str]:
    return python("-m", "celery", "-A", "config", "beat", "--loglevel", "INFO",
                  "-s", str(folder / "celerybeat-schedule"))  # fmt: skip
