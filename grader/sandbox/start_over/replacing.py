"""Replacing the simulated account, or cutting it back, the old one archived, never lost:
`grade sandbox reset` (a new record), `grade restart NN` (`rewind`: the record cut back
to where exercise NN began) and `grade sandbox restore NAME` (an archived account
brought back). Each holds the account folder's control lock (`control.exclusive`) and
leaves the record's start-over mark (`mark`) where the record starts over."""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
from pathlib import Path

from grader.errors import GradeError
from grader.paths import sandbox_dir
from grader.sandbox.account import ACCOUNT_FILE, load_account
from grader.sandbox.control import (
    Running,
    exclusive,
    find,
    post,
    record_untouched_by_others,
    start_locked,
    stop_locked,
)
from grader.sandbox.history.checkpoints import CHECKPOINTS_FILE, forget_after
from grader.sandbox.history.record import RECORD_FILE
from grader.sandbox.start_over import archives, mark


def reset(folder: Path | None = None) -> tuple[Running, str]:
    """Start the account fresh, its record kept under archive/: inside the running
    process when there is one (fast), else by starting a new one. Returns the account
    and the name of the archive that holds the old one."""
    folder = folder or sandbox_dir()
    with exclusive(folder):
        running = find(folder)
        if running is not None:  # started over in its own process: no new process needed
            answer = post(running.endpoint, "/_sandbox/reset", running.account.grader_secret,
                           {}, timeout=60.0)
            return running, str(answer.get("archive", ""))
        with record_untouched_by_others(folder):
            seq, link = mark.head_of(folder / RECORD_FILE)
            if seq:  # the new record's first life begins by saying it replaced this one
                mark.leave_pending(folder, mark.StartOver("reset", 0, seq, link))
            archive = archive_record(folder, "reset")
            try:
                load_account(folder)
            except GradeError:
                os.replace(folder / ACCOUNT_FILE, archive / ACCOUNT_FILE)
        running, _ = start_locked(0, folder)
    return running, archive.name


# The learner's AWS CLI profiles for the account (`grader.command.aws_config`), beside the
# sandbox folder: they name its users, keys and roles, so they go and come with it.
PROFILES = "aws"


def archive_record(folder: Path, reason: str) -> Path:
    """Move the record (and its checkpoints) under a new archive/ folder, with a copy of
    the account's identity and what it held, and the learner's AWS CLI profiles for it
    (a reset's new account has none of those users and keys); returns the folder."""
    archive = archives.new_archive(folder, reason)
    for name in (RECORD_FILE, RECORD_FILE + "-wal", RECORD_FILE + "-shm", CHECKPOINTS_FILE):
        if (folder / name).exists():
            os.replace(folder / name, archive / name)
    if (folder.parent / PROFILES).is_dir():
        os.replace(folder.parent / PROFILES, archive / PROFILES)
    _keep_identity(folder, archive)
    return archive


def _keep_identity(folder: Path, archive: Path) -> None:
    """Copy account.json into `archive` (a restore needs it) and write down what it holds."""
    account_id = ""
    with contextlib.suppress(OSError):
        shutil.copy2(folder / ACCOUNT_FILE, archive / ACCOUNT_FILE)
        (archive / ACCOUNT_FILE).chmod(0o600)
    with contextlib.suppress(GradeError):
        found = load_account(archive)
        account_id = found.account_id if found else ""
    archives.seal(archive, account_id)


def restore(name: str, folder: Path | None = None) -> tuple[Running, str]:
    """Bring back the archived account `name`: the current one is archived first, then
    the archive's record, checkpoints and identity take its place and the account
    starts again from them. If that account does not start, the current one is put
    back as it was. Returns the account and the archive of the one it replaced."""
    folder = folder or sandbox_dir()
    with exclusive(folder):
        chosen = archives.find(folder, name)
        if chosen is None:
            raise GradeError(f"There is no archived account named {name!r}.",
                             "`grade sandbox archives` lists them.")
        stop_locked(folder)
        with record_untouched_by_others(folder):
            current = archive_record(folder, f"restore of {name}")
            _bring_in(chosen.folder, folder)
            if not (chosen.folder / PROFILES).is_dir():  # an archive without them (a
                _keep_profiles(current, folder.parent)  # restart's, an old one): as they were
        try:
            running, _ = start_locked(0, folder)
        except GradeError as error:
            with record_untouched_by_others(folder):
                _bring_in(current, folder)
            shutil.rmtree(current)
            start_locked(0, folder)
            raise GradeError(f"The archived account {name} could not be started again: "
                             f"{error.reason}", "Your account is as it was.") from None
        shutil.rmtree(chosen.folder)
    return running, current.name


def _keep_profiles(source: Path, target: Path) -> None:
    """Copy the AWS CLI profiles in `source` (a GRADE_HOME, or an archive) into `target`."""
    if (source / PROFILES).is_dir():
        shutil.copytree(source / PROFILES, target / PROFILES, dirs_exist_ok=True)


def _bring_in(archive: Path, folder: Path) -> None:
    """Put the account kept in `archive` in `folder` (copies: the archive stays whole)."""
    for name in (RECORD_FILE + "-wal", RECORD_FILE + "-shm"):
        (folder / name).unlink(missing_ok=True)
    for name in (RECORD_FILE, RECORD_FILE + "-wal", CHECKPOINTS_FILE, ACCOUNT_FILE):
        if (archive / name).exists():
            shutil.copy2(archive / name, folder / name)
            (folder / name).chmod(0o600)
        elif name == CHECKPOINTS_FILE:
            (folder / name).unlink(missing_ok=True)
    _keep_profiles(archive, folder.parent)


def rewind(events: int, folder: Path | None = None, reason: str = "restart") -> Running:
    """Rebuild the account from the first `events` events of its record.

    The whole record is first copied under archive/ (SQLite's online backup, so
    the copy is consistent); only then are the later events taken out of the
    live record, and the account restarted, which replays what is left.
    """
    folder = folder or sandbox_dir()
    with exclusive(folder):
        stop_locked(folder)
        with record_untouched_by_others(folder):
            _cut_record(folder, events, reason)
        running, _ = start_locked(0, folder)
    return running


def _cut_record(folder: Path, events: int, reason: str) -> None:
    """Keep a copy of the whole record under archive/, then take out events after `events`."""
    archive = archives.new_archive(folder, reason)
    source = sqlite3.connect(folder / RECORD_FILE)
    try:
        copy = sqlite3.connect(archive / RECORD_FILE)
        with copy:
            source.backup(copy)
        copy.close()
        (archive / RECORD_FILE).chmod(0o600)
    except sqlite3.DatabaseError as error:
        raise GradeError(f"The simulated account's record could not be rewound ({error}).",
                         "Nothing was lost: the record is as it was. Try "
                         "`grade sandbox reset` to start the whole account over.") from None
    finally:
        source.close()
    if (folder / CHECKPOINTS_FILE).exists():
        shutil.copy2(folder / CHECKPOINTS_FILE, archive / CHECKPOINTS_FILE)
        (archive / CHECKPOINTS_FILE).chmod(0o600)
    _keep_identity(folder, archive)
    _keep_profiles(folder.parent, archive)  # a copy: the earlier work they name stays
    account = load_account(folder)
    try:
        mark.cut(folder / RECORD_FILE, events, reason,
                       account.region if account else "us-east-1")
    except sqlite3.DatabaseError as error:
        raise GradeError(f"The simulated account's record could not be rewound ({error}).",
                         "Nothing was lost: the whole record is kept under archive/. Try "
                         "`grade sandbox reset` to start the whole account over.") from None
    forget_after(folder, events)
