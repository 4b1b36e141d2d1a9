"""Gradings waiting to be sent to the instructor's server: `GRADE_HOME/outbox/`.

Each grading is written here first, whole (the submission's body as it will be
sent, gzip JSON), then sent in the background (`sender`). A file leaves the
outbox only when the server has acknowledged it; while the server cannot be
reached the files wait, in order, for the next `grade` or `grade submit`. A
submission the server refuses for good (malformed, another course's version)
moves to `outbox/refused/` with the server's reason beside it: nothing the
learner did is deleted.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from grader.paths import grade_home, private_dir, write_private
from grader.progress.submission import Submission

OUTBOX_DIR = "outbox"
REFUSED_DIR = "refused"
SUFFIX = ".json.gz"


def folder() -> Path:
    return private_dir(grade_home() / OUTBOX_DIR)


def put(submission: Submission) -> Path:
    """Queue `submission`; its file is named so that files sort in the order queued."""
    path = folder() / f"{time.time_ns():020d}-{submission.id}{SUFFIX}"
    write_private(path, submission.encode())
    return path


def waiting() -> list[Path]:
    """The queued submissions, oldest first."""
    base = grade_home() / OUTBOX_DIR
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.name.endswith(SUFFIX) and p.is_file())


def refused() -> list[Path]:
    base = grade_home() / OUTBOX_DIR / REFUSED_DIR
    if not base.is_dir():
        return []
    return sorted(p for p in base.iterdir() if p.name.endswith(SUFFIX))


def refuse(path: Path, reason: str) -> None:
    """Set a submission aside for good, with why."""
    target = private_dir(path.parent / REFUSED_DIR) / path.name
    os.replace(path, target)
    write_private(target.with_name(target.name + ".reason.txt"), reason + "\n")


def clear() -> int:
    """Drop every queued submission (`grade leave`); how many there were."""
    files = waiting()
    for path in files:
        path.unlink(missing_ok=True)
    return len(files)
