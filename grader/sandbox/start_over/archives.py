"""Archived simulated accounts: what `grade sandbox reset`, `grade restart NN` and
`grade sandbox restore` put away, never delete, under the sandbox's `archive/`.

An archive is a folder holding an account's record (`record.sqlite`), where its
exercises began (`checkpoints.json`), its identity (`account.json`) and what it
held (`archive.json`: when and why it was archived, how many requests, which
exercises were passed in it), so that `grade sandbox archives` can list it and
`grade sandbox restore NAME` can bring it back. Folders of an older `grade` (no
`archive.json`) are described from their files.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from grader.paths import private_dir, write_private
from grader.sandbox.account import ACCOUNT_FILE
from grader.sandbox.history import checkpoints
from grader.sandbox.history.record import RECORD_FILE, START_OVER_EVENT

ARCHIVE_FOLDER = "archive"
MANIFEST = "archive.json"
_NAME = re.compile(r"^[0-9A-Za-z][0-9A-Za-z._-]*$")
_OLD_STAMP = "%Y%m%dT%H%M%S%fZ"  # the folder names of an older `grade`


@dataclass(frozen=True)
class Held:
    """What an account's record holds, as far as a learner cares."""

    events: int  # events in its record (the account's own first history included)
    requests: int  # what was done in it since it was opened (the learner's requests)
    passed: tuple[str, ...]  # the exercises first passed in it, in course order


@dataclass(frozen=True)
class Archive:
    name: str
    folder: Path
    archived_at: dt.datetime | None
    reason: str  # "reset", "restart 03", "restore of NAME"; "" when not known
    account_id: str
    held: Held

    def describe(self) -> str:
        """One line: the name first, then when, why and what it held."""
        when = self.archived_at.strftime("%Y-%m-%d %H:%M:%S UTC") if self.archived_at \
            else "at an unknown time"
        why = f" by {self.reason}" if self.reason else ""
        account = f"account {self.account_id}, " if self.account_id else ""
        return f"{self.name}  archived {when}{why}: {account}{describe_held(self.held)}"


def describe_held(held: Held) -> str:
    passed = ", ".join(held.passed) if held.passed else "none"
    return f"{requests(held.requests)} made in it; exercises passed in it: {passed}"


def requests(count: int) -> str:
    return f"{count} request{'s' if count != 1 else ''}"


def held_by(folder: Path) -> Held:
    """What the record in `folder` holds (an account's folder, or an archive)."""
    known = checkpoints.load(folder)
    opened = known.get(checkpoints.OPENED, 0)
    events = done = 0
    path = folder / RECORD_FILE
    if path.exists():
        with contextlib.suppress(sqlite3.DatabaseError):
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                events = int(db.execute("SELECT COALESCE(MAX(seq), 0) FROM events")
                             .fetchone()[0])
                done = requests_after(db, opened)
            finally:
                db.close()
    passed = sorted(name for name, at in known.items()
                    if name != checkpoints.OPENED and at <= events)
    return Held(events, done, tuple(passed))


def requests_after(db: sqlite3.Connection, seq: int) -> int:
    """How many events of the record after `seq` were done in the account (the marks
    of a start over are not)."""
    return int(db.execute("SELECT COUNT(*) FROM events WHERE seq > ? AND event_type != ?",
                          (seq, START_OVER_EVENT)).fetchone()[0])


def done_since(folder: Path, seq: int) -> int:
    """How many events were done in the account in `folder` after its event `seq`."""
    path = folder / RECORD_FILE
    if not path.exists():
        return 0
    with contextlib.suppress(sqlite3.DatabaseError):
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return requests_after(db, seq)
        finally:
            db.close()
    return 0


def new_archive(folder: Path, reason: str) -> Path:
    """A new, empty archive folder named after this moment (UTC), for `reason`."""
    now = dt.datetime.now(dt.UTC)
    base = now.strftime("%Y-%m-%d-%H%M%S")
    root = private_dir(folder / ARCHIVE_FOLDER)
    name, count = base, 1
    while (root / name).exists():
        count += 1
        name = f"{base}-{count}"
    made = private_dir(root / name)
    write_private(made / MANIFEST, json.dumps({"archivedAt": now.isoformat(),
                                               "reason": reason}) + "\n")
    return made


def seal(archive: Path, account_id: str) -> None:
    """Write down what `archive` holds, once its files are in it."""
    manifest = _manifest(archive)
    held = held_by(archive)
    manifest.update({"accountId": account_id, "events": held.events,
                     "requests": held.requests, "passed": list(held.passed)})
    write_private(archive / MANIFEST, json.dumps(manifest, indent=1) + "\n")


def _manifest(archive: Path) -> dict[str, object]:
    try:
        data = json.loads((archive / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def listed(folder: Path) -> list[Archive]:
    """The archives of the account folder `folder` that hold a record, oldest first."""
    root = folder / ARCHIVE_FOLDER
    if not root.is_dir():
        return []
    found = [_read(path) for path in root.iterdir()
             if path.is_dir() and (path / RECORD_FILE).exists()]
    epoch = dt.datetime.min.replace(tzinfo=dt.UTC)
    return sorted(found, key=lambda a: (a.archived_at or epoch, a.name))


def find(folder: Path, name: str) -> Archive | None:
    if not _NAME.match(name):
        return None
    path = folder / ARCHIVE_FOLDER / name
    if not path.is_dir() or not (path / RECORD_FILE).exists():
        return None
    return _read(path)


def _read(path: Path) -> Archive:
    manifest = _manifest(path)
    when: dt.datetime | None = None
    with contextlib.suppress(TypeError, ValueError):
        when = dt.datetime.fromisoformat(str(manifest["archivedAt"])) \
            if "archivedAt" in manifest else \
            dt.datetime.strptime(path.name, _OLD_STAMP).replace(tzinfo=dt.UTC)
    account_id = str(manifest.get("accountId") or _account_id(path))
    return Archive(path.name, path, when, str(manifest.get("reason", "")), account_id,
                   held_by(path))


def _account_id(path: Path) -> str:
    try:
        return str(json.loads((path / ACCOUNT_FILE).read_text(encoding="utf-8"))["account_id"])
    except (OSError, ValueError, KeyError, TypeError):
        return ""
