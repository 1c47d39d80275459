"""Runtime files under var/ (development keys) made once, safely across processes."""

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


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
