"""The course's exercises: found in their folders under `exercises/`, in course order.

Every folder there is an exercise (`grader.course.exercise_folder` reads and validates
one): its name, `NN-words-with-dashes`, is its id and its number its place in
the course. Nothing else lists them: a course author adds an exercise by adding
its folder. A folder that is no exercise (a name not of that form, no or a bad
`exercise.toml`), two folders with one number, or an exercise that begins after
one the course does not have, is a course author's mistake that every command
names (ExerciseDefinitionError). Folders whose names start with `.` or `_` (an
editor's, Python's caches) are not exercises.
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass
from pathlib import Path

from grader.course.exercise_folder import (
    KINDS,
    Exercise,
    ExerciseDefinitionError,
    PlannedExercise,
    load,
    read_definition,
    read_folder,
)
from grader.errors import GradeError
from grader.paths import exercises_dir

__all__ = ["KINDS", "CoursePath", "Exercise", "ExerciseDefinitionError", "PlannedExercise",
           "all_exercises", "course_path", "find", "load", "read_definition"]


@dataclass(frozen=True)
class CoursePath:
    """The numbered course path: the exercises this version has, and those it plans."""

    exercises: tuple[Exercise, ...]
    planned: tuple[PlannedExercise, ...]


def course_path(root: Path | None = None) -> CoursePath:
    """The exercises of the folder `root` (the course's, `grader.paths.exercises_dir`),
    in course order (read once per process and folder)."""
    return _discover((root or exercises_dir()).resolve())


def all_exercises(root: Path | None = None) -> tuple[Exercise, ...]:
    """Every exercise of the course, in course order (not the planned ones)."""
    return course_path(root).exercises


@functools.cache
def _discover(root: Path) -> CoursePath:
    if not root.is_dir():
        raise ExerciseDefinitionError(
            f"There is no exercises folder at {root}.",
            "Set GRADE_EXERCISES to a folder of exercise folders, or unset it.")
    found: list[Exercise | PlannedExercise] = []
    refused: list[ExerciseDefinitionError] = []
    for folder in sorted(p for p in root.iterdir()
                         if p.is_dir() and not p.name.startswith((".", "_"))):
        try:
            found.append(read_folder(folder))
        except ExerciseDefinitionError as error:
            refused.append(error)
    problems = [e.reason for e in refused] + _shared_numbers(found) + _unknown_beginnings(found)
    if len(problems) == 1 and refused:
        raise refused[0]  # with its own fix
    if problems:
        raise ExerciseDefinitionError(" ".join(problems),
                                      "Fix the exercise folders (course authors).")
    found.sort(key=lambda e: e.number)
    return CoursePath(exercises=tuple(e for e in found if isinstance(e, Exercise)),
                      planned=tuple(e for e in found if isinstance(e, PlannedExercise)))


def _shared_numbers(found: list[Exercise | PlannedExercise]) -> list[str]:
    by_number: dict[int, list[str]] = {}
    for exercise in found:
        by_number.setdefault(exercise.number, []).append(exercise.id)
    return [f"{' and '.join(ids)} have the same number, {number:02d}: each exercise's number "
            "is its own place in the course."
            for number, ids in sorted(by_number.items()) if len(ids) > 1]


def _unknown_beginnings(found: list[Exercise | PlannedExercise]) -> list[str]:
    """The exercises that begin after an exercise the course does not have (or a quiz)."""
    hands_on = {e.id for e in found if isinstance(e, Exercise) and e.kind == "hands-on"}
    return [f"{e.folder / 'exercise.toml'}: begins_after names {e.begins_after}, which is "
            "not a hands-on exercise of this course."
            for e in found if isinstance(e, Exercise) and e.begins_after is not None
            and e.begins_after not in hands_on]


def find(name: str, root: Path | None = None) -> Exercise:
    """The exercise named by its id (`03-stop-using-root`), its number (`03`, `3`), or the
    start of its id that no other exercise's shares (`03-stop`, `stop-using`, `mfa`)."""
    wanted = name.strip().lower()
    path = course_path(root)
    exercises = path.exercises
    for exercise in exercises:
        if wanted == exercise.id or (wanted.isdigit() and int(wanted) == exercise.number):
            return exercise
    for planned in path.planned:
        if wanted == planned.id or (wanted.isdigit() and int(wanted) == planned.number):
            raise GradeError(f"Exercise {planned.id} is not in this version of the course yet.",
                             "Run `grade list` to see the exercises you can do now.")
    starting = _starting_with(wanted, exercises)
    if len(starting) == 1:
        return starting[0]
    if len(starting) > 1:
        listed = " or ".join(f"`grade {e.id}`" for e in starting)
        raise GradeError(f"{name!r} is the start of several exercises' names.",
                         f"Did you mean {listed}?")
    close = _nearest(wanted, exercises)
    suggestion = f"Did you mean `grade {close}`? " if close else ""
    raise GradeError(f"There is no exercise {name!r}.",
                     f"{suggestion}Run `grade list` to see them all.")


def _starting_with(wanted: str, exercises: tuple[Exercise, ...]) -> list[Exercise]:
    """The exercises whose id, or id without its number, starts with `wanted` (at least two
    letters of the name: a lone digit or dash is no name)."""
    if len(wanted.strip("0123456789-")) < 2:
        return []
    return [e for e in exercises if e.id.startswith(wanted) or e.id[3:].startswith(wanted)]


def _nearest(wanted: str, exercises: tuple[Exercise, ...]) -> str | None:
    """The exercise id a mistyped name most likely meant: by number when the name has
    only that, else by the name's likeness (a word like `help` that is like none: None)."""
    number = re.match(r"^(\d+)-?$", wanted)
    same_number = [e for e in exercises if number and e.number == int(number.group(1))]
    if same_number:
        return same_number[0].id
    ids = [e.id for e in exercises]
    by_name = {e.id[3:]: e.id for e in exercises}
    close = difflib.get_close_matches(wanted, ids, n=1, cutoff=0.6) or [
        by_name[m] for m in difflib.get_close_matches(wanted, list(by_name), n=1, cutoff=0.6)]
    return close[0] if close else None
