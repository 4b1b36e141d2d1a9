"""Run one exercise's checks against a target account with pytest."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

from grader.checks.target import Target
from grader.course.exercises import Exercise, ExerciseDefinitionError
from grader.errors import GradeError
from grader.grading.results import ExerciseResult
from grader.grading.reused_checks import reused_checks, reused_files
from grader.paths import append_private, grade_home


def run_checks(exercise: Exercise, target: Target,
               answers: Path | None = None) -> ExerciseResult:
    """Grade `exercise` on `target` (with the learner's `answers` file to its questions,
    if it asks any); GradeError when the grading cannot run."""
    import pytest

    from grader.checks import plugin as fixtures
    from grader.checks.plugin import GradingPlugin

    reused = reused_checks(exercise)
    plugin = GradingPlugin(target, answers, exercise.folder, reused)
    args = [
        # The check files of the exercises it reuses checks of (only those checks are
        # kept: `GradingPlugin`), then the exercise's folder. pytest neither walks the
        # folders above them (the course, a learner's home) nor loads a conftest.py there.
        *[str(path) for path in reused_files(reused)],
        str(exercise.folder), "-c", os.devnull, "--rootdir", str(exercise.folder),
        "--confcutdir", str(exercise.folder),
        "--import-mode=importlib",  # checks of different exercises may share file names
        # A check's verdict is its assertion's message (`plugin._message`): pytest need not
        # rewrite the checks' asserts (compiled again each grading). (Nor read their source
        # for a failure's traceback: `GradingPlugin.pytest_configure`.)
        "--assert=plain",
        "-p", "no:cacheprovider", "-p", "no:terminal", "-p", "no:warnings",
        "-p", "no:doctest", "-p", "no:junitxml", "-p", "no:pastebin", "-p", "no:nose",
        "-p", "no:stepwise", "-p", "no:legacypath", "-p", "no:unittest", "--capture=no",
        "-p", "no:unraisableexception", "-p", "no:threadexception", "-p", "no:faulthandler",
        "--ignore", str(exercise.folder / "solution"), "--ignore", str(exercise.folder / "broken"),
    ]
    # Checks print nothing (`--capture=no`): pytest must not take over the process's
    # output, which in the simulated account's server is its log (`grader.grading.in_account`).
    # Checks need no third-party pytest plugin; not loading them saves time and keeps a
    # learner's own plugins from changing how their work is graded.
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    errors = io.StringIO()
    loaded = set(sys.modules)
    try:
        with contextlib.redirect_stderr(errors):
            code = pytest.main(args, plugins=[plugin, fixtures])
    finally:  # the exercises' check modules must not linger for the next grading
        folders = tuple(str(f) for f in (exercise.folder, *reused))
        for name in set(sys.modules) - loaded:
            if str(getattr(sys.modules[name], "__file__", "") or "").startswith(folders):
                del sys.modules[name]
    if code == pytest.ExitCode.INTERNAL_ERROR and plugin.error is None:
        log = grade_home() / "grade-errors.log"
        append_private(log, errors.getvalue())
        raise GradeError(f"The checks of {exercise.id} crashed.",
                         f"The details are in {log}; please report them.")
    if plugin.error is not None:
        raise plugin.error
    if plugin.collection_errors:
        raise ExerciseDefinitionError(
            f"The checks of {exercise.id} cannot run: " + "; ".join(plugin.collection_errors),
            "This is a mistake in the exercise (course authors).",
        )
    if not plugin.results:
        raise GradeError(f"No check of {exercise.id} ran.",
                         "This is a mistake in the exercise (course authors).")
    account = target.known_account
    return ExerciseResult(exercise.id, exercise.title, target.mode, plugin.results, account)
