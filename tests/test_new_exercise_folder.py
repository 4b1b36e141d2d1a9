"""An exercise is its folder: a copy of an exercise's folder, named for the next free number,
is in `grade list`, shown, graded and counted in the progress, with no edit anywhere else
(the real `grade`, reading a copy of the course's exercises: GRADE_EXERCISES). The
simulated account, started before the folder existed, grades it too."""

from __future__ import annotations

import shutil
from pathlib import Path

from grader.course.exercises import course_path
from tests.conftest import EXERCISES, Course, client
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


def test_an_exercise_grades_another_exercises_checks_by_naming_them(
        fresh: Course, tmp_path: Path) -> None:
    """`reuses` in exercise.toml: 03's checks, graded by a new exercise with 03's own code,
    first and in the order named, beside the exercise's own; the checks of 03 it does not
    name are not run."""
    exercises = tmp_path / "exercises"
    shutil.copytree(EXERCISES, exercises, ignore=shutil.ignore_patterns("answers*.toml"))
    new = copy_as_next(exercises, "00-setup", "capstone-ish")
    meta = exercises / new / "exercise.toml"
    meta.write_text('reuses = ["03-stop-using-root/root-has-no-access-keys", '
                    '"03-stop-using-root/admin-group"]\n' + meta.read_text())
    env = fresh.env | {"GRADE_EXERCISES": str(exercises)}
    order = ["root-has-no-access-keys", "admin-group", "called-get-caller-identity"]
    status, passed, said = verdicts(fresh, new, checks=order, env=env)
    assert status == 1 and not any(passed.values()), said
    assert said["admin-group"] == "the account has no IAM groups yet"

    iam = client(fresh.sandbox_env(), "iam")
    iam.create_group(GroupName="Admins")
    iam.attach_group_policy(GroupName="Admins",
                            PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    assert fresh.run(["aws", "sts", "get-caller-identity"]).returncode == 0
    status, passed, said = verdicts(fresh, new, checks=order, env=env)
    assert passed == {"root-has-no-access-keys": False, "admin-group": True,
                      "called-get-caller-identity": True}, said


def test_a_reused_check_that_does_not_exist_is_the_exercises_mistake(
        fresh: Course, tmp_path: Path) -> None:
    exercises = tmp_path / "exercises"
    shutil.copytree(EXERCISES, exercises, ignore=shutil.ignore_patterns("answers*.toml"))
    new = copy_as_next(exercises, "00-setup", "reuses-nothing")
    meta = exercises / new / "exercise.toml"
    original = meta.read_text()
    env = fresh.env | {"GRADE_EXERCISES": str(exercises)}
    for reuses, said in [('["03-stop-using-root/no-such-check"]', "does not have"),
                         ('["42-no-such-exercise/admin-group"]', "no exercise"),
                         ('["01-shared-responsibility/anything"]', "not a hands-on")]:
        meta.write_text(f"reuses = {reuses}\n" + original)
        done = fresh.grade(new, env=env)
        assert done.returncode == 2 and said in done.stderr, done.stderr
        assert "course authors" in done.stderr and "Traceback" not in done.stderr
