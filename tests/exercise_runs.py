"""An exercise's scripts, as the course's own tests find and run them: its reference
solutions (`solution/`: the AWS CLI's `.sh`, boto3's `.py`, notebooks) and its wrong
solutions (`broken/`), each run in its own folder, as a learner would run it there.

Other files of `solution/` are what the scripts read (`.json`) or steps for a person
(`.md`, as the web console's: a test of its own follows them, in a browser). A file or
module whose name starts with `_` is a script's helper (`broken/_steps.py`), not a script.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from grader.course.exercises import Exercise
from tests.conftest import Course
from tests.exercise_starts import Begun
from tests.mfa_profile import run_detached

SCRIPTS = (".sh", ".py", ".ipynb")
NOT_SCRIPTS = (".json", ".md")  # data a script reads; steps for a person

NOTEBOOK_RUNNER = (
    "import sys, nbformat, nbclient\n"
    "notebook = nbformat.read(sys.argv[1], as_version=4)\n"
    "nbclient.NotebookClient(notebook, timeout=120, kernel_name='python3',\n"
    "                        resources={'metadata': {'path': sys.argv[2]}}).execute()\n"
)


def _scripts(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir()
                  if p.suffix in SCRIPTS and not p.name.startswith(("_", ".")))


def reference_solutions(exercise: Exercise) -> list[Path]:
    return _scripts(exercise.folder / "solution")


def wrong_solutions(exercise: Exercise) -> list[Path]:
    return _scripts(exercise.folder / "broken")


def command(script: Path) -> list[str]:
    if script.suffix == ".sh":
        return ["bash", str(script)]
    if script.suffix == ".ipynb":
        return [sys.executable, "-c", NOTEBOOK_RUNNER, str(script), str(script.parent)]
    return [sys.executable, str(script)]


def run(course: Course, script: Path, begun: Begun,
        answers: Path | None) -> subprocess.CompletedProcess[str]:
    """Run `script` in its folder where the exercise began (with $ANSWERS, the file its
    answers go to, for an exercise that asks questions); it must succeed."""
    env = begun.env | ({"ANSWERS": str(answers)} if answers else {})
    if begun.detached:
        done = run_detached(course, command(script), env, cwd=script.parent)
    else:
        done = course.run(command(script), cwd=script.parent, env=env)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    return done
