"""Where `grade` keeps what it remembers: everything lives under GRADE_HOME.

`GRADE_HOME` (an environment variable) names the folder; without it the
folder is `~/.grade`. Several courses or test runs can live side by side
on one machine by giving each its own `GRADE_HOME`. The folder holds
secrets (the simulated account's passwords and keys), so it and every file
in it are readable by their owner only.
"""

from __future__ import annotations

import os
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parent.parent
EXERCISES_DIR = COURSE_ROOT / "exercises"


def grade_home() -> Path:
    """The folder where `grade` keeps everything, created private if missing."""
    configured = os.environ.get("GRADE_HOME")
    home = Path(configured).expanduser() if configured else Path.home() / ".grade"
    return private_dir(home)


def private_dir(path: Path) -> Path:
    """Create `path` (and parents) if needed, readable by its owner only."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    path.chmod(0o700)
    return path


def sandbox_dir() -> Path:
    """The simulated account's folder: its identity, record and run state."""
    return private_dir(grade_home() / "sandbox")


def write_private(path: Path, data: str) -> None:
    """Write `data` to `path` atomically (temporary file, then rename), mode 0600."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)
