"""A quiz as data: `quiz.toml` beside the exercise, validated when loaded.

    [[question]]
    id = "hypervisor"
    prompt = "Who patches the hypervisor under your EC2 instances?"
    options = ["AWS", "You"]
    answer = "sha256:..."        # sealed by `python -m grader.quiz.seal`; never plain
    explanation = "The virtualisation layer is AWS's side of the line."
    lesson = "lessons/shared-responsibility.md#where-the-line-falls"

A question may instead be answered from the account (`from_account =
"root-access-keys-present"`); its right answer is then read at grading time
(grader/quiz/facts.py), and ACCOUNT_FACTS says in which form to answer.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from grader.course.exercises import read_definition
from grader.errors import GradeError

QUIZ_FILE = "quiz.toml"
SEAL_COMMAND = "python -m grader.quiz.seal"
ACCOUNT_FACTS = {
    "root-access-keys-present": "yes or no",
    "root-access-key-last-used": "a date, YYYY-MM-DD, or none if the report shows no use: "
                                 "root has no access keys, or has never used them",
}
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_KEYS = {"id", "prompt", "options", "multiple", "answer", "explanation", "lesson", "from_account"}


@dataclass(frozen=True)
class Question:
    id: str
    prompt: str
    options: tuple[str, ...]  # empty for a question answered from the account
    multiple: bool  # True: "choose every right option"
    answer: str  # "sha256:..." for an option question, "" for an account question
    explanation: str
    lesson: str
    from_account: str = ""

    @property
    def letters(self) -> tuple[str, ...]:
        return tuple(chr(ord("a") + i) for i in range(len(self.options)))

    def option(self, letter: str) -> str:
        return self.options[self.letters.index(letter)]


@dataclass(frozen=True)
class Quiz:
    exercise: str
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)


def answer_hash(exercise: str, question: str, letters: str) -> str:
    """The stored form of a right answer: not readable, checkable."""
    canonical = "".join(sorted(set(letters.replace(",", "").replace(" ", "").lower())))
    digest = hashlib.sha256(f"{exercise}/{question}/{canonical}".encode()).hexdigest()
    return f"sha256:{digest[:24]}"


def right_letters(exercise: str, question: Question) -> str:
    """The right option letters, found by trying them (for the site and for feedback)."""
    from itertools import combinations

    sizes = range(1, len(question.letters) + 1) if question.multiple else [1]
    for size in sizes:
        for combo in combinations(question.letters, size):
            if answer_hash(exercise, question.id, "".join(combo)) == question.answer:
                return "".join(combo)
    raise QuizDefinitionError(
        f"{exercise}/{QUIZ_FILE}: no option of {question.id!r} matches its answer hash.",
        f"Write the plain answer and run `{SEAL_COMMAND} exercises/{exercise}`.")


class QuizDefinitionError(GradeError):
    """A quiz file with a mistake in it (a course author's)."""


def load_quiz(folder: Path) -> Quiz:
    path = folder / QUIZ_FILE
    data = read_definition(path, QuizDefinitionError)
    questions = []
    seen: set[str] = set()
    for number, raw in enumerate(data.get("question", []), start=1):
        where = f"{path}, question {number}"
        problems = [f"unknown keys {sorted(set(raw) - _KEYS)}"] if set(raw) - _KEYS else []
        qid = str(raw.get("id", ""))
        if not _ID.match(qid) or qid in seen:
            problems.append(f"id {qid!r} must be unique lower-case words joined by '-'")
        seen.add(qid)
        for key in ("prompt", "explanation", "lesson"):
            if not str(raw.get(key, "")).strip():
                problems.append(f"{key} is missing")
        fact = str(raw.get("from_account", ""))
        options = raw.get("options", [])
        if fact:
            if fact not in ACCOUNT_FACTS:
                problems.append(f"from_account must be one of {sorted(ACCOUNT_FACTS)}")
        elif not (isinstance(options, list) and 2 <= len(options) <= 8
                  and all(isinstance(o, str) and o for o in options)):
            problems.append("options must be a list of 2 to 8 texts")
        elif not str(raw.get("answer", "")).startswith("sha256:"):
            problems.append(f"answer must be a hash (`{SEAL_COMMAND} exercises/{folder.name}`)")
        if problems:
            raise QuizDefinitionError(f"{where}: " + "; ".join(problems) + ".",
                                      "Fix the quiz file (course authors).")
        questions.append(Question(
            id=qid, prompt=str(raw["prompt"]).strip(), options=tuple(options),
            multiple=bool(raw.get("multiple", False)), answer=str(raw.get("answer", "")),
            explanation=str(raw["explanation"]).strip(), lesson=str(raw["lesson"]),
            from_account=fact,
        ))
    if not questions:
        raise QuizDefinitionError(f"{path} has no [[question]].", "Add some (course authors).")
    quiz = Quiz(folder.name, tuple(questions))
    for question in quiz.questions:
        if not question.from_account:
            right_letters(quiz.exercise, question)  # every hash must match an option
    return quiz
