import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_every_filesystem_broker_folder_is_under_var():
    # In a process of its own with the filesystem broker, whatever broker this run uses.
    loaded = settings_of_a_new_process(
        ["CELERY_BROKER_TRANSPORT_OPTIONS", "VAR_DIR"], REDIS_URL=None, CELERY_BROKER_URL=None
    )
    options = ast.literal_eval(loaded["CELERY_BROKER_TRANSPORT_OPTIONS"])
    for name in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
        assert Path(options[name]).is_relative_to(loaded["VAR_DIR"]), name


def settings_of_a_new_process(names: list[str], **environ: str | None) -> dict[str, str]:
    """Settings as another process (web, worker, beat) would load them from its environment;
    an environment value of None removes the variable."""
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings"}
    for name, value in environ.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    code = (
        "import json, sys\nfrom django.conf import settings\n"
        "print(json.dumps({n: str(getattr(settings, n)) for n in sys.argv[1:]}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, *names], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


@pytest.mark.parametrize("port", ["8100", "8200"])
def test_a_worker_or_beat_port_does_not_change_the_public_base_url(port):
    loaded = settings_of_a_new_process(["PUBLIC_BASE_URL"], PORT=port, PUBLIC_BASE_URL=None)

    assert loaded["PUBLIC_BASE_URL"] == "http://localhost:8000"


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_run_gives_every_process_the_web_url(tmp_path):
    # Stand-ins for .venv/bin: python does nothing, honcho records what its processes inherit.
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "python").write_text("#!/bin/sh\nexit 0\n")
    (fake_bin / "honcho").write_text(f'#!/bin/sh\nprintf "%s" "$PUBLIC_BASE_URL" > {tmp_path}/url\n')
    for script in fake_bin.iterdir():
        script.chmod(0o755)
    stamp = tmp_path / "installed"
    stamp.touch()
    env = {k: v for k, v in os.environ.items() if k not in {"PUBLIC_BASE_URL", "PORT", "MAKEFLAGS"}}

    result = subprocess.run(
        ["make", "--no-print-directory", "run", f"BIN={fake_bin}", f"STAMP={stamp}", "PORT=9000"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert (tmp_path / "url").read_text() == "http://localhost:9000"


def test_debug_without_a_secret_key_uses_one_made_once_under_var(tmp_path):
    def secret_key(var_dir: Path) -> str:
        return settings_of_a_new_process(
            ["SECRET_KEY"], DJANGO_DEBUG="1", DJANGO_SECRET_KEY=None, LENCANA_VAR_DIR=str(var_dir)
        )["SECRET_KEY"]

    first, second = secret_key(tmp_path / "a"), secret_key(tmp_path / "a")

    assert first == second == (tmp_path / "a" / "secret-key.txt").read_text().strip()
    assert len(first) >= 50
    assert (tmp_path / "a" / "secret-key.txt").stat().st_mode & 0o077 == 0
    assert secret_key(tmp_path / "b") != first


def test_settings_hold_no_constant_secret_key():
    assert "insecure-development-key" not in (ROOT / "config" / "settings.py").read_text()
