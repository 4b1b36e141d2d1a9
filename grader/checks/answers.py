"""A hands-on exercise's answers to its questions about the account (05: who, and when).

The learner writes them in `answers.toml` in the exercise's folder (or gives
another file: `grade 05 --answers FILE`), one line per question:

    who = "tom.becker"
    when = "2026-11-29T15:42Z"

The file is read as quizzes' answers files are (`grader.quiz.answers`: size,
encoding, TOML). What is wrong with it is a check's failure, not an error of
the grading: the rest of the exercise is still graded.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import GradeError


@dataclass(frozen=True)
class LearnerAnswers:
    """What the learner answered, or why their file cannot be used."""

    path: Path | None
    values: dict[str, str] = field(default_factory=dict)
    problem: str = ""  # why the file cannot be used ("" when it can)


def read(path: Path | None, questions: tuple[str, ...]) -> LearnerAnswers:
    if path is None:
        return LearnerAnswers(None, problem="no answers file was given")
    from grader.quiz.answers import file_text

    lines = "\n".join(f'{name} = "..."' for name in questions)
    try:
        text = file_text(path, f"Write it, one line per question:\n{lines}")
        data = tomllib.loads(text)
    except GradeError as error:
        return LearnerAnswers(path, problem=f"{error.reason} {error.fix}".strip())
    except tomllib.TOMLDecodeError as error:
        return LearnerAnswers(path, problem=f"{path} is not TOML: {error}")
    values = {k: str(v).strip() for k, v in data.items() if k in questions and str(v).strip()}
    missing = [q for q in questions if q not in values]
    problem = f"{path} does not answer {', '.join(missing)}" if missing else ""
    return LearnerAnswers(path, values, problem)
