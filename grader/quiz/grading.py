"""`grade 01`: grade a quiz from its answers file, or by asking in a terminal."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from grader.checks.iam_state import root_row
from grader.checks.target import Target
from grader.exercises import Exercise
from grader.quiz.answers import ANSWERS_FILE, AnswersFileError, _line_of, missing, read_answers
from grader.quiz.facts import read_fact
from grader.quiz.model import load_quiz
from grader.quiz.scoring import score
from grader.results import ExerciseResult


def grade_quiz(exercise: Exercise, answers_path: Path | None,
               make_target: Callable[[], Target], interactive: bool) -> ExerciseResult:
    quiz = load_quiz(exercise.folder)
    path = answers_path or exercise.folder / ANSWERS_FILE
    answers = read_answers(path, quiz)
    fact: Callable[[str], str] | None = None
    account: str | None = None
    if any(q.from_account for q in quiz.questions):
        target = make_target()
        row = root_row(target.client("iam"))  # one credential report for every fact

        def fact(name: str) -> str:
            return read_fact(name, row)

        account = target.known_account
    todo = missing(quiz, answers)
    if todo and interactive:
        from grader.quiz.interactive import ask

        answers.update(ask(quiz, todo, fact))
    elif todo:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        where = ", ".join(f"{q.id} (line {_line_of(text, q.id)})" if _line_of(text, q.id)
                          else f"{q.id} (not in the file)" for q in todo)
        raise AnswersFileError(
            f"{len(todo)} of {len(quiz.questions)} questions in {path} have no answer yet: "
            f"{where}.",
            f"Fill them in, or run `grade {exercise.id[:2]}` in a terminal to answer there.")
    result = score(exercise, quiz, answers, fact)
    return ExerciseResult(result.exercise, result.title, result.mode, result.checks, account)
