"""`grade NN --json` as the exercises' tests read it: (exit status, passed by check id,
message by check id); the checks an exercise has and those a wrong solution says it
fails; "this passes NN, and the exercises it began after still pass"; and an instructor's
server agreeing with the learner's verdict."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from grader.course.exercises import Exercise
from tests.conftest import Course

Verdicts = tuple[int, dict[str, bool], dict[str, str]]


def verdicts(course: Course, exercise: str, answers: Path | None = None,
             checks: list[str] | None = None, env: dict[str, str] | None = None) -> Verdicts:
    """Grade `exercise`; `checks`: the check ids it must report, in order."""
    args = [exercise, "--json"] + (["--answers", str(answers)] if answers else [])
    done = course.grade(*args, env=env)
    assert done.returncode in (0, 1), done.stderr + done.stdout
    result = json.loads(done.stdout)
    if checks is not None:
        assert [c["id"] for c in result["checks"]] == checks
    return (done.returncode, {c["id"]: c["passed"] for c in result["checks"]},
            {c["id"]: c["message"] for c in result["checks"]})


def check_ids(exercise: Exercise) -> list[str]:
    """The ids of `exercise`'s checks, in the order `grade` reports them: those it reuses
    (`reuses`, in the order named), then each `@check(id=...)` of its `test_*.py` files,
    file by file (as pytest collects them)."""
    found = [check_id for _, check_id in exercise.reuses]
    for path in sorted(exercise.folder.glob("test_*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and ast.unparse(decorator.func) == "check":
                    found += [k.value.value for k in decorator.keywords if k.arg == "id"
                              and isinstance(k.value, ast.Constant)]
    assert found, f"{exercise.id} has no @check(id=...) in its test_*.py"
    return found


def declared_failures(script: Path) -> list[str]:
    """The checks a wrong solution says it fails: its `fails: a, b` line (in a Python
    script's docstring, or a shell script's `# fails: a, b` comment)."""
    found = re.search(r"^(?:# )?fails: (.+)$", script.read_text(), re.MULTILINE)
    assert found, f"{script.name} must say which checks it fails ('fails: ...')"
    return [name.strip() for name in found.group(1).split(",")]


def passes(course: Course, exercise: Exercise, answers: Path | None,
           earlier: tuple[str, ...] = ()) -> dict[str, str]:
    """Every check of `exercise` passes (their messages), and every check of each
    `earlier` exercise (those its account began with) still does."""
    status, passed, said = verdicts(course, exercise.id, answers, check_ids(exercise))
    assert status == 0 and all(passed.values()), {k: v for k, v in said.items() if v}
    for done in earlier:
        status, passed, those = verdicts(course, done)
        assert status == 0 and all(passed.values()), (done, {k: v for k, v in those.items() if v})
    return said


def the_server_agrees(course: Course, exercise: str, answers: Path | None = None) -> None:
    """An instructor's server re-grading this account from its record (in this process, as
    its worker does) finds every event true and gives every check the learner's verdict."""
    from grader.course.exercises import find
    from grader.progress.submission import account_identity
    from grader.sandbox.account import load_account
    from grader.sandbox.history.record import Record
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
