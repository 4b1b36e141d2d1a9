"""How results and progress look in a terminal (colour) or a pipe (plain text)."""

from __future__ import annotations

import os
import sys
import textwrap
from collections.abc import Sequence
from typing import TextIO

from grader.exercises import Exercise
from grader.progress.store import ExerciseProgress
from grader.results import ExerciseResult


class Style:
    def __init__(self, stream: TextIO) -> None:
        self.color = stream.isatty() and "NO_COLOR" not in os.environ and \
            os.environ.get("TERM") != "dumb"

    def _wrap(self, code: str, text: str) -> str:
        return f"\033[{code}m{text}\033[0m" if self.color else text

    def good(self, text: str) -> str:
        return self._wrap("32", text)

    def bad(self, text: str) -> str:
        return self._wrap("31", text)

    def bold(self, text: str) -> str:
        return self._wrap("1", text)

    def dim(self, text: str) -> str:
        return self._wrap("2", text)


def _indent(label: str, text: str, width: int = 88) -> str:
    body = textwrap.fill(text, width=width, initial_indent=f"      {label} ",
                         subsequent_indent=" " * (7 + len(label)))
    return body


def render_result(result: ExerciseResult, stream: TextIO = sys.stdout) -> str:
    style = Style(stream)
    where = {"sandbox": "the simulated account", "live": "AWS account (read-only)"}.get(
        result.mode, result.mode)
    account = f" {result.account_id}" if result.account_id else ""
    lines = [style.bold(f"{result.exercise}: {result.title}") + style.dim(f"  ({where}{account})"),
             ""]
    for check in result.checks:
        if check.passed:
            lines.append(f"  {style.good('PASS')}  {check.title}")
            if result.mode == "quiz":
                lines.append(style.dim(_indent("Why:", check.why)))
            continue
        lines.append(f"  {style.bad('FAIL')}  {check.title}")
        if check.message:
            lines.append(_indent("What is wrong:", check.message))
        lines.append(_indent("Why it matters:", check.why))
        lines.append(_indent("What to do:", check.hint))
    passed = sum(c.passed for c in result.checks)
    lines.append("")
    if result.passed:
        lines.append(style.good(f"All {len(result.checks)} checks pass. Well done!"))
    else:
        lines.append(style.bad(f"{passed} of {len(result.checks)} checks pass.") +
                     f" Fix the first failing one, then run `grade {result.exercise[:2]}` "
                     f"again (`grade hint {result.exercise[:2]}` for a hint).")
    return "\n".join(lines) + "\n"


def render_progress(exercises: Sequence[Exercise], progress: dict[str, ExerciseProgress],
                    stream: TextIO = sys.stdout) -> str:
    style = Style(stream)
    lines = [style.bold("Secure Your AWS Account: your progress"), ""]
    next_up: Exercise | None = None
    for exercise in exercises:
        entry = progress.get(exercise.id)
        if entry and entry.passed:
            mark = style.good("done   ")
        elif entry:
            mark = style.bad("not yet")
        else:
            mark = style.dim("to do  ")
        tries = f"  ({entry.attempts} attempt{'s' if entry.attempts != 1 else ''})" if entry else ""
        lines.append(f"  {mark}  {exercise.id:<28} {exercise.title}{style.dim(tries)}")
        if next_up is None and not (entry and entry.passed):
            next_up = exercise
    lines.append("")
    if next_up is None:
        lines.append(style.good("You have done every exercise of the course."))
    else:
        lines.append(f"Next: {next_up.id}. Read the task with `grade show {next_up.id[:2]}`, "
                     f"do it, then run `grade {next_up.id[:2]}`.")
    return "\n".join(lines) + "\n"
