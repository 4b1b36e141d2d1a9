"""The server's own grading of a submission: the authoritative verdict.

A learner's `grade` says what it found; the server does not take its word.
For a grading of the simulated account it rebuilds the learner's account
from the record they sent (`grader.sandbox.rebuild`: every event judged again
as it is replayed) and runs the very same checks (`grader.runner.run_checks`)
on it, in this process. A quiz is scored again from the answers sent (and,
for questions about the learner's account, from the rebuilt account). A
grading of a real AWS account (live mode) cannot be repeated: it is kept as
self-reported. What cannot be verified says why (`Regrade.why`): a quiz-mode grading
of a hands-on exercise, an event time or answers that cannot be read.

One re-grade at a time per process: moto's state is the process's own
(`regrade` holds a lock). The first re-grade of a process pays for loading
moto and AWS's managed policies (`warm_up` does it ahead of time).
"""

from __future__ import annotations

import datetime as dt
import functools
import tempfile
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import GradeError
from grader.sandbox.record import COLUMNS
from grader.server import standing

REGRADED = "regraded"
SELF_REPORTED = "self-reported"
UNREPLAYABLE = "unreplayable"
_ONE_AT_A_TIME = threading.Lock()
_TIME = COLUMNS.index("event_time")


@dataclass(frozen=True)
class Regrade:
    """The server's verdict on a submission."""

    status: str  # REGRADED | SELF_REPORTED | UNREPLAYABLE
    verdict: dict[str, Any] | None  # a `grade --json` document (None: no verdict)
    problems: list[str] = field(default_factory=list)  # events that did not happen as recorded
    why: str | None = None  # why it could not be verified (`standing.REASONS`), if known


def regrade(exercise: str, mode: str, account: dict[str, Any] | None,
            events: Iterable[Any], answers: str | None,
            graded_at: dt.datetime | None = None) -> Regrade:
    """Grade again what a learner sent: `events` are the whole record of their account
    up to the grading (StoredEvents, or (seq, columns, link) tuples, in order);
    `graded_at` the learner's machine's time of the grading (default: now)."""
    if mode == "live":
        return Regrade(SELF_REPORTED, None,
                       ["A grading of a real AWS account cannot be repeated by the server."],
                       standing.LIVE)
    from grader.exercises import find

    try:
        found = find(exercise)
    except GradeError as error:
        return Regrade(UNREPLAYABLE, None, [error.reason])
    if mode == "quiz" and found.kind != "quiz":
        return Regrade(UNREPLAYABLE, None,
                       [f"{found.id} is hands-on: it is graded on the account, not as a "
                        "quiz (grade never sends a quiz-mode grading of it)."],
                       standing.QUIZ_FOR_HANDS_ON)
    rows = [_row(e) for e in events]
    unreadable = [seq for seq, columns, _ in rows if not _readable_time(columns[_TIME])]
    if unreadable:
        return Regrade(UNREPLAYABLE, None,
                       [f"Event {unreadable[0]}'s time cannot be read: when it happened, "
                        "and so what the account was then, is unknown."],
                       standing.UNREADABLE_TIME)
    if mode == "quiz" and not rows:
        return _quiz(found, answers, None)
    if account is None or not rows:
        return Regrade(UNREPLAYABLE, None, ["The submission has no account record to rebuild."])
    with _ONE_AT_A_TIME, tempfile.TemporaryDirectory(prefix="regrade-") as folder:
        from grader.sandbox.rebuild import identity, rebuild

        try:
            rebuilt = rebuild(identity(account), rows, Path(folder),
                              graded_at or dt.datetime.now(dt.UTC))
        except Exception as error:  # a record that does not replay: reported, not crashed on
            return Regrade(UNREPLAYABLE, None,
                           [f"The record could not be replayed: {error!r}"])
        target = reader(rebuilt)
        if mode == "quiz":
            outcome = _quiz(found, answers, target)
            return Regrade(outcome.status, outcome.verdict, rebuilt.problems + outcome.problems)
        try:
            result = _run_checks(found, target, answers, Path(folder))
        except GradeError as error:
            return Regrade(UNREPLAYABLE, None, [*rebuilt.problems, error.reason])
        return Regrade(REGRADED, result, rebuilt.problems)


def warm_up() -> None:
    """Make a worker's first re-grade as quick as the next ones: load moto, AWS's managed
    policies and pytest, and re-grade a new account's starting record once (which makes
    the checks' clients and moto's applications)."""
    import pytest  # noqa: F401

    import grader.checks.plugin  # noqa: F401
    from grader.sandbox.account import new_account
    from grader.sandbox.bootstrap import first_history
    from grader.sandbox.rebuild import forget_accounts
    from grader.sandbox.record import RECORD_FILE, Record
    from grader.sandbox.server import assemble, install_services

    install_services()
    account = new_account()
    with tempfile.TemporaryDirectory(prefix="regrade-") as folder:
        record = Record(Path(folder) / RECORD_FILE)
        first_history(assemble(account, record, None))
        events = record.stored()
        record.close()
    sent = {"accountId": account.account_id, "seed": account.seed,
            "openedAt": account.opened_at, "rootEmail": account.root_email,
            "rootPassword": account.root_password, "region": account.region}
    regrade("03-stop-using-root", "sandbox", sent, events, None)
    forget_accounts()


_CURRENT: dict[str, Any] = {}  # the account `reader`'s clients read now: "app"


def reader(rebuilt: Any) -> Any:
    """A `Target` reading the rebuilt account with this process's grader key: one per
    process, whose clients are kept from one account to the next (making them costs more
    than a grading); their requests go to the account's application in this process."""
    _CURRENT["app"] = rebuilt.app
    made = _reader()
    made.known_account = rebuilt.app.account.account_id
    made.region = rebuilt.app.account.region
    return made


@functools.cache
def _reader() -> Any:
    from grader.checks.target import sandbox_target
    from grader.sandbox.rebuild import (
        IN_PROCESS_ENDPOINT,
        control_in_process,
        grader_key,
        route_in_process,
    )

    key_id, secret = grader_key()
    made = sandbox_target(IN_PROCESS_ENDPOINT, "us-east-1", key_id, secret)
    route_in_process(made.session, lambda environ, start: _CURRENT["app"](environ, start))
    made.control = lambda path: control_in_process(_CURRENT["app"], secret, path)
    return made


def _readable_time(value: Any) -> bool:
    """Whether an event's time reads as the record writes it: ISO 8601 with its zone."""
    try:
        return dt.datetime.fromisoformat(value).tzinfo is not None
    except (TypeError, ValueError):
        return False


def _row(event: Any) -> tuple[int, tuple[Any, ...], str]:
    if isinstance(event, tuple):
        return event
    return int(event.seq), tuple(event.columns), str(event.chain)


def _run_checks(exercise: Any, target: Any, answers: str | None,
                folder: Path) -> dict[str, Any]:
    from grader.runner import run_checks

    answers_file = None
    if exercise.questions:
        answers_file = folder / "answers.toml"
        answers_file.write_text(answers or "", encoding="utf-8")
    result = run_checks(exercise, target, answers_file)
    return result.to_json()


def _quiz(exercise: Any, answers: str | None, target: Any) -> Regrade:
    """A quiz scored again from the answers file's text (its questions about the
    learner's account read `target`, the rebuilt account)."""
    from grader.checks.iam_state import root_row
    from grader.quiz.answers import AnswersFileError, parse_answers
    from grader.quiz.facts import read_fact
    from grader.quiz.model import load_quiz
    from grader.quiz.scoring import score

    if exercise.kind != "quiz":
        return Regrade(UNREPLAYABLE, None, [f"{exercise.id} is not a quiz."])
    quiz = load_quiz(exercise.folder)
    try:
        given = parse_answers(Path("answers.toml"), answers or "", quiz)
    except AnswersFileError as error:
        return Regrade(UNREPLAYABLE, None, [f"The answers sent do not read: {error.reason}"],
                       standing.UNREADABLE_ANSWERS)
    fact = None
    if any(q.from_account for q in quiz.questions):
        if target is None:
            return Regrade(UNREPLAYABLE, None,
                           ["The quiz asks about the account, and no record was sent."])
        row = root_row(target.client("iam"))

        def fact(name: str) -> str:
            return read_fact(name, row)

    result = score(exercise, quiz, given, fact)
    return Regrade(REGRADED, result.to_json())
