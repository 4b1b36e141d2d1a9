"""`grade watch NN`: re-grade a hands-on exercise whenever the simulated account changes.

The simulated account knows when a request lands in its record; `watch`
waits for that (a long poll on `/_sandbox/changes`), lets a burst of
requests settle for a moment, and has the account grade again in its own
process (`grader.grading.in_account`, as `grade NN` does), so the learner sees
the checks turn green as they work. Ctrl-C stops it.

The account may be rebuilt under it: `grade sandbox reset` starts it over in
its process, `grade restart NN` and a stop and start make a new process.
Each life of the account has its own generation (`control.changes`); when it
differs, or the account stops answering and comes back, watch says that the
account was rebuilt and grades it again. A grading is kept in the progress
file when its verdict differs from the one before, and a pass marks where the
next exercise begins, as `grade NN` does.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from grader.command.report import render_result, wrap
from grader.course.exercises import Exercise
from grader.errors import GradeError
from grader.grading.results import ExerciseResult
from grader.progress.store import Progress

if TYPE_CHECKING:
    from grader.sandbox.control import Change, Running

POLL = 30.0  # seconds one wait for a change may last
SETTLE = 0.05  # seconds without a new request before grading again (a script's burst)
LOOK_AGAIN = 0.25  # seconds between looks for an account that stopped answering
REBUILT = ("The simulated account was rebuilt (a reset, a restart or a new start): "
           "graded again.")


def watch(exercise: Exercise, answers: Path | None = None) -> int:
    if exercise.kind != "hands-on":
        raise GradeError(f"`grade watch` is for hands-on exercises; {exercise.id} is a quiz.",
                         f"Run `grade {exercise.id[:2]}`.")
    if answers is not None and not exercise.questions:
        raise GradeError(f"--answers is for exercises that ask questions; {exercise.id} is "
                         "graded from the account itself.",
                         f"Run `grade watch {exercise.id[:2]}` without --answers.")
    from grader.sandbox import control

    running = control.require()
    terminal = sys.stdout.isatty()
    last: tuple[bool, tuple[str, ...]] | None = None
    generation: str | None = None
    try:
        while True:
            try:
                seen = control.changes(running)
                note = REBUILT if generation not in (None, seen.generation) else ""
                generation = seen.generation
                result = _grade(exercise, running, answers)
                verdict = (result.passed, tuple(result.failed_ids))
                if verdict != last:
                    Progress().record(exercise.id, result.passed, result.failed_ids,
                                      result.mode, result.account_id)
                    last = verdict
                _show(result, terminal, note)
                _wait_for_change(running, seen)
            except (OSError, control.NotAnswering):
                running = _wait_for_the_account()
            except GradeError as error:  # this grading could not run: say why, go on
                print(wrap(f"Could not grade this time: {error.reason} {error.fix}".strip()),
                      flush=True)
                try:
                    _wait_for_change(running, control.changes(running))
                except (OSError, control.NotAnswering):
                    running = _wait_for_the_account()
    except KeyboardInterrupt:
        print("\nStopped watching.")
        return 0


def _grade(exercise: Exercise, running: Running, answers: Path | None) -> ExerciseResult:
    from grader.command.grade_exercise import answers_file, graded_by_the_account, keep_start_point

    result, before = graded_by_the_account(exercise, answers_file(exercise, answers), running)
    keep_start_point(result, before)
    return result


def _wait_for_change(running: Running, seen: Change) -> None:
    """Block until the record grows past `seen` (or the account is rebuilt), then until it
    stops growing for a moment."""
    from grader.sandbox import control

    now = seen
    while now == seen:
        now = control.changes(running, after=seen.events, wait=POLL, generation=seen.generation)
    while now.generation == seen.generation:
        later = control.changes(running, after=now.events, wait=SETTLE,
                                generation=now.generation)
        if later == now:
            return
        now = later


def _wait_for_the_account() -> Running:
    """The account stopped answering (a restart, a stop): wait until it answers again."""
    from grader.sandbox import control

    print(wrap("The simulated account stopped answering; watching for it to start again "
               "(`grade sandbox start`; Ctrl-C stops)."), flush=True)
    while True:
        found = control.find()
        if found is not None:
            return found
        time.sleep(LOOK_AGAIN)


def _show(result: ExerciseResult, terminal: bool, note: str = "") -> None:
    if terminal:
        sys.stdout.write("\033[2J\033[H")  # clear the screen: the checks change in place
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    sys.stdout.write(render_result(result, sys.stdout))
    if note:
        print(wrap(note))
    print(wrap(f"Graded at {stamp}; watching the simulated account for changes "
               "(Ctrl-C stops)."))
    if not terminal:
        print()
    sys.stdout.flush()
