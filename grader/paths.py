"""Where `grade` keeps what it remembers: everything lives under GRADE_HOME.

`GRADE_HOME` (an environment variable) names the folder; without it the
folder is `~/.grade`. Several courses or test runs can live side by side
on one machine by giving each its own `GRADE_HOME`. The folder holds
secrets (the simulated account's passwords and keys), so it and every
folder and file `grade` creates in it are readable by their owner only:
folders 0700 (each level `grade` creates, not only the last), files 0600.
"""

from __future__ import annotations

import os
from pathlib import Path

from grader.errors import GradeError

COURSE_ROOT = Path(__file__).resolve().parent.parent
EXERCISES_DIR = COURSE_ROOT / "exercises"
ERRORS_LOG = "grade-errors.log"


def exercises_dir() -> Path:
    """The folder of the exercise folders `grade` reads: `GRADE_EXERCISES` when set (a
    course author trying exercises outside the course's own folder), else `exercises/`."""
    configured = os.environ.get("GRADE_EXERCISES")
    return Path(configured).expanduser().resolve() if configured else EXERCISES_DIR


def grade_home() -> Path:
    """The folder where `grade` keeps everything, created private if missing."""
    configured = os.environ.get("GRADE_HOME")
    home = Path(configured).expanduser() if configured else Path.home() / ".grade"
    return private_dir(home)


def private_dir(path: Path) -> Path:
    """Create `path` (and its missing parents, each 0700) if needed; `path` itself is
    made 0700. GradeError naming the folder when it cannot be (a file is in the way,
    no permission, a read-only disk)."""
    try:
        missing: list[Path] = []
        level = path
        while not level.is_dir():
            missing.append(level)
            if level.parent == level:
                break
            level = level.parent
        for folder in reversed(missing):
            try:
                os.mkdir(folder, 0o700)
            except FileExistsError:
                if not folder.is_dir():
                    raise
            else:
                os.chmod(folder, 0o700)  # whatever the umask
        os.chmod(path, 0o700)
    except OSError as error:
        raise _folder_error(path, error) from None
    return path


def _folder_error(path: Path, error: OSError) -> GradeError:
    where = Path(error.filename) if error.filename else path
    if isinstance(error, FileExistsError | NotADirectoryError):
        reason = f"{where} is a file, not a folder"
    elif isinstance(error, PermissionError):
        reason = f"{where} cannot be written to or made private (permission denied)"
    else:
        reason = f"{where} cannot be used ({error.strerror or type(error).__name__})"
    configured = os.environ.get("GRADE_HOME")
    home = Path(configured).expanduser() if configured else Path.home() / ".grade"
    if home in where.parents and isinstance(error, FileExistsError | NotADirectoryError):
        fix = f"Move {where} out of the way: grade needs a folder there."
    elif configured:
        fix = f"Set GRADE_HOME (now {configured}) to a folder of yours that grade may write to."
    else:
        fix = "Set GRADE_HOME to a folder of yours that grade may write to (~/.grade cannot be)."
    return GradeError(f"grade keeps its files in {path}, but {reason}.", fix)


def sandbox_dir() -> Path:
    """The simulated account's folder: its identity, record and run state."""
    return private_dir(grade_home() / "sandbox")


def write_private(path: Path, data: str | bytes) -> None:
    """Write `data` to `path` atomically (temporary file, then rename), mode 0600."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def append_private(path: Path, text: str) -> None:
    """Append `text` to `path`, creating it 0600 (and making an existing one 0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        os.fchmod(handle.fileno(), 0o600)
        handle.write(text)
