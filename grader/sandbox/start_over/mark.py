"""The mark a start over leaves in the account's record.

The record only grows, except when the learner starts over: `grade restart NN`
cuts it back to where exercise NN began, `grade sandbox reset` to where the
account was opened. Either way the account's next event is a mark
(`START_OVER_EVENT`) that says so: why (`restart 03`, `reset`), how many events
were kept, and the event that was the record's last before (its seq and chain
link). An instructor's server that held the longer record then sees a new
branch that declares itself, and where: an honest start over. A record changed
in any other way has no mark where it differs, and is refused
(`grader.server.records`). The mark is not an AWS call: CloudTrail and the
checks never see it, and replaying the record has nothing to do for it.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.paths import write_private
from grader.sandbox.history.record import START_OVER_EVENT, Event

START_OVER_PATH = "start-over"  # its place among the control endpoints (`CONTROL_PREFIX`)
START_OVER = "StartOver"  # its operation, in the record
PENDING_FILE = "start-over.json"  # a mark for the next new record (a reset without a process)


@dataclass(frozen=True)
class StartOver:
    """What a start over declares."""

    reason: str  # "restart 03", "reset"
    kept: int  # the events kept from the record before
    replaced_seq: int  # the record's last event before (0: it was empty)
    replaced_link: str  # that event's chain link

    def parameters(self) -> dict[str, Any]:
        return {"reason": self.reason, "kept": self.kept,
                "replacedSeq": self.replaced_seq, "replacedLink": self.replaced_link}

    @classmethod
    def of(cls, parameters: Any) -> StartOver | None:
        """The start over a mark's parameters declare; None when they are not one."""
        if not isinstance(parameters, dict):
            return None
        reason, kept = parameters.get("reason"), parameters.get("kept")
        seq, link = parameters.get("replacedSeq"), parameters.get("replacedLink")
        if not (isinstance(reason, str) and isinstance(kept, int) and isinstance(seq, int)
                and isinstance(link, str)):
            return None
        return cls(reason, kept, seq, link)


def mark(declared: StartOver, at: dt.datetime, region: str) -> Event:
    """The event that says `declared` happened, at the account's time `at`."""
    body = json.dumps(declared.parameters()).encode()
    return Event(
        event_id=str(uuid.uuid4()), event_time=at.isoformat(), event_type=START_OVER_EVENT,
        identity_type="Grader", principal_name=None, principal_arn=None, principal_id=None,
        access_key_id=None, service="sandbox", operation=START_OVER, region=region,
        read_only=False, parameters=declared.parameters(), response=None, status=200,
        error_code=None, error_message=None, source_ip="127.0.0.1", user_agent="grade",
        request_id=str(uuid.uuid4()), resources=[], replay=False, method="POST",
        path=f"/_sandbox/{START_OVER_PATH}", query="",
        headers={"CONTENT_TYPE": "application/json"}, body=body)


def leave_pending(folder: Path, declared: StartOver) -> None:
    """Ask the account's next new record to begin its life with this mark (a reset made
    while no account process runs: the new process opens the account)."""
    write_private(folder / PENDING_FILE, json.dumps(declared.parameters()) + "\n")


def take_pending(folder: Path) -> StartOver | None:
    """The mark left for a new record, taken (None when there is none)."""
    path = folder / PENDING_FILE
    try:
        declared = StartOver.of(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError):
        declared = None
    path.unlink(missing_ok=True)
    return declared


def head_of(path: Path) -> tuple[int, str]:
    """The last event of the record at `path` (seq, link); (0, GENESIS) when it has none,
    or cannot be read (a damaged record: nothing of it can go on anyway)."""
    import sqlite3

    from grader.sandbox.history.record import GENESIS

    if not path.exists():
        return 0, GENESIS
    try:
        db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = db.execute("SELECT seq, chain FROM events ORDER BY seq DESC LIMIT 1"
                             ).fetchone()
        finally:
            db.close()
    except sqlite3.DatabaseError:
        return 0, GENESIS
    return (int(row[0]), str(row[1])) if row else (0, GENESIS)


def cut(path: Path, events: int, reason: str, region: str) -> None:
    """Cut the record at `path` back to its first `events` events, and mark it (one
    transaction). The mark's time is the account's time once the cut is made: this
    machine's clock plus the advances kept, never before the last event kept."""
    from grader.sandbox.history.record import CLOCK_EVENT, Record

    replaced_seq, replaced_link = head_of(path)
    record = Record(path)
    try:
        kept = list(record.events(where="seq <= ?", args=(events,), clock=True,
                                  without_request=True, newest_first=True, limit=1))
        skipped = sum(float(e.parameters.get("seconds", 0)) for e in record.events(
            where="seq <= ? AND event_type = ?", args=(events, CLOCK_EVENT), clock=True,
            without_request=True))
        at = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=skipped)
        if kept:
            at = max(at, dt.datetime.fromisoformat(kept[0].event_time))
        record.cut_back(events, mark(StartOver(reason, events, replaced_seq, replaced_link),
                                     at, region))
    finally:
        record.close()
