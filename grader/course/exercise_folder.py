"""One exercise folder, read and validated: its name and its `exercise.toml`.

An exercise folder holds `exercise.toml` (its metadata: id, title, kind,
lesson, graduated hints), `README.md` (the task), the checks (`test_*.py`)
and, for hands-on exercises, `solution/` and `broken/`. The folder name
(`NN-words-with-dashes`) is the exercise id, the progress key and the site
page; its leading number is its place in the course.

A planned exercise is a folder whose `exercise.toml` says `planned = true`
beside its id and title, and nothing more yet: the course path names it
(`grade 08` says it is not in this version of the course), nothing else
shows it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import GradeError

KINDS = ("hands-on", "quiz")
FOLDER_NAME = re.compile(r"^(\d{2})-[a-z0-9]+(-[a-z0-9]+)*$")
_REQUIRED = {"id", "title", "kind", "lesson", "summary", "hints"}
_KEYS = _REQUIRED | {"questions", "begins_after", "reuses"}
# A check of another exercise, named in `reuses`: "03-stop-using-root/admin-group".
REUSED = re.compile(r"^(\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*)/([a-z0-9]+(?:-[a-z0-9]+)*)$")
_PLANNED_KEYS = {"id", "title", "planned"}
_FIX = "Fix the exercise's metadata (course authors)."


@dataclass(frozen=True)
class Exercise:
    id: str
    number: int
    title: str
    kind: str
    lesson: str  # the lesson page on the site, e.g. "lessons/stop-using-root.md"
    summary: str
    hints: tuple[str, ...]
    folder: Path
    # A hands-on exercise's questions about the account (05: who did it, and when),
    # answered in `answers.toml` in its folder, as `name = "answer"`.
    questions: tuple[str, ...] = ()
    # The earlier hands-on exercise whose end is where this one begins (05 begins where
    # 04 leaves the account: an admin user with MFA); None: a new account, as root.
    begins_after: str | None = None
    # Checks of other hands-on exercises this one grades too, written once where they are
    # (`reuses = ["03-stop-using-root/admin-group"]`): (exercise id, check id) each, graded
    # before its own checks, in this order (`grader.grading.runner`).
    reuses: tuple[tuple[str, str], ...] = ()

    @property
    def task(self) -> str:
        return (self.folder / "README.md").read_text(encoding="utf-8")


@dataclass(frozen=True)
class PlannedExercise:
    """An exercise the course path names but this version of the course does not have."""

    id: str
    number: int
    title: str
    folder: Path


class ExerciseDefinitionError(GradeError):
    """An exercise folder whose metadata is wrong (a course author's mistake)."""


def read_definition(path: Path, error: type[GradeError]) -> dict[str, Any]:
    """A course author's TOML file (exercise.toml, quiz.toml), or `error` saying why not."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as reason:
        raise error(f"{path} cannot be read: {reason}.",
                    "Fix the file (course authors).") from None


def read_folder(folder: Path) -> Exercise | PlannedExercise:
    """Read and validate one exercise folder: an exercise, or a planned one."""
    meta_path = folder / "exercise.toml"
    if not FOLDER_NAME.match(folder.name):
        raise ExerciseDefinitionError(
            f"{folder}: an exercise folder's name must be NN-words-with-dashes "
            "(two digits, then lower-case words: 03-stop-using-root).",
            f"Every folder in {folder.parent} is an exercise: rename this one, or move it "
            "out (course authors).")
    if not meta_path.is_file():
        raise ExerciseDefinitionError(f"{folder}: exercise.toml is missing.",
                                      "Add exercise.toml (its id, title, kind, lesson, summary "
                                      "and hints), as every exercise folder has (course authors).")
    meta = read_definition(meta_path, ExerciseDefinitionError)
    if "planned" in meta:
        return _planned(folder, meta)
    problems = _problems(folder, meta)
    if problems:
        raise ExerciseDefinitionError(f"{meta_path}: " + "; ".join(problems) + ".", _FIX)
    begins_after = meta.get("begins_after")
    return Exercise(
        id=folder.name, number=int(folder.name[:2]), title=str(meta["title"]),
        kind=str(meta["kind"]), lesson=str(meta["lesson"]), summary=str(meta["summary"]),
        hints=tuple(h.strip() for h in meta["hints"]), folder=folder,
        questions=tuple(meta.get("questions", [])),
        begins_after=str(begins_after) if begins_after is not None else None,
        reuses=tuple((found.group(1), found.group(2)) for found in (
            REUSED.match(str(name)) for name in meta.get("reuses", [])) if found),
    )


def load(folder: Path) -> Exercise:
    """Read and validate one exercise folder (ExerciseDefinitionError for a planned one)."""
    found = read_folder(folder)
    if isinstance(found, PlannedExercise):
        raise ExerciseDefinitionError(f"{folder} is a planned exercise: it has no task yet.",
                                      "Give it its task, checks and metadata (course authors).")
    return found


def _planned(folder: Path, meta: dict[str, Any]) -> PlannedExercise:
    problems = []
    if meta.get("planned") is not True:
        problems.append("planned must be true (or left out)")
    unknown = set(meta) - _PLANNED_KEYS
    if unknown:
        problems.append(f"a planned exercise has only an id and a title: unknown keys "
                        f"{sorted(unknown)}")
    if meta.get("id") != folder.name:
        problems.append(f"id {meta.get('id')!r} differs from the folder name {folder.name!r}")
    if not isinstance(meta.get("title"), str) or not meta["title"].strip():
        problems.append("title must be a text")
    if problems:
        raise ExerciseDefinitionError(f"{folder / 'exercise.toml'}: " + "; ".join(problems)
                                      + ".", _FIX)
    return PlannedExercise(id=folder.name, number=int(folder.name[:2]),
                           title=str(meta["title"]), folder=folder)


def _problems(folder: Path, meta: dict[str, Any]) -> list[str]:
    """What is wrong with an exercise's metadata (nothing: an empty list)."""
    problems = []
    unknown = set(meta) - _KEYS
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)}")
    missing = _REQUIRED - set(meta)
    if missing:
        problems.append(f"missing keys {sorted(missing)}")
    if meta.get("id") != folder.name:
        problems.append(f"id {meta.get('id')!r} differs from the folder name {folder.name!r}")
    if meta.get("kind") not in KINDS:
        problems.append(f"kind must be one of {KINDS}")
    hints = meta.get("hints", [])
    if not isinstance(hints, list) or not hints or not all(
            isinstance(h, str) and h.strip() for h in hints):
        problems.append("hints must be a non-empty list of texts")
    questions = meta.get("questions", [])
    if not isinstance(questions, list) or not all(
            isinstance(q, str) and re.fullmatch(r"[a-z][a-z0-9-]*", q) for q in questions):
        problems.append("questions must be a list of names (lower case, digits, dashes)")
    if questions and meta.get("kind") != "hands-on":
        problems.append("only hands-on exercises have questions (a quiz has quiz.toml)")
    problems += _begins_after_problems(folder, meta)
    problems += _reuses_problems(folder, meta)
    if not (folder / "README.md").is_file():
        problems.append("README.md (the task) is missing")
    return problems


def _begins_after_problems(folder: Path, meta: dict[str, Any]) -> list[str]:
    """`begins_after` names an earlier exercise (that it is a hands-on exercise of the
    course is for the course to tell: `grader.course.exercises`)."""
    if "begins_after" not in meta:
        return []
    earlier = meta["begins_after"]
    if meta.get("kind") != "hands-on":
        return ["only hands-on exercises begin after another (a quiz asks, it needs no account)"]
    if not isinstance(earlier, str) or not FOLDER_NAME.match(earlier):
        return ["begins_after must name an exercise by its id (03-stop-using-root)"]
    if int(earlier[:2]) >= int(folder.name[:2]):
        return [f"begins_after must name an earlier exercise than this one, not {earlier!r}"]
    return []


def _reuses_problems(folder: Path, meta: dict[str, Any]) -> list[str]:
    """`reuses` names checks of other exercises, each once (that the exercise and the check
    exist is for the grading to tell: `grader.grading.runner`)."""
    if "reuses" not in meta:
        return []
    named = meta["reuses"]
    if meta.get("kind") != "hands-on":
        return ["only hands-on exercises reuse checks (they grade an account)"]
    if not isinstance(named, list) or not named or not all(
            isinstance(n, str) and REUSED.match(n) for n in named):
        return ["reuses must list checks as exercise-id/check-id "
                "(03-stop-using-root/admin-group)"]
    problems = []
    if len(set(named)) != len(named):
        problems.append("reuses names a check twice")
    if any(n.split("/")[0] == folder.name for n in named):
        problems.append("reuses names a check of this exercise itself")
    return problems
