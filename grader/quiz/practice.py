"""A lesson's practice questions: `practice.toml` beside a quiz, shown on the course site
with their answers, and never asked by `grade`.

The graded quiz (`quiz.toml`) keeps its answers hashed and off the site, so a learner who
reads the site still has to think when `grade 01` asks. The practice questions are other
questions on the same ideas, to try before grading:

    [[question]]
    prompt = "Encrypting the EBS volume of your EC2 instance"
    options = ["AWS", "You, the customer"]
    answer = "b"                  # the right letter(s), in clear: this is practice
    explanation = "..."
    lesson = "lessons/shared-responsibility.md#where-the-line-falls"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from grader.errors import GradeError

PRACTICE_FILE = "practice.toml"
_KEYS = {"prompt", "options", "answer", "explanation", "lesson"}


@dataclass(frozen=True)
class PracticeQuestion:
    prompt: str
    options: tuple[str, ...]
    answer: str  # the right letters, "b" or "a,c"
    explanation: str
    lesson: str

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple("abcdefghij"[: len(self.options)])

    def option(self, letter: str) -> str:
        return self.options[self.letters.index(letter)]

    def right_options(self) -> list[str]:
        """The right options as the site shows them: "b) You, the customer"."""
        return [f"{letter}) {self.option(letter)}" for letter in self.answer.split(",")]


def load_practice(folder: Path) -> list[PracticeQuestion]:
    """The practice questions of the exercise in `folder` ([] when it has none); GradeError
    naming the file and the question for anything malformed."""
    path = folder / PRACTICE_FILE
    if not path.exists():
        return []
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise GradeError(f"{path}: {error}", "Fix the practice questions (course authors).") \
            from None
    found = []
    for number, item in enumerate(raw.get("question", []), start=1):
        problems = sorted(_KEYS - set(item)) + sorted(set(item) - _KEYS)
        options = item.get("options")
        if not isinstance(options, list) or len(options) < 2 or len(options) > 10:
            problems.append("options: 2 to 10 of them")
        else:
            letters = "abcdefghij"[: len(options)]
            answer = str(item.get("answer", ""))
            if not answer or any(a not in letters for a in answer.split(",")):
                problems.append(f"answer: letters among {', '.join(letters)}")
        if problems:
            raise GradeError(f"{path}: question {number}: {'; '.join(problems)}",
                             "Fix the practice questions (course authors).")
        found.append(PracticeQuestion(str(item["prompt"]), tuple(map(str, options)),
                                      str(item["answer"]), str(item["explanation"]),
                                      str(item["lesson"])))
    return found
