"""`grade watch NN`: re-grade a hands-on exercise whenever the simulated account changes.

The simulated account knows when a request lands in its record; `watch`
waits for that (a long poll on `/_sandbox/changes`), lets a burst of
requests settle, and grades again, so the learner sees the checks turn
green as they work. Ctrl-C stops it. A grading is kept in the progress
file when its verdict differs from the one before.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import TYPE_CHECKING

from grader.errors import GradeError
from grader.exercises import Exercise
from grader.progress.store import Progress
from grader.report import render_result, wrap
from grader.results import ExerciseResult

if TYPE_CHECKING:
    from grader.sandbox.control import Running

POLL = 30.0  # seconds one wait for a change may last
SETTLE = 0.3  # seconds without a new request before grading again


def watch(exercise: Exercise) -> int:
    if exercise.kind != "hands-on":
        raise GradeError(f"`grade watch` is for hands-on exercises; {exercise.id} is a quiz.",
                         f"Run `grade {exercise.id[:2]}`.")
    from grader.grading import target_for
    from grader.runner import run_checks
    from grader.sandbox import control

    running = control.require()
    terminal = sys.stdout.isatty()
    last: tuple[bool, tuple[str, ...]] | None = None
    try:
        while True:
            seen = control.events(running)
            result = run_checks(exercise, target_for(None, False))
            verdict = (result.passed, tuple(result.failed_ids))
            if verdict != last:
                Progress().record(exercise.id, result.passed, result.failed_ids, result.mode,
                                  result.account_id)
                last = verdict
            _show(result, terminal)
            _wait_for_change(running, seen)
    except KeyboardInterrupt:
        print("\nStopped watching.")
        return 0
    except OSError:
        raise GradeError("The simulated account stopped answering, so watching stopped.",
                         "Start it with `grade sandbox start`, then watch again.") from None


def _wait_for_change(running: Running, seen: int) -> None:
    """Block until the record grows past `seen`, then until it stops growing for a moment."""
    from grader.sandbox import control

    now = seen
    while now <= seen:
        now = control.events(running, after=seen, wait=POLL)
    while (later := control.events(running, after=now, wait=SETTLE)) > now:
        now = later


def _show(result: ExerciseResult, terminal: bool) -> None:
    if terminal:
        sys.stdout.write("\033[2J\033[H")  # clear the screen: the checks change in place
    stamp = dt.datetime.now().strftime("%H:%M:%S")
    sys.stdout.write(render_result(result, sys.stdout))
    print(wrap(f"Graded at {stamp}; watching the simulated account for changes "
               "(Ctrl-C stops)."))
    if not terminal:
        print()
    sys.stdout.flush()
