"""Every hands-on exercise, found in its folder, through the real `grade` command on a real
simulated account: its checks fail on the account it begins in, each wrong solution
(`broken/`) fails exactly the checks it declares, and every reference solution
(`solution/`: the AWS CLI, boto3, notebooks) passes, the exercises it began after still
passing. Where an exercise begins: tests/exercise_starts.py; what only some runs also
show: tests/exercise_extras.py.

One test per exercise and script, so that a parallel run spreads them over its workers."""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.course.exercises import Exercise, all_exercises
from tests.conftest import Course
from tests.exercise_extras import EXTRAS, STARTING, Ran, also
from tests.exercise_runs import NOT_SCRIPTS, reference_solutions, run, wrong_solutions
from tests.exercise_starts import USER, begin
from tests.exercise_verdicts import (
    check_ids,
    declared_failures,
    passes,
    the_server_agrees,
    verdicts,
)

HANDS_ON = [e for e in all_exercises() if e.kind == "hands-on"]
WRONG = [(e, s) for e in HANDS_ON for s in wrong_solutions(e)]
RIGHT = [(e, s) for e in HANDS_ON for s in reference_solutions(e)]
# Reference solutions in Python run as a user named otherwise than the tests' usual one, as
# a learner names theirs: nothing may depend on the name.
OTHER_USER = "maria.garcia"


def _name(case: tuple[Exercise, Path]) -> str:
    exercise, script = case
    return f"{exercise.id}/{script.relative_to(exercise.folder).as_posix()}"


def _answers(exercise: Exercise, tmp_path: Path) -> Path | None:
    """Where a run's answers go, for an exercise that asks questions (05: who, when)."""
    return tmp_path / "answers.toml" if exercise.questions else None


@pytest.mark.parametrize("exercise", HANDS_ON, ids=lambda e: e.id)
def test_the_starting_account_fails_every_check(fresh: Course, tmp_path: Path,
                                                exercise: Exercise) -> None:
    begun = begin(fresh, exercise, None, tmp_path / "home")
    answers = _answers(exercise, tmp_path)
    status, passed, said = verdicts(fresh, exercise.id, answers, check_ids(exercise))
    assert status == 1 and not any(passed.values()), said
    also(Ran(fresh, exercise, begun, tmp_path / "home", answers, None, said), STARTING)


@pytest.mark.parametrize(("exercise", "script"), WRONG, ids=[_name(c) for c in WRONG])
def test_each_wrong_solution_fails_what_it_declares(fresh: Course, tmp_path: Path,
                                                    exercise: Exercise, script: Path) -> None:
    checks = check_ids(exercise)
    expected = declared_failures(script)
    assert set(expected) <= set(checks), set(expected) - set(checks)
    begun = begin(fresh, exercise, script, tmp_path / "home")
    answers = _answers(exercise, tmp_path)
    done = run(fresh, script, begun, answers)
    status, passed, said = verdicts(fresh, exercise.id, answers, checks)
    assert status == 1
    assert sorted(c for c in checks if not passed[c]) == sorted(expected), said
    also(Ran(fresh, exercise, begun, tmp_path / "home", answers, done, said),
         script.relative_to(exercise.folder).as_posix())


@pytest.mark.parametrize(("exercise", "script"), RIGHT, ids=[_name(c) for c in RIGHT])
def test_each_reference_solution_passes(fresh: Course, tmp_path: Path, exercise: Exercise,
                                        script: Path) -> None:
    python = script.suffix == ".py"
    begun = begin(fresh, exercise, script, tmp_path / "home", OTHER_USER if python else USER)
    answers = _answers(exercise, tmp_path)
    done = run(fresh, script, begun, answers)
    said = passes(fresh, exercise, answers, begun.done)
    if python:
        the_server_agrees(fresh, exercise.id, answers)
    also(Ran(fresh, exercise, begun, tmp_path / "home", answers, done, said),
         script.relative_to(exercise.folder).as_posix())


# What the tests above rely on, read from the folders (no account needed).

def test_every_hands_on_exercise_has_right_and_wrong_solutions_to_run() -> None:
    assert len(HANDS_ON) >= 5
    for exercise in HANDS_ON:
        assert reference_solutions(exercise), exercise.id
        assert wrong_solutions(exercise), exercise.id
        check_ids(exercise)


@pytest.mark.parametrize("exercise", HANDS_ON, ids=lambda e: e.id)
def test_every_solution_file_is_run_or_read(exercise: Exercise) -> None:
    """A file of `solution/` is a script the tests above run, or what one reads, or steps
    for a person that a test of its own follows: none is left unproven by mistake."""
    scripts = set(reference_solutions(exercise))
    for path in sorted((exercise.folder / "solution").iterdir()):
        assert path in scripts or path.suffix in NOT_SCRIPTS, path


def test_every_extra_names_a_run_of_the_driver() -> None:
    runs = {(e.id, STARTING) for e in HANDS_ON} | {
        (e.id, s.relative_to(e.folder).as_posix()) for e, s in [*WRONG, *RIGHT]}
    assert set(EXTRAS) <= runs, set(EXTRAS) - runs
