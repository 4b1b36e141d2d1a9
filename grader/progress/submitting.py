"""After each grading: queue it for the instructor's server and send it in the background.

Only for a learner who joined a cohort (`grade join`). What is sent is written
down in `grader.progress.submission`: the verdict the learner saw, their
answers, and the part of the simulated account's record the server has not
acknowledged yet, up to the grading. Building and queueing takes a few
milliseconds; sending happens in a separate process (`sender`), so a slow or
unreachable server never slows a grading or changes its exit status.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import traceback
from pathlib import Path
from typing import Any

from grader.grading.results import ExerciseResult
from grader.progress import membership, outbox
from grader.progress.submission import (
    GENESIS,
    RecordSlice,
    StoredEvent,
    Submission,
    account_identity,
    new_id,
)


def after_grading(result: ExerciseResult, last_event: int | None,
                  answers: str | None) -> None:
    """Queue `result` (graded when the record's last event was `last_event`) and start
    sending; never raises: a problem is written to grade-errors.log."""
    try:
        if membership.load() is None:
            return
        outbox.put(build(result, last_event, answers))
        from grader.progress.sender import start_in_background

        start_in_background()
    except Exception:
        from grader.paths import ERRORS_LOG, append_private, grade_home

        with contextlib.suppress(Exception):  # nowhere left to say it; the grading stands
            append_private(grade_home() / ERRORS_LOG,
                           "sending a grading to the instructor's server:\n"
                           + traceback.format_exc())


def build(result: ExerciseResult, last_event: int | None, answers: str | None) -> Submission:
    """The submission of one grading."""
    account: dict[str, Any] | None = None
    record: RecordSlice | None = None
    if result.mode != "live" and result.account_id is not None:
        found = _account_and_record(result.account_id, last_event)
        if found is not None:
            account, record = found
    if result.mode == "sandbox" and record is None:
        raise RuntimeError("the simulated account's record cannot be read")
    return Submission(id=new_id(), exercise=result.exercise, graded_at=dt.datetime.now(dt.UTC),
                      mode=result.mode, verdict=result.to_json(), answers=answers,
                      account=account, record=record)


def answers_text(answers: dict[str, str]) -> str:
    """A quiz's answers as an answers file (TOML: question = "answer")."""
    return "".join(f"{key} = {json.dumps(value)}\n" for key, value in sorted(answers.items()))


def answers_file_text(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8", errors="replace")[:1_000_000]
    except OSError:
        return None


def local_slice(known: tuple[int, str] | None, last_event: int | None) -> RecordSlice | None:
    """This machine's record after event `known` (seq, link), up to `last_event` (None: all):
    the whole record, marked rewound, when it no longer has that event (cut back by `grade
    restart`, or started over since); None when there is no record."""
    from grader.paths import sandbox_dir
    from grader.sandbox.history.record import RECORD_FILE, Record

    path = sandbox_dir() / RECORD_FILE
    if not path.exists():
        return None
    record = Record(path)
    try:
        after, link, rewound = 0, GENESIS, False
        if known is not None:
            if record.link_of(known[0]) == known[1] and \
                    (last_event is None or known[0] <= last_event):
                after, link = known
            else:
                rewound = True
        events = tuple(StoredEvent(seq, columns, chain)
                       for seq, columns, chain in record.stored(after)
                       if last_event is None or seq <= last_event)
    finally:
        record.close()
    return RecordSlice(after, link, events, rewound)


def _account_and_record(account_id: str, last_event: int | None
                        ) -> tuple[dict[str, Any], RecordSlice] | None:
    """The simulated account's identity and the record's events the server lacks."""
    from grader.paths import sandbox_dir
    from grader.sandbox.account import load_account

    account = load_account(sandbox_dir())
    if account is None or account.account_id != account_id:
        return None
    record = local_slice(membership.acknowledged(account_id), last_event)
    return (account_identity(account), record) if record is not None else None
