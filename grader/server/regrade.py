"""The server's own grading of a submission: the authoritative verdict.

A learner's `grade` says what it found; the server does not take its word.
For a grading of the simulated account it rebuilds the learner's account
from the record they sent (`grader.sandbox.history.rebuild`: every event judged again
as it is replayed) and runs the very same checks (`grader.grading.runner.run_checks`)
on it, in this process. A quiz is scored again from the answers sent (and,
for questions about the learner's account, from the rebuilt account). A
grading of a real AWS account (live mode) cannot be repeated: it is kept as
self-reported. What cannot be verified says why (`Regrade.why`): a quiz-mode grading
of a hands-on exercise, an event time or answers that cannot be read.

One re-grade at a time per process: moto's state is the process's own
(`regrade` holds a lock). The first re-grade of a process pays for loading
moto and AWS's managed policies (`warm_up` does it ahead of time).

A worker keeps the accounts it rebuilt (`kept_accounts`, by incarnation): given the
record as the server holds it (`HeldEvents`), a re-grade takes the incarnation's kept
account and judges only the events after the ones it holds (`rebuild.go_on`), then keeps it
again; on a miss it rebuilds from the whole record. Either way the verdict is the same
(tests/test_regrade_incremental.py). A long rebuild asks `pause` between steps and stops
there when told (`PAUSED`: others' re-grades go first; the account is kept as far as it got).
"""

from __future__ import annotations

import datetime as dt
import functools
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.errors import GradeError
from grader.sandbox.history.record import COLUMNS
from grader.server import standing
from grader.server.held_events import HeldEvents
from grader.server.kept_accounts import KEPT, Kept

Pause = Callable[[], bool]  # whether to stop now (`rebuild.Pause`)

REGRADED = "regraded"
SELF_REPORTED = "self-reported"
UNREPLAYABLE = "unreplayable"
PAUSED = "paused"  # stopped between steps to let others' re-grades go first: ask again
_ONE_AT_A_TIME = threading.Lock()
_TIME = COLUMNS.index("event_time")


@dataclass(frozen=True)
class Regrade:
    """The server's verdict on a submission."""

    status: str  # REGRADED | SELF_REPORTED | UNREPLAYABLE | PAUSED
    verdict: dict[str, Any] | None  # a `grade --json` document (None: no verdict)
    problems: list[str] = field(default_factory=list)  # events that did not happen as recorded
    why: str | None = None  # why it could not be verified (`standing.REASONS`), if known


def regrade(exercise: str, mode: str, account: dict[str, Any] | None,
            events: Iterable[Any], answers: str | None,
            graded_at: dt.datetime | None = None, pause: Pause | None = None) -> Regrade:
    """Grade again what a learner sent: `events` are the whole record of their account
    up to the grading (StoredEvents, or (seq, columns, link) tuples, in order; a
    `HeldEvents` lets the account be kept, and judged on from where it was kept:
    `kept_accounts`); `graded_at` the learner's machine's time of the grading (default:
    now). `pause`: asked between steps of a long rebuild; when it says so, the re-grade
    stops there (`PAUSED`, the account kept as far as it got) and goes on when asked again."""
    if mode == "live":
        return Regrade(SELF_REPORTED, None,
                       ["A grading of a real AWS account cannot be repeated by the server."],
                       standing.LIVE)
    from grader.course.exercises import find

    try:
        found = find(exercise)
    except GradeError as error:
        return Regrade(UNREPLAYABLE, None, [error.reason])
    if mode == "quiz" and found.kind != "quiz":
        return Regrade(UNREPLAYABLE, None,
                       [f"{found.id} is hands-on: it is graded on the account, not as a "
                        "quiz (grade never sends a quiz-mode grading of it)."],
                       standing.QUIZ_FOR_HANDS_ON)
    held = events if isinstance(events, HeldEvents) and account is not None else None
    with _ONE_AT_A_TIME:
        kept = _kept_for(held, account)
        # From the kept account's last event (its link is checked again) on; or all.
        given = held.after(kept.seq - 1) if held is not None and kept is not None else events
        rows = [_row(e) for e in given]
        unreadable = [seq for seq, columns, _ in rows if not _readable_time(columns[_TIME])]
        if unreadable:
            _let_go(kept)
            return Regrade(UNREPLAYABLE, None,
                           [f"Event {unreadable[0]}'s time cannot be read: when it happened, "
                            "and so what the account was then, is unknown."],
                           standing.UNREADABLE_TIME)
        if mode == "quiz" and not rows and kept is None:
            return _quiz(found, answers, None)
        if account is None or (not rows and kept is None):
            return Regrade(UNREPLAYABLE, None,
                           ["The submission has no account record to rebuild."])
        return _on_the_account(found, mode, account, held, kept, rows, answers,
                               graded_at or dt.datetime.now(dt.UTC), pause)


def _kept_for(held: HeldEvents | None, account: dict[str, Any] | None) -> Kept | None:
    """The kept account `held` can be judged on, live again; None when there is none."""
    if held is None or account is None:
        return None
    from grader.sandbox.history.parking import unpark
    from grader.sandbox.history.rebuild import identity

    kept = KEPT.take(held.incarnation_id)
    if kept is None:
        return None
    if kept.identity != identity(account) or kept.seq > held.seq:
        kept.discard()
        return None
    unpark(kept.parked)
    return kept


def _let_go(kept: Kept | None) -> None:
    """Forget a kept account taken up (something about it is not to be trusted)."""
    if kept is not None:
        from grader.sandbox.history.rebuild import forget_accounts

        kept.discard()
        forget_accounts()


def _on_the_account(found: Any, mode: str, account: dict[str, Any],
                    held: HeldEvents | None, kept: Kept | None,
                    rows: list[tuple[int, tuple[Any, ...], str]], answers: str | None,
                    graded_at: dt.datetime, pause: Pause | None) -> Regrade:
    """Rebuild the account (or judge `rows` on the `kept` one), grade it, keep it."""
    from grader.sandbox.history.footprints import as_found
    from grader.sandbox.history.rebuild import CannotGoOn, go_on, identity, rebuild

    rebuilt = None
    if kept is not None:
        try:
            rebuilt = go_on(kept.rebuilt, _after_link(rows, kept), graded_at, pause)
            folder = kept.folder
        except CannotGoOn:
            _let_go(kept)
            rows = [_row(e) for e in (held if held is not None else ())]
        except Exception:
            _let_go(kept)
            raise
    if rebuilt is None:
        folder = Path(tempfile.mkdtemp(prefix="regrade-"))
        try:
            rebuilt = rebuild(identity(account), rows, folder, graded_at, pause)
        except Exception as error:  # a record that does not replay: reported, not crashed on
            _discard(folder)
            return Regrade(UNREPLAYABLE, None,
                           [f"The record could not be replayed: {error!r}"])
    if not rebuilt.complete:
        _keep(held, account, rebuilt, folder)
        return Regrade(PAUSED, None, list(rebuilt.problems))
    try:
        with as_found(rebuilt.app.account.account_id):
            target = reader(rebuilt)
            if mode == "quiz":
                outcome = _quiz(found, answers, target)
                result = Regrade(outcome.status, outcome.verdict,
                                 [*rebuilt.problems, *outcome.problems])
            else:
                try:
                    verdict = _run_checks(found, target, answers, folder)
                    result = Regrade(REGRADED, verdict, list(rebuilt.problems))
                except GradeError as error:
                    result = Regrade(UNREPLAYABLE, None, [*rebuilt.problems, error.reason])
    except BaseException:
        _discard(folder)
        raise
    _keep(held, account, rebuilt, folder)
    return result


def _after_link(rows: list[tuple[int, tuple[Any, ...], str]],
                kept: Kept) -> list[tuple[int, tuple[Any, ...], str]]:
    """`rows` (from the kept account's last event on) without that event, once its link
    is the one kept: the events to judge on it. CannotGoOn otherwise."""
    from grader.sandbox.history.rebuild import CannotGoOn

    if not rows or rows[0][0] != kept.seq or rows[0][2] != kept.link:
        raise CannotGoOn(f"the record does not hold the kept event {kept.seq} as kept")
    return rows[1:]


def _keep(held: HeldEvents | None, account: dict[str, Any], rebuilt: Any,
          folder: Path) -> None:
    """Keep the account, parked, for the incarnation's next submission (when the events
    came from the server's own store: `held`); else forget it."""
    from grader.sandbox.history.parking import park
    from grader.sandbox.history.rebuild import forget_accounts, identity

    if held is None:
        forget_accounts()
        _discard(folder, rebuilt)
        return
    seq = rebuilt.held
    link = rebuilt.app.record.head
    parked = park(rebuilt.app.account.account_id)
    KEPT.keep(Kept(held.incarnation_id, identity(account), seq, link, rebuilt, parked, folder))


def _discard(folder: Path, rebuilt: Any = None) -> None:
    if rebuilt is not None:
        rebuilt.app.record.close()
    shutil.rmtree(folder, ignore_errors=True)


def warm_up() -> None:
    """Make a worker's first re-grade as quick as the next ones: load moto, AWS's managed
    policies and pytest, and re-grade a new account's starting record once (which makes
    the checks' clients and moto's applications)."""
    import pytest  # noqa: F401

    import grader.checks.plugin  # noqa: F401
    from grader.sandbox.account import new_account
    from grader.sandbox.history.bootstrap import first_history
    from grader.sandbox.history.rebuild import forget_accounts
    from grader.sandbox.history.record import RECORD_FILE, Record
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
    from grader.sandbox.front_desk.in_process import (
        IN_PROCESS_ENDPOINT,
        control_in_process,
        route_in_process,
    )
    from grader.sandbox.history.rebuild import grader_key

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
    from grader.grading.runner import run_checks

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
