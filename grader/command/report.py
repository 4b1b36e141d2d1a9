"""How results and progress look in a terminal (colour) or a pipe (plain text)."""

from __future__ import annotations

import os
import re
import shutil
import sys
import textwrap
from collections.abc import Sequence, Set
from typing import TextIO

from grader.course.exercises import Exercise
from grader.grading.results import ExerciseResult
from grader.progress.store import ExerciseProgress


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


_CODE = re.compile(r"`[^`]*`")
_GLUE = "\x00"  # stands for a space inside `code` while wrapping


def width() -> int:
    """How wide to write: the terminal's width, at most 100 columns (88 in a pipe)."""
    columns = shutil.get_terminal_size((88, 24)).columns
    return max(40, min(columns, 100))


def wrap(text: str, indent: str = "", first: str | None = None, columns: int = 0) -> str:
    """`text` filled to the width, broken only between words and never inside a `command`."""
    glued = _CODE.sub(lambda found: found.group(0).replace(" ", _GLUE), text)
    filled = textwrap.fill(glued, width=columns or width(), initial_indent=first or indent,
                           subsequent_indent=indent, break_long_words=False,
                           break_on_hyphens=False)
    return filled.replace(_GLUE, " ")


def _indent(label: str, text: str) -> str:
    return wrap(text, indent=" " * (7 + len(label)), first=f"      {label} ")


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
        if check.permanent:
            lines.append(_indent("Start over:", restart_advice(result.exercise)))
    passed = sum(c.passed for c in result.checks)
    lines.append("")
    if result.passed:
        everything = "The check passes" if len(result.checks) == 1 \
            else f"All {len(result.checks)} checks pass"
        lines.append(style.good(f"{everything}. Well done!"))
    else:
        number = result.exercise[:2]
        stuck = sum(c.permanent for c in result.checks if not c.passed)
        which = "One failing check" if stuck == 1 else f"{stuck} failing checks"
        advice = (f" {which} cannot be fixed in this account: `grade restart {number}` "
                  "starts the exercise over." if stuck else
                  f" Fix the first failing one, then run `grade {number}` again "
                  f"(`grade hint {number}` for a hint).")
        tally = "The check fails." if len(result.checks) == 1 \
            else f"{passed} of {len(result.checks)} checks pass."
        lines.append(style.bad(tally) +
                     wrap(advice, columns=10_000))
    return "\n".join(lines) + "\n"


def restart_advice(exercise: str) -> str:
    """What to do about a check that the account's history makes fail for good."""
    return ("The account's record of who did what cannot be changed, as in AWS, where "
            "CloudTrail keeps it too. In a real account you would live with it and do "
            f"better from now on; here you can try again: `grade restart {exercise[:2]}` "
            "rebuilds the account as it was when you began this exercise (what you did in "
            "earlier exercises stays).")


def render_progress(exercises: Sequence[Exercise], progress: dict[str, ExerciseProgress],
                    stream: TextIO = sys.stdout, gone: Set[str] = frozenset()) -> str:
    """The course's exercises, each done, not yet or to do, and the next step. `gone`:
    the exercises passed only on a simulated account that has since been reset or
    restarted (`progress.gone_passes`): done no more, and said so."""
    style = Style(stream)

    def done(exercise: Exercise) -> bool:
        entry = progress.get(exercise.id)
        return bool(entry and entry.passed) and exercise.id not in gone

    count = sum(1 for e in exercises if done(e))
    lines = [style.bold("Secure Your AWS Account: your progress"), "",
             f"  {progress_bar(count, len(exercises), stream)}  {count} of {len(exercises)} "
             "exercises done", ""]
    next_up: Exercise | None = None
    for exercise in exercises:
        entry = progress.get(exercise.id)
        if done(exercise):
            mark = style.good("done   ")
        elif exercise.id in gone:
            mark = style.bad("redo   ")
        elif entry:
            mark = style.bad("not yet")
        else:
            mark = style.dim("to do  ")
        tries = f"  ({entry.attempts} attempt{'s' if entry.attempts != 1 else ''})" if entry else ""
        lines.append(f"  {mark}  {exercise.id:<28} {exercise.title}{style.dim(tries)}")
        if next_up is None and not done(exercise):
            next_up = exercise
    lines.append("")
    if gone:
        listed = ", ".join(e.id[:2] for e in exercises if e.id in gone)
        lines.append(wrap(f"redo: passed on a simulated account that has since been reset or "
                          f"restarted ({listed}), so that work is not in your account now. "
                          "Do them again, or bring that account back: `grade sandbox "
                          "archives` lists it, `grade sandbox restore NAME` restores it."))
        lines.append("")
    if next_up is None:
        lines.append(style.good("You have done every exercise of the course."))
    else:
        lines.append(wrap(f"Next: {next_up.id}. Read the task with "
                          f"`grade show {next_up.id[:2]}`, do it, then run "
                          f"`grade {next_up.id[:2]}`."))
    return "\n".join(lines) + "\n"


def progress_bar(done: int, total: int, stream: TextIO, size: int = 24) -> str:
    """`[#########---------------]`, in block characters on a terminal that takes them."""
    filled = round(size * done / total) if total else 0
    encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
    blocks = stream.isatty() and encoding == "utf8"
    full, empty = ("\u2588", "\u2591") if blocks else ("#", "-")
    return "[" + full * filled + empty * (size - filled) + "]"
