"""One `grade` at a time changes the simulated account, and one process serves its record.

Starting, stopping, resetting and rewinding hold `control.lock` (an flock on a
file in the sandbox folder) from the moment they look for the process to the
moment it answers or is gone (`exclusive`): two `grade sandbox start` at once
make one process, the second finds it running. The process itself also refuses
to serve a record another live process serves (`server.RECORD_LOCK`); `grade`
holds that same lock while it changes the record with no process running
(`record_untouched_by_others`).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from collections.abc import Iterator
from pathlib import Path

from grader.errors import GradeError
from grader.sandbox.history.record import RECORD_FILE
from grader.sandbox.server import RECORD_LOCK

CONTROL_LOCK = "control.lock"
# Long enough for another `grade` to start (or stop, then start) the account: three
# times `process.START_TIMEOUT`.
LOCK_TIMEOUT = 180.0


@contextlib.contextmanager
def exclusive(folder: Path) -> Iterator[None]:
    """Hold the account folder's control lock: one start, stop, reset or rewind at a time
    (`start_over.replacing` holds it too)."""
    fd = os.open(folder / CONTROL_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + LOCK_TIMEOUT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise GradeError(
                        "Another `grade` command has been starting or stopping the simulated "
                        f"account for {LOCK_TIMEOUT:.0f} s.",
                        "Wait for it to finish (or stop it), then try again.") from None
                time.sleep(0.02)
        yield
    finally:
        os.close(fd)  # releases the lock


class RecordInUse(GradeError):
    """Another live process serves this account's record."""


def record_in_use(folder: Path) -> RecordInUse:
    try:
        holder = (folder / RECORD_LOCK).read_text(encoding="utf-8").strip()
    except OSError:
        holder = ""
    who = f" (pid {holder})" if holder.isdigit() else ""
    kill = f"`kill {holder}`" if holder.isdigit() else "end it"
    return RecordInUse(
        f"Another simulated account process{who} is using this record "
        f"({folder / RECORD_FILE}); two must never write one record.",
        f"Run `grade sandbox stop`, then try again; if it says the account was not running, "
        f"{kill} (it was not started by this `grade`, or lost its runtime.json).")


@contextlib.contextmanager
def record_untouched_by_others(folder: Path) -> Iterator[None]:
    """Hold the record's lock, as a serving process would, while this one changes it."""
    fd = os.open(folder / RECORD_LOCK, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise record_in_use(folder) from None
        yield
    finally:
        os.close(fd)
