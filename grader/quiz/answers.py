"""The learner's answers file, `answers.toml` in the exercise folder.

    # a line per question: its id, then your answer's letter(s) in quotes
    hypervisor = "a"
    root-only-tasks = "b, d"
    root-key-last-used = "2026-11-27"

The file is the learner's own: it is not part of the course's git tree
(`.gitignore` has `exercises/*/answers.toml`, so pulling a new version of
the course never conflicts with it). `grade NN` writes a blank one from the
quiz when it needs one and there is none (`write_blank`).

Every problem is one line naming what is wrong, with its line where it has
one: a path that is missing or is a folder, not a regular file (a FIFO, a
device like /dev/zero) or larger than 1 MB, text that is not UTF-8 (a UTF-8
byte-order mark is skipped; UTF-16 and UTF-32 with a byte-order mark, as
Windows Notepad saves "Unicode", are read too), TOML that does not parse,
a question id that the quiz does not have, a letter that is not an option,
an account answer not in its stated form, a missing answer.
"""

from __future__ import annotations

import codecs
import os
import re
import stat
import tomllib
from collections.abc import Collection
from pathlib import Path

from grader.errors import GradeError
from grader.quiz.facts import problem
from grader.quiz.model import ACCOUNT_FACTS, Question, Quiz

ANSWERS_FILE = "answers.toml"
MAX_ANSWERS_BYTES = 1_000_000  # an answers file is a few lines; more is not one
_LINE = re.compile(r"^\s*\"?([A-Za-z0-9_-]+)\"?\s*=")
# Longest first: a UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32"), (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16"), (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16"),
)
_SAVE_AS_UTF8 = "Save it as UTF-8 text (in Notepad: File > Save as, Encoding: UTF-8)."


class AnswersFileError(GradeError):
    """The learner's answers file cannot be used as it is."""


def line_of(text: str, key: str) -> int:
    """The line (from 1) where `key` is answered in `text`, 0 if it is not."""
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LINE.match(line)
        if match and match.group(1) == key:
            return number
    return 0


def _where_to_get_one(quiz: Quiz) -> str:
    number = quiz.exercise[:2]
    return (f"Check the path; or run `grade {number}` without --answers: in a terminal it "
            "asks the questions, elsewhere it writes a blank answers file to fill in.")


def answers_text(path: Path, quiz: Quiz) -> str:
    """The answers file's text, or AnswersFileError saying in one line why it cannot be read."""
    return file_text(path, _where_to_get_one(quiz))


def file_text(path: Path, if_missing: str) -> str:
    """A learner's answers file's text (`if_missing`: what to do when there is none), or
    AnswersFileError saying in one line why it cannot be read."""
    if path.is_dir():
        inside = path / ANSWERS_FILE
        raise AnswersFileError(f"{path} is a folder, not a file.",
                               f"Did you mean {inside}?" if inside.is_file()
                               else "Give the path of the answers file itself.")
    try:
        raw = _read_limited(path)
    except FileNotFoundError:
        raise AnswersFileError(f"{path} does not exist.", if_missing) from None
    except PermissionError:
        raise AnswersFileError(f"{path} cannot be read: permission denied.",
                               "Check the file's permissions.") from None
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise AnswersFileError(f"{path} cannot be read: {reason}.",
                               "Check the file, or write a new one.") from None
    return _decoded(path, raw)


def _read_limited(path: Path) -> bytes:
    """The bytes of `path` if it is a regular file of at most MAX_ANSWERS_BYTES; a FIFO,
    a device (`/dev/zero`) or a huge file is refused, never read without end."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise _not_a_file(path)
    # Non-blocking, so that a FIFO swapped in meanwhile cannot make the open wait.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise _not_a_file(path)
        raw = handle.read(MAX_ANSWERS_BYTES + 1)
    if len(raw) > MAX_ANSWERS_BYTES:
        raise AnswersFileError(f"{path} is larger than {MAX_ANSWERS_BYTES // 1_000_000} MB: "
                               "it is not an answers file, which is a few lines.",
                               "Give the path of the answers file itself.")
    return raw


def _not_a_file(path: Path) -> AnswersFileError:
    return AnswersFileError(f"{path} is not a regular file (a device, a pipe or a socket "
                            "cannot be an answers file).",
                            "Give the path of the answers file itself.")


def _decoded(path: Path, raw: bytes) -> str:
    for bom, codec, name in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom):].decode(codec)
            except UnicodeDecodeError as error:
                line = raw[:len(bom) + error.start].count(b"\n") + 1
                raise AnswersFileError(f"{path} starts like {name} text but is not {name} "
                                       f"(line {line}).", _SAVE_AS_UTF8) from None
    if b"\x00" in raw:  # UTF-16 or UTF-32 without a byte-order mark, or not text at all
        raise AnswersFileError(f"{path} is not UTF-8 text: it has NUL bytes, as UTF-16 "
                               "without a byte-order mark would.", _SAVE_AS_UTF8)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[:error.start].count(b"\n") + 1
        raise AnswersFileError(f"{path} is not UTF-8 text (line {line} has a byte that "
                               "UTF-8 does not allow).", _SAVE_AS_UTF8) from None


def read_answers(path: Path, quiz: Quiz) -> dict[str, str]:
    """Answers by question id; empty strings for questions not answered yet."""
    return parse_answers(path, answers_text(path, quiz), quiz)


def parse_answers(path: Path, text: str, quiz: Quiz) -> dict[str, str]:
    """Answers by question id from the file's text (`path` only names it in messages)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise AnswersFileError(f"{path}: {error}.",
                               'Each line should look like: question-id = "b"') from None
    answers: dict[str, str] = {}
    for key, value in data.items():
        line = line_of(text, key)
        question = quiz.question(key)
        if question is None:
            known = ", ".join(q.id for q in quiz.questions)
            raise AnswersFileError(f"{path}, line {line}: there is no question {key!r}.",
                                   f"The questions are: {known}.")
        if not isinstance(value, str):
            raise AnswersFileError(f"{path}, line {line}: the answer to {key!r} must be in "
                                   'quotes, like "b".', "Put your answer between quotes.")
        answers[key] = _checked(path, line, question, value.strip())
    return answers


def _checked(path: Path, line: int, question: Question, value: str) -> str:
    if not value:
        return value
    if question.from_account:
        wrong_form = problem(question.from_account, value)
        if wrong_form:
            raise AnswersFileError(f"{path}, line {line}: {value!r} is not an answer to "
                                   f"{question.id!r}: {wrong_form}.",
                                   f"Answer with {ACCOUNT_FACTS[question.from_account]}.")
        return value
    letters = list(re.sub(r"[\s,;]+", "", value.lower()))
    wrong = [letter for letter in letters if letter not in question.letters]
    if wrong:
        raise AnswersFileError(
            f"{path}, line {line}: {', '.join(wrong)!s} is not an option of {question.id!r}.",
            f"Choose from {', '.join(question.letters)}.")
    if len(letters) > 1 and not question.multiple:
        raise AnswersFileError(f"{path}, line {line}: {question.id!r} takes one answer.",
                               "Keep only the letter you choose.")
    return "".join(sorted(set(letters)))


def missing(quiz: Quiz, answers: dict[str, str]) -> list[Question]:
    return [q for q in quiz.questions if not answers.get(q.id)]


ANSWERED_BEFORE = "# Answered right before: leave it blank to keep that answer."


def blank_answers_file(quiz: Quiz, answered_before: Collection[str] = ()) -> str:
    """The answers file a learner starts from: every question, no answer; the questions in
    `answered_before` (answered right already) marked as ones that may stay blank."""
    lines = [f"# Answers for {quiz.exercise}. Write each answer between the quotes,",
             "# then run `grade " + quiz.exercise[:2] + "`."]
    if answered_before:
        lines.append(f"# {len(answered_before)} of {len(quiz.questions)} questions were "
                     "answered right before: they may stay blank.")
    lines.append("")
    for question in quiz.questions:
        lines.append(f"# {question.prompt}")
        if question.from_account:
            lines.append(f"#   ({ACCOUNT_FACTS[question.from_account]})")
        for letter, option in zip(question.letters, question.options, strict=True):
            lines.append(f"#   {letter}) {option}")
        if question.multiple:
            lines.append("#   (choose every right option, e.g. \"a, c\")")
        if question.id in answered_before:
            lines.append(ANSWERED_BEFORE)
        lines.append(f'{question.id} = ""')
        lines.append("")
    return "\n".join(lines)


def write_blank(path: Path, quiz: Quiz, answered_before: Collection[str] = ()) -> bool:
    """Write the blank answers file at `path` unless a file is there; True if written.

    Never overwrites: the file is created exclusively, so a learner's answers
    written meanwhile (another `grade` run, an editor) are kept.
    """
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        return False
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise AnswersFileError(
            f"{path} does not exist and could not be written ({reason}).",
            f"Run `grade {quiz.exercise[:2]}` in a terminal to answer there, "
            "or pass --answers FILE.") from None
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(blank_answers_file(quiz, answered_before) + "\n")
    return True
