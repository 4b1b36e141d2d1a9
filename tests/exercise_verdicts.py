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


def the_server_agrees(course: Course, exercise: str, answers: Path | None = None) -> None:
    """An instructor's server re-grading this account from its record (in this process, as
    its worker does) finds every event true and gives every check the learner's verdict."""
    from grader.exercises import find
    from grader.progress.submission import account_identity
    from grader.sandbox.account import load_account
    from grader.sandbox.record import Record
    from grader.server.regrade import REGRADED, regrade

    _, learners, _ = verdicts(course, exercise, answers)
    account = load_account(course.home / "sandbox")
    assert account is not None
    record = Record(course.home / "sandbox" / "record.sqlite")
    events = record.stored()
    record.close()
    outcome = regrade(find(exercise).id, "sandbox", account_identity(account), events,
                      answers.read_text(encoding="utf-8") if answers else None)
    assert outcome.status == REGRADED and outcome.problems == [], outcome.problems
    assert outcome.verdict is not None
    assert {c["id"]: c["passed"] for c in outcome.verdict["checks"]} == learners


def run_solution_notebook(course: Course, folder: Path, env: dict[str, str],
                          answers: Path) -> None:
    """Run the exercise's `solution/solution.ipynb` as a learner's Jupyter would, in its
    folder, with `env` (the learner's credentials) and $ANSWERS."""
    from tests.test_exercise_04 import NOTEBOOK_RUNNER

    notebook = folder / "solution" / "solution.ipynb"
    done = course.run([sys.executable, "-c", NOTEBOOK_RUNNER, str(notebook),
                       str(notebook.parent)], env=env | {"ANSWERS": str(answers)})
    assert done.returncode == 0, done.stderr[-2000:]
