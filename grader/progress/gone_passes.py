"""Passes earned on a simulated account that is no longer there.

A hands-on exercise's pass stands on the account it was earned in: after
`grade sandbox reset` (or `grade restart NN` of an earlier exercise) that work
is no longer in the account, and the next exercise cannot build on it. The
account notes where each exercise was first passed in it (`checkpoints`), and
a reset or restart takes those notes away with the work; so a pass earned in
the simulated account whose exercise the account has no note of was earned on
an account that is gone (it is archived: `grade sandbox archives`).
"""

from __future__ import annotations

from collections.abc import Sequence

from grader.course.exercises import Exercise
from grader.paths import sandbox_dir
from grader.progress.store import ExerciseProgress, Progress
from grader.sandbox.history import checkpoints


def gone_passes(exercises: Sequence[Exercise],
                summary: dict[str, ExerciseProgress]) -> set[str]:
    """The hands-on exercises passed in the simulated account only on one that is gone.
    Empty when the account does not note where exercises were passed (none was opened
    yet, or it was made by an older `grade`): then nothing can be told."""
    noted = checkpoints.load(sandbox_dir())
    if checkpoints.OPENED not in noted:
        return set()
    candidates = [e.id for e in exercises if e.kind == "hands-on" and e.id not in noted
                  and e.id in summary and summary[e.id].passed]
    if not candidates:
        return set()
    gradings = Progress().gradings()
    live = {g.exercise for g in gradings if g.passed and g.mode == "live"}
    return {e for e in candidates if e not in live}
