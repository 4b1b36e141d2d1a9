"""An exercise is its folder: a copy of an exercise's folder, named for the next free number,
is in `grade list`, shown, graded and counted in the progress, with no edit anywhere else
(the real `grade`, reading a copy of the course's exercises: GRADE_EXERCISES). The
simulated account, started before the folder existed, grades it too."""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.exercises import course_path
from tests.conftest import EXERCISES, Course
from tests.exercise_verdicts import verdicts


def copy_as_next(exercises: Path, original: str, words: str) -> str:
    """Copy exercise `original` as a new exercise after every other (its id, in its
    exercise.toml, is the one thing in the folder that changes); the new id."""
    path = course_path()
    number = max(e.number for e in (*path.exercises, *path.planned)) + 1
    new = f"{number:02d}-{words}"
    shutil.copytree(EXERCISES / original, exercises / new)
    meta = exercises / new / "exercise.toml"
    meta.write_text(meta.read_text().replace(f'id = "{original}"', f'id = "{new}"'))
    return new


def test_a_copied_folder_is_a_new_exercise(fresh: Course, tmp_path: Path) -> None:
    exercises = tmp_path / "exercises"
    shutil.copytree(EXERCISES, exercises, ignore=shutil.ignore_patterns("answers*.toml"))
    new = copy_as_next(exercises, "00-setup", "who-am-i-again")
    env = fresh.env | {"GRADE_EXERCISES": str(exercises)}

    listed = fresh.grade("list", env=env)
    assert listed.returncode == 0, listed.stderr
    ids = [line.split()[0] for line in listed.stdout.splitlines()]
    assert ids == [e.id for e in course_path().exercises] + [new]
    assert new not in fresh.grade("list").stdout  # the course's own folder is as it was

    shown = fresh.grade("show", new[:2], env=env)
    assert shown.returncode == 0 and "get-caller-identity" in shown.stdout, shown.stderr
    status, passed, said = verdicts(fresh, new[:2], checks=["called-get-caller-identity"],
                                    env=env)
    assert status == 1 and not any(passed.values()), said
    done = fresh.run(["aws", "sts", "get-caller-identity"])
    assert done.returncode == 0, done.stderr
    status, passed, said = verdicts(fresh, new, checks=["called-get-caller-identity"], env=env)
    assert status == 0 and all(passed.values()), said
    progress = fresh.grade(env=env).stdout
    assert f"done     {new}" in progress, progress
