"""`grade 01`: grade a quiz from its answers file, or by asking in a terminal.

The answers in the file come first. A question the file leaves blank (or
leaves out) that was answered right before, in a terminal or in a file,
counts with its remembered answer (in the progress store), scored again like
any answer, so that a changed quiz or a changed account cannot pass an answer
that is no longer right. Only the rest is asked: in a terminal, one by one;
without a terminal, the file must answer it. Without a terminal and without
the exercise's `answers.toml`, the blank file is written for the learner to
fill in, marking the questions answered right before (they may stay blank);
when every question was answered right before, no file is needed at all.

Every answer that counted, remembered ones included, is in the result
(`extra["answers"]`): it is what an instructor's server scores again
(`grader.server.regrade`), so the server's verdict is the learner's.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from grader.checks.iam_state import root_row
from grader.checks.target import Target
from grader.course.exercises import Exercise
from grader.grading.results import ExerciseResult
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

Fact = Callable[[str], str]


def _blank_written(exercise: Exercise, quiz: Quiz, path: Path,
                   answered_before: set[str]) -> NoReturn:
    """Stop after writing the blank answers file, saying what is left to answer."""
    number = exercise.id[:2]
    left = len(quiz.questions) - len(answered_before)
    what = (f"answer the {left} questions not answered right yet" if answered_before
            else "fill it in")
    raise AnswersFileError(
        f"I wrote a blank answers file at {path}: {what} and run `grade {number}` again.",
        f"Or run `grade {number}` in a terminal to answer there.")


def _file_answers(exercise: Exercise, quiz: Quiz, answers_path: Path | None,
                  interactive: bool, remembered: dict[str, str]
                  ) -> tuple[Path, str, dict[str, str]]:
    """The answers file's path, its text and its answers ("" and none if there is no file:
    in a terminal, or when every question was answered right before)."""
    if answers_path is not None:  # named by the learner: it must be there
        path = answers_path
    else:
        path = exercise.folder / ANSWERS_FILE
        if not path.exists() and not path.is_symlink():
            before = {q.id for q in quiz.questions if q.id in remembered}
            if interactive or len(before) == len(quiz.questions):
                return path, "", {}
            if write_blank(path, quiz, before):
                _blank_written(exercise, quiz, path, before)
    text = answers_text(path, quiz)
    return path, text, parse_answers(path, text, quiz)


def _facts(quiz: Quiz, make_target: Callable[[], Target]) -> tuple[Fact | None, str | None]:
    """How to read the account's facts the quiz asks about, and the account (None, None
    for a quiz that asks nothing about the account)."""
    if not any(q.from_account for q in quiz.questions):
        return None, None
    target = make_target()
    row = root_row(target.client("iam"))  # one credential report for every fact

    def fact(name: str) -> str:
        return read_fact(name, row)

    return fact, target.known_account


def _remembered(exercise: Exercise, quiz: Quiz, todo: list[Question], progress: Progress,
                remembered: dict[str, str], fact: Fact | None) -> dict[str, str]:
    """Answers to `todo` remembered as right that are still right; the others forgotten."""
    kept = {q.id: remembered[q.id] for q in todo
            if q.id in remembered and is_right(quiz, q, remembered[q.id], fact)}
    stale = [q for q in remembered if q not in kept and quiz.question(q) in todo]
    if stale:
        progress.forget_answers(exercise.id, stale)
    return kept


def _unanswered(exercise: Exercise, quiz: Quiz, path: Path, text: str,
                todo: list[Question], kept: dict[str, str]) -> AnswersFileError:
    where = ", ".join(f"{q.id} (line {line_of(text, q.id)})" if line_of(text, q.id)
                      else f"{q.id} (not in the file)" for q in todo)
    counted = f"; the {len(kept)} left blank that were answered right before count" \
        if kept else ""
    return AnswersFileError(
        f"{len(todo)} of {len(quiz.questions)} questions in {path} have no answer yet: "
        f"{where}{counted}.",
        f"Fill them in, or run `grade {exercise.id[:2]}` in a terminal to answer there.")


def grade_quiz(exercise: Exercise, answers_path: Path | None,
               make_target: Callable[[], Target], interactive: bool) -> ExerciseResult:
    quiz = load_quiz(exercise.folder)
    progress = Progress()
    remembered = progress.right_answers(exercise.id)
    path, text, answers = _file_answers(exercise, quiz, answers_path, interactive, remembered)
    from_file = {key: value for key, value in answers.items() if value}
    fact, account = _facts(quiz, make_target)
    todo = missing(quiz, answers)
    kept = _remembered(exercise, quiz, todo, progress, remembered, fact)
    answers.update(kept)
    asking = [q for q in todo if q.id not in kept]
    restart = f"`grade restart {exercise.id[:2]}` asks them all again"
    if interactive and todo:
        from grader.quiz.interactive import ask

        if kept:
            rest = f"asking the other {len(asking)}" if asking else "nothing left to ask"
            print(f"Answered right before: {len(kept)} of {len(quiz.questions)} questions, "
                  f"which count as right; {rest}. {restart}.\n")

        def answered(question: Question, answer: str, right: bool) -> None:
            if right:
                progress.remember_right_answer(exercise.id, question.id, answer)

        answers.update(ask(quiz, asking, fact, answered))
    elif asking:
        if not path.exists() and answers_path is None and write_blank(path, quiz, set(kept)):
            _blank_written(exercise, quiz, path, set(kept))
        raise _unanswered(exercise, quiz, path, text, asking, kept)
    elif kept:  # said on stderr: standard output may be `--json`'s
        print(f"Answered right before: {len(kept)} of {len(quiz.questions)} questions, "
              f"left blank, which count as right ({restart}).", file=sys.stderr)
    result = score(exercise, quiz, answers, fact)
    for check in result.checks:  # right in the file: remembered, as right in a terminal is
        if check.passed and check.id in from_file and remembered.get(check.id) \
                != from_file[check.id]:
            progress.remember_right_answer(exercise.id, check.id, from_file[check.id])
    return ExerciseResult(result.exercise, result.title, result.mode, result.checks, account,
                          extra={"answers": dict(answers)})
