"""`grade NN --json` as the exercises' tests read it: (exit status, passed by check id,
message by check id), and "this solution passes NN and still passes 03"."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tests.conftest import Course

Verdicts = tuple[int, dict[str, bool], dict[str, str]]


def verdicts(course: Course, exercise: str, answers: Path | None = None,
             checks: list[str] | None = None) -> Verdicts:
    """Grade `exercise`; `checks`: the check ids it must report, in order."""
    args = [exercise, "--json"] + (["--answers", str(answers)] if answers else [])
    done = course.grade(*args)
    assert done.returncode in (0, 1), done.stderr + done.stdout
    result = json.loads(done.stdout)
    if checks is not None:
        assert [c["id"] for c in result["checks"]] == checks
    return (done.returncode, {c["id"]: c["passed"] for c in result["checks"]},
            {c["id"]: c["message"] for c in result["checks"]})


def passes_with_03(course: Course, exercise: str, checks: list[str], answers: Path) -> None:
    """Every check of `exercise` passes, and every check of 03 still does."""
    for graded, expected, given in ((exercise, checks, answers), ("03", None, None)):
        status, passed, said = verdicts(course, graded, given, expected)
        assert status == 0 and all(passed.values()), {k: v for k, v in said.items() if v}


def run_solution_notebook(course: Course, folder: Path, env: dict[str, str],
                          answers: Path) -> None:
    """Run the exercise's `solution/solution.ipynb` as a learner's Jupyter would, in its
    folder, with `env` (the learner's credentials) and $ANSWERS."""
    from tests.test_exercise_04 import NOTEBOOK_RUNNER

    notebook = folder / "solution" / "solution.ipynb"
    done = course.run([sys.executable, "-c", NOTEBOOK_RUNNER, str(notebook),
                       str(notebook.parent)], env=env | {"ANSWERS": str(answers)})
    assert done.returncode == 0, done.stderr[-2000:]
