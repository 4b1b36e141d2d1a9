"""The course's exercises, each one folder under `exercises/`, loaded and validated.

An exercise folder holds `exercise.toml` (its metadata: id, title, kind,
lesson, graduated hints), `README.md` (the task), the checks (`test_*.py`)
and, for hands-on exercises, `solution/` and `broken/`. The folder name is
the exercise id, the progress key and the site page; its leading number is
its place in the course.
"""

from __future__ import annotations

import difflib
import functools
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.errors import GradeError
from grader.paths import EXERCISES_DIR

# The numbered course path (a contract): an id here may not have a folder yet.
COURSE_PATH = (
    "00-setup", "01-shared-responsibility", "02-root-user", "03-stop-using-root",
    "04-mfa", "05-cloudtrail", "06-billing-reports", "07-checkpoint", "08-key-leak",
    "09-capstone",
)
KINDS = ("hands-on", "quiz")
_ID = re.compile(r"^(\d{2})-[a-z0-9]+(-[a-z0-9]+)*$")
_KEYS = {"id", "title", "kind", "lesson", "summary", "hints", "questions"}


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

    @property
    def task(self) -> str:
        return (self.folder / "README.md").read_text(encoding="utf-8")


class ExerciseDefinitionError(GradeError):
    """An exercise folder whose metadata is wrong (a course author's mistake)."""


def read_definition(path: Path, error: type[GradeError]) -> dict[str, Any]:
    """A course author's TOML file (exercise.toml, quiz.toml), or `error` saying why not."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as reason:
        raise error(f"{path} cannot be read: {reason}.",
                    "Fix the file (course authors).") from None


def load(folder: Path) -> Exercise:
    """Read and validate one exercise folder."""
    meta_path = folder / "exercise.toml"
    where = f"{meta_path}"
    meta = read_definition(meta_path, ExerciseDefinitionError)
    problems = []
    unknown = set(meta) - _KEYS
    if unknown:
        problems.append(f"unknown keys {sorted(unknown)}")
    missing = {"id", "title", "kind", "lesson", "summary", "hints"} - set(meta)
    if missing:
        problems.append(f"missing keys {sorted(missing)}")
    if meta.get("id") != folder.name:
        problems.append(f"id {meta.get('id')!r} differs from the folder name {folder.name!r}")
    if not _ID.match(folder.name):
        problems.append("the folder name must be NN-words-with-dashes")
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
    if not (folder / "README.md").is_file():
        problems.append("README.md (the task) is missing")
    if problems:
        raise ExerciseDefinitionError(f"{where}: " + "; ".join(problems) + ".",
                                      "Fix the exercise's metadata (course authors).")
    return Exercise(
        id=folder.name, number=int(folder.name[:2]), title=str(meta["title"]),
        kind=str(meta["kind"]), lesson=str(meta["lesson"]), summary=str(meta["summary"]),
        hints=tuple(h.strip() for h in hints), folder=folder,
        questions=tuple(questions),
    )


@functools.cache
def all_exercises(root: Path = EXERCISES_DIR) -> tuple[Exercise, ...]:
    """Every exercise of the course, in course order (read once per process)."""
    folders = sorted(p for p in root.iterdir() if p.is_dir() and (p / "exercise.toml").exists())
    return tuple(load(folder) for folder in folders)


def find(name: str, root: Path = EXERCISES_DIR) -> Exercise:
    """The exercise named by its id (`03-stop-using-root`), its number (`03`, `3`), or the
    start of its id that no other exercise's shares (`03-stop`, `stop-using`, `mfa`)."""
    wanted = name.strip().lower()
    exercises = all_exercises(root)
    for exercise in exercises:
        if wanted == exercise.id or (wanted.isdigit() and int(wanted) == exercise.number):
            return exercise
    planned = [i for i in COURSE_PATH
               if wanted == i or (wanted.isdigit() and int(wanted) == int(i[:2]))]
    if planned:
        raise GradeError(f"Exercise {planned[0]} is not in this version of the course yet.",
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
