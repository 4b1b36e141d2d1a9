"""The learner's answers file, `answers.toml` in the exercise folder.

    # a line per question: its id, then your answer's letter(s) in quotes
    hypervisor = "a"
    root-only-tasks = "b, d"
    root-key-last-used = "2026-11-27"

Every problem names its line: TOML that does not parse, a question id that
the quiz does not have, a letter that is not an option, a missing answer.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from grader.errors import GradeError
from grader.quiz.model import Question, Quiz

ANSWERS_FILE = "answers.toml"
_LINE = re.compile(r"^\s*\"?([A-Za-z0-9_-]+)\"?\s*=")


class AnswersFileError(GradeError):
    """The learner's answers file cannot be used as it is."""


def _line_of(text: str, key: str) -> int:
    for number, line in enumerate(text.splitlines(), start=1):
        match = _LINE.match(line)
        if match and match.group(1) == key:
            return number
    return 0


def read_answers(path: Path, quiz: Quiz) -> dict[str, str]:
    """Answers by question id; empty strings for questions not answered yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as error:
        raise AnswersFileError(f"{path} cannot be read: {error.strerror}.",
                               "Check the file's permissions.") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise AnswersFileError(f"{path}: {error}.",
                               'Each line should look like: question-id = "b"') from None
    answers: dict[str, str] = {}
    for key, value in data.items():
        line = _line_of(text, key)
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
    if not value or question.from_account:
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


def blank_answers_file(quiz: Quiz) -> str:
    """The answers file a learner starts from: every question, no answer."""
    lines = [f"# Answers for {quiz.exercise}. Write each answer between the quotes,",
             "# then run `grade " + quiz.exercise[:2] + "`.", ""]
    for question in quiz.questions:
        lines.append(f"# {question.prompt}")
        if question.from_account:
            from grader.quiz.model import ACCOUNT_FACTS

            lines.append(f"#   ({ACCOUNT_FACTS[question.from_account]})")
        for letter, option in zip(question.letters, question.options, strict=True):
            lines.append(f"#   {letter}) {option}")
        if question.multiple:
            lines.append("#   (choose every right option, e.g. \"a, c\")")
        lines.append(f'{question.id} = ""')
        lines.append("")
    return "\n".join(lines)
