"""Checks one exercise grades that another exercise defines (`reuses` in its
exercise.toml: "03-stop-using-root/admin-group"), so that a rule is written once: a
capstone grades 03's admin check with 03's own code, not a copy of it.

The runner gives pytest the other exercise's check files beside the exercise's own
folder; the grading plugin keeps only the named checks of those files, graded first, in
the order named (`grader.checks.plugin.GradingPlugin`).
"""

from __future__ import annotations

from pathlib import Path

from grader.course.exercise_folder import Exercise, ExerciseDefinitionError

# {the other exercise's folder: the ids of its checks reused, in the order named}
Reused = dict[Path, list[str]]


def reused_checks(exercise: Exercise) -> Reused:
    """The folders and check ids `exercise` reuses; ExerciseDefinitionError when one names
    an exercise the course does not have, or one that is not hands-on."""
    from grader.course.exercises import find
    from grader.errors import GradeError

    found: Reused = {}
    for other_id, check_id in exercise.reuses:
        try:
            other = find(other_id)
        except GradeError:
            raise ExerciseDefinitionError(
                f"{exercise.id} reuses {other_id}/{check_id}, but the course has no exercise "
                f"{other_id}.", "Fix `reuses` in its exercise.toml (course authors).") from None
        if other.id != other_id or other.kind != "hands-on":
            raise ExerciseDefinitionError(
                f"{exercise.id} reuses {other_id}/{check_id}: {other_id} is not a hands-on "
                "exercise of the course.", "Fix `reuses` in its exercise.toml (course authors).")
        found.setdefault(other.folder, []).append(check_id)
    return found


def reused_files(reused: Reused) -> list[Path]:
    """The check files (`test_*.py`) of the exercises reused from."""
    return [path for folder in reused for path in sorted(folder.glob("test_*.py"))]
