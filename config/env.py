"""Small, typed readers for environment variables, and for files made once under var/."""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def file_made_once(path: Path, make: Callable[[], str]) -> str:
    """The text of `path`, written by `make()` the first time (mode 0600). Processes starting
    together end up with the same text: the file is written aside and linked into place, so it
    appears whole or not at all, and the first link wins."""
    if not path.exists():
        fd, aside = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as f:
                f.write(make())
            os.link(aside, path)
        except FileExistsError:
            pass  # another process made it first
        finally:
            os.unlink(aside)
    return path.read_text().strip()
