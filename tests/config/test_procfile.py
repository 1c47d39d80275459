"""The Procfile's commands as the shell honcho starts them with would run them."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def argv_of(process: str, **environ: str) -> list[str]:
    lines = (ROOT / "Procfile").read_text().splitlines()
    command = next(line.split(":", 1)[1] for line in lines if line.startswith(f"{process}:"))
    result = subprocess.run(
        ["sh", "-c", f'set -- {command}; printf "%s\\n" "$@"'],
        env={"PATH": os.environ["PATH"], **environ},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.splitlines()


def option(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def test_the_web_binds_localhost_unless_told_otherwise():
    assert option(argv_of("web", PORT="8000"), "--bind") == "127.0.0.1:8000"
    assert option(argv_of("web", PORT="8000", BIND="192.0.2.10"), "--bind") == "192.0.2.10:8000"


def test_the_web_keeps_gunicorns_control_socket_under_var():
    assert option(argv_of("web", PORT="8000"), "--control-socket") == "var/gunicorn.ctl"
    elsewhere = argv_of("web", PORT="8000", LENCANA_VAR_DIR="/srv/lencana/var")
    assert option(elsewhere, "--control-socket") == "/srv/lencana/var/gunicorn.ctl"


def test_gunicorn_accepts_the_web_command():
    argv = argv_of("web", PORT="8000")
    result = subprocess.run(
        [argv[0], "--check-config", *argv[1:]], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
