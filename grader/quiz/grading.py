"""`grade 01`: grade a quiz from its answers file, or by asking in a terminal.

The answers in the file come first. In a terminal, the questions the file
leaves blank are asked, except those answered right in an earlier terminal
session: their remembered answers (in the progress store) are scored again
like any answer, so a changed quiz or a changed account cannot pass an answer
that is no longer right. Without a terminal and without the exercise's
`answers.toml`, the blank file is written for the learner to fill in.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from grader.checks.iam_state import root_row
from grader.checks.target import Target
from grader.exercises import Exercise
from grader.progress.store import Progress
from grader.quiz.answers import (
    ANSWERS_FILE,
    AnswersFileError,
    answers_text,
    line_of,
    missing,
    parse_answers,
    write_blank,
)
from grader.quiz.facts import read_fact
from grader.quiz.model import Question, Quiz, load_quiz
from grader.quiz.scoring import is_right, score
from grader.results import ExerciseResult


def _file_answers(exercise: Exercise, quiz: Quiz, answers_path: Path | None,
                  interactive: bool) -> tuple[Path, str, dict[str, str]]:
    """The answers file's path, its text and its answers ("" and none if there is no file)."""
    if answers_path is not None:  # named by the learner: it must be there
        path = answers_path
    else:
        path = exercise.folder / ANSWERS_FILE
        if not path.exists() and not path.is_symlink():
            if interactive:
                return path, "", {}
            if write_blank(path, quiz):
                number = exercise.id[:2]
                raise AnswersFileError(
                    f"I wrote a blank answers file at {path}: fill it in and run "
                    f"`grade {number}` again.",
                    f"Or run `grade {number}` in a terminal to answer there.")
    text = answers_text(path, quiz)
    return path, text, parse_answers(path, text, quiz)


def _remembered(exercise: Exercise, quiz: Quiz, todo: list[Question], progress: Progress,
                fact: Callable[[str], str] | None) -> dict[str, str]:
    """Answers to `todo` remembered as right that are still right; the others forgotten."""
    remembered = progress.right_answers(exercise.id)
    kept = {q.id: remembered[q.id] for q in todo
            if q.id in remembered and is_right(quiz, q, remembered[q.id], fact)}
    stale = [q for q in remembered if q not in kept and quiz.question(q) in todo]
    if stale:
        progress.forget_answers(exercise.id, stale)
    return kept


def grade_quiz(exercise: Exercise, answers_path: Path | None,
               make_target: Callable[[], Target], interactive: bool) -> ExerciseResult:
    quiz = load_quiz(exercise.folder)
    path, text, answers = _file_answers(exercise, quiz, answers_path, interactive)
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

        progress = Progress()
        kept = _remembered(exercise, quiz, todo, progress, fact)
        answers.update(kept)
        asking = [q for q in todo if q.id not in kept]
        if kept:
            rest = f"asking the other {len(asking)}" if asking else "nothing left to ask"
            print(f"Answered right before: {len(kept)} of {len(quiz.questions)} questions, "
                  f"which count as right; {rest}. "
                  f"`grade restart {exercise.id[:2]}` asks them all again.\n")

        def answered(question: Question, answer: str, right: bool) -> None:
            if right:
                progress.remember_right_answer(exercise.id, question.id, answer)

        answers.update(ask(quiz, asking, fact, answered))
    elif todo:
        where = ", ".join(f"{q.id} (line {line_of(text, q.id)})" if line_of(text, q.id)
                          else f"{q.id} (not in the file)" for q in todo)
        raise AnswersFileError(
            f"{len(todo)} of {len(quiz.questions)} questions in {path} have no answer yet: "
            f"{where}.",
            f"Fill them in, or run `grade {exercise.id[:2]}` in a terminal to answer there.")
    result = score(exercise, quiz, answers, fact)
    return ExerciseResult(result.exercise, result.title, result.mode, result.checks, account,
                          extra={"answers": dict(answers)})
